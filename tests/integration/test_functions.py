"""Redis Functions against the real binary: a library's life (LOAD, FCALL,
LIST, DUMP, RESTORE with each policy, DELETE, FLUSH), payloads moved
between Tern and Redis 7.0.15 in both directions, and hostile RESTORE
payloads (every truncation and random corruption of a valid one) that
must end in an error with the server alive.  Error texts are compared
with Redis in tests/diff/cases/scripting_functions.txt and
scripting_funcdump.txt."""

import random
import struct

from support.resp import ErrorReply


def crc64(data):
    """Redis's CRC-64 (Jones polynomial, reflected)."""
    crc = 0
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0x95AC9329AC4BC9B5 if crc & 1 else crc >> 1
    return crc


def with_footer(body):
    """`body` (FUNCTION2 records) with an RDB version 10 footer and a valid checksum,
    so a corrupted body reaches the parser instead of the checksum test."""
    body += struct.pack("<H", 10)
    return body + struct.pack("<Q", crc64(body))

QUEUE_LIB = """#!lua name=queue
local function push(keys, args)
    redis.call('RPUSH', keys[1], args[1])
    return redis.call('LLEN', keys[1])
end
local function peek(keys)
    return redis.call('LRANGE', keys[1], 0, -1)
end
redis.register_function('qpush', push)
redis.register_function{function_name = 'qpeek', callback = peek, flags = {'no-writes'},
                        description = 'the whole queue'}
"""

COUNTER_LIB = ("#!lua name=counter\n"
               "redis.register_function('bump', function(keys) return redis.call('INCR', keys[1]) end)")


def test_load_fcall_list_dump_restore_round_trip(raw):
    assert raw.call("FUNCTION", "FLUSH") == b"OK"
    assert raw.call("FUNCTION", "LOAD", QUEUE_LIB) == b"queue"
    assert raw.call("FUNCTION", "LOAD", COUNTER_LIB) == b"counter"
    assert raw.call("FCALL", "qpush", 1, "jobs", "a") == 1
    assert raw.call("FCALL", "QPUSH", 1, "jobs", "b") == 2
    assert raw.call("FCALL_RO", "qpeek", 1, "jobs") == [b"a", b"b"]
    listed = raw.call("FUNCTION", "LIST", "LIBRARYNAME", "queue", "WITHCODE")
    assert listed[0][1] == b"queue" and listed[0][7] == QUEUE_LIB.encode()
    payload = raw.call("FUNCTION", "DUMP")
    assert raw.call("FUNCTION", "FLUSH") == b"OK"
    assert isinstance(raw.call("FCALL", "bump", 1, "n"), ErrorReply)
    assert raw.call("FUNCTION", "RESTORE", payload) == b"OK"
    assert raw.call("FCALL", "bump", 1, "n") == 1
    assert raw.call("FCALL_RO", "qpeek", 1, "jobs") == [b"a", b"b"]
    # APPEND (the default) refuses existing libraries; REPLACE swaps them;
    # FLUSH starts over with exactly the payload's.
    # (Which library it names depends on the payload's order.)
    assert raw.call("FUNCTION", "RESTORE", payload) in (
        b"ERR Library queue already exists", b"ERR Library counter already exists")
    assert raw.call("FUNCTION", "RESTORE", payload, "REPLACE") == b"OK"
    assert raw.call("FUNCTION", "DELETE", "counter") == b"OK"
    assert raw.call("FUNCTION", "LOAD", "#!lua name=extra\nredis.register_function('x', "
                    "function() return 'x' end)") == b"extra"
    assert raw.call("FUNCTION", "RESTORE", payload, "FLUSH") == b"OK"
    names = sorted(lib[1] for lib in raw.call("FUNCTION", "LIST"))
    assert names == [b"counter", b"queue"]
    assert raw.call("FUNCTION", "FLUSH") == b"OK"


def test_a_failed_restore_changes_nothing(raw):
    raw.call("FUNCTION", "FLUSH")
    raw.call("FUNCTION", "LOAD", COUNTER_LIB)
    payload = raw.call("FUNCTION", "DUMP")
    raw.call("FUNCTION", "LOAD", "REPLACE", "#!lua name=counter\nredis.register_function("
             "'bump', function() return 'v2' end)")
    # A second library whose function name is taken by the first makes the
    # whole payload fail, REPLACE or not: nothing of it is linked.
    raw.call("FUNCTION", "LOAD", "#!lua name=other\nredis.register_function('other_f', "
             "function() return 1 end)")
    clash_payload = raw.call("FUNCTION", "DUMP")
    raw.call("FUNCTION", "DELETE", "other")
    raw.call("FUNCTION", "LOAD", "#!lua name=taker\nredis.register_function('other_f', "
             "function() return 'taker' end)")
    assert raw.call("FUNCTION", "RESTORE", clash_payload, "REPLACE") == (
        b"ERR Function other_f already exists")
    assert raw.call("FCALL", "bump", 0) == b"v2"
    assert raw.call("FCALL", "other_f", 0) == b"taker"
    assert raw.call("FUNCTION", "RESTORE", payload, "REPLACE") == b"OK"
    assert raw.call("FCALL", "bump", 1, "k") == 1
    raw.call("FUNCTION", "FLUSH")


def test_payloads_move_between_tern_and_redis_both_ways(raw, ref_server):
    with ref_server.raw() as ref:
        ref.call("FUNCTION", "FLUSH")
        raw.call("FUNCTION", "FLUSH")
        ref.call("FUNCTION", "LOAD", QUEUE_LIB)
        from_redis = ref.call("FUNCTION", "DUMP")
        assert raw.call("FUNCTION", "RESTORE", from_redis) == b"OK"
        assert raw.call("FCALL", "qpush", 1, "q", "x") == 1
        raw.call("FUNCTION", "LOAD", COUNTER_LIB)
        raw.call("FUNCTION", "DELETE", "queue")
        from_tern = raw.call("FUNCTION", "DUMP")
        assert ref.call("FUNCTION", "RESTORE", from_tern) == b"OK"
        assert ref.call("FCALL", "bump", 1, "c") == 1
        # One library: the same bytes on both sides (LZF included).
        ref.call("FUNCTION", "DELETE", "queue")
        assert ref.call("FUNCTION", "DUMP") == from_tern
        ref.call("FUNCTION", "FLUSH")
        ref.call("DEL", "c")
    raw.call("FUNCTION", "FLUSH")


def test_hostile_restore_payloads_fail_cleanly_and_the_server_lives(raw):
    raw.call("FUNCTION", "FLUSH")
    raw.call("FUNCTION", "LOAD", QUEUE_LIB)
    raw.call("FUNCTION", "LOAD", COUNTER_LIB)
    payload = raw.call("FUNCTION", "DUMP")
    raw.call("FUNCTION", "FLUSH")
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    for cut in range(len(payload)):
        reply = raw.call("FUNCTION", "RESTORE", payload[:cut])
        assert isinstance(reply, ErrorReply), (seed, cut, reply)
    body = payload[:-10]
    oks = 0
    for cut in range(len(body)):
        reply = raw.call("FUNCTION", "RESTORE", with_footer(body[:cut]), "FLUSH")
        # Cut at a record boundary, the payload is the libraries before it.
        assert reply == b"OK" or isinstance(reply, ErrorReply), (seed, cut, reply)
        oks += reply == b"OK"
    assert oks == 2  # nothing, and the first library alone
    for _ in range(300):
        bad = bytearray(body)
        for _ in range(rng.randint(1, 4)):
            bad[rng.randrange(len(bad))] = rng.randrange(256)
        raw.call("FUNCTION", "RESTORE", with_footer(bytes(bad)),
                 rng.choice(["APPEND", "REPLACE", "FLUSH"]))
    # Forged lengths: a raw string claiming 2^64-1 bytes, an LZF record
    # claiming gigabytes from five bytes.
    for forged in (b"\xf5\x81" + b"\xff" * 8, b"\xf5\xc3\x05\x80\x7f\xff\xff\xffabcde",
                   b"\xf5\xc3\x80\xff\xff\xff\xff\x05abcde"):
        assert isinstance(raw.call("FUNCTION", "RESTORE", with_footer(forged)), ErrorReply)
    assert raw.call("PING") == b"PONG", seed
    raw.call("FUNCTION", "FLUSH")
