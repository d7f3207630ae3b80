"""Bitmaps: SETBIT/GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD(_RO) as feature
flags and counters, their keyspace events and WATCH behaviour, the offset
limit, and random command streams compared byte for byte with Redis.

Byte-for-byte replies for ordinary and error cases are covered by
tests/diff/cases/bitmap_*.txt.
"""

import os
import random
import time

import pytest

from support.resp import ReplyTimeout

SEED = int(os.environ.get("BITMAP_TEST_SEED", time.time_ns() % 1_000_000_007))


# ---- the classic uses ----

def test_daily_active_users_counted_with_setbit_and_bitcount(client):
    for user in (3, 7, 7, 1000, 123456):
        client.setbit("active:2024-01-01", user, 1)
    for user in (7, 99):
        client.setbit("active:2024-01-02", user, 1)
    assert client.bitcount("active:2024-01-01") == 4
    assert client.bitop("AND", "both", "active:2024-01-01", "active:2024-01-02") == 15433
    assert client.bitcount("both") == 1
    assert client.bitpos("both", 1) == 7
    assert client.bitop("OR", "either", "active:2024-01-01", "active:2024-01-02") == 15433
    assert client.bitcount("either") == 5


def test_bitfield_packs_counters_that_saturate(client):
    reply = client.execute_command("BITFIELD", "counters", "OVERFLOW", "SAT",
                                   "INCRBY", "u4", "#0", "10", "INCRBY", "u4", "#0", "10",
                                   "INCRBY", "u4", "#1", "3", "GET", "u4", "#1")
    assert reply == [10, 15, 3, 3]
    assert client.execute_command("BITFIELD_RO", "counters", "GET", "u8", "0") == [0xF3]


def test_setbit_on_a_new_key_creates_a_raw_string_just_long_enough(client):
    assert client.setbit("b", 17, 1) == 0
    assert client.strlen("b") == 3
    assert client.object("encoding", "b") == "raw"
    assert client.getbit("b", 17) == 1
    assert client.setbit("b", 17, 0) == 1


def test_offsets_stop_at_proto_max_bulk_len_bytes(server_factory):
    s = server_factory("--proto-max-bulk-len", "1mb")
    c = s.client()
    top = 1024 * 1024 * 8 - 1
    assert c.setbit("b", top, 1) == 0
    assert c.strlen("b") == 1024 * 1024
    for cmd in (("SETBIT", "b", top + 1, 1), ("GETBIT", "b", top + 1),
                ("BITFIELD", "b", "GET", "u8", top + 1)):
        with pytest.raises(Exception, match="bit offset is not an integer or out of range"):
            c.execute_command(*cmd)
    # A field may start below the limit and end past it: the string grows.
    assert c.execute_command("BITFIELD", "b", "SET", "u8", top, 255) == [1 << 7]
    assert c.strlen("b") == 1024 * 1024 + 1


def test_growing_a_bitmap_bit_by_bit_stays_linear(client):
    # Each SETBIT one byte further must not copy the whole string: 40000
    # growing writes finish in well under the time a copy per call takes.
    pipe = client.pipeline(transaction=False)
    for j in range(40000):
        pipe.setbit("grow", j * 8 + 7, 1)
    start = time.monotonic()
    pipe.execute()
    assert client.strlen("grow") == 40000
    assert client.bitcount("grow") == 40000
    assert time.monotonic() - start < 30


# ---- events and WATCH ----

def _events(server_factory):
    s = server_factory("--notify-keyspace-events", "KEA")
    sub = s.raw()
    assert sub.call("PSUBSCRIBE", "__keyevent@0__:*")[0] == b"psubscribe"
    return s, sub


def _drain(sub):
    out = []
    while True:
        try:
            msg = sub.read_reply(timeout=0.2).value
        except ReplyTimeout:
            return out
        out.append((msg[2].split(b":", 1)[1].decode(), msg[3].decode()))


def test_bit_writers_publish_setbit_set_and_del_only_when_something_changed(server_factory):
    s, sub = _events(server_factory)
    with s.raw() as c:
        c.call("SETBIT", "b", 3, 1)
        c.call("SETBIT", "b", 3, 1)  # unchanged: no event
        c.call("SETBIT", "b", 3, 0)
        c.call("SETBIT", "b", 100, 0)  # grows the string: an event
        c.call("BITFIELD", "b", "SET", "u8", 0, 0)  # unchanged
        c.call("BITFIELD", "b", "INCRBY", "u8", 0, 1)
        c.call("BITFIELD", "b", "OVERFLOW", "FAIL", "INCRBY", "u8", 0, 1000)  # refused
        c.call("BITFIELD", "b", "GET", "u8", 0)
        c.call("BITOP", "NOT", "n", "b")
        c.call("BITOP", "AND", "n", "missing")
        c.call("BITOP", "AND", "n", "missing")  # nothing to delete
    assert _drain(sub) == [("setbit", "b"), ("setbit", "b"), ("setbit", "b"), ("setbit", "b"),
                           ("set", "n"), ("del", "n")]
    sub.close()


def test_watch_is_invalidated_by_a_changing_setbit_but_not_by_a_no_op(server):
    with server.raw() as a, server.raw() as b:
        a.call("FLUSHALL")
        a.call("SETBIT", "flags", 5, 1)
        a.call("WATCH", "flags")
        b.call("SETBIT", "flags", 5, 1)  # same bit: no change
        a.call("MULTI")
        a.call("GET", "flags")
        assert a.call("EXEC") == [b"\x04"]
        a.call("WATCH", "flags")
        b.call("BITFIELD", "flags", "INCRBY", "u8", 0, 1)
        a.call("MULTI")
        a.call("GET", "flags")
        assert a.call("EXEC") is None


# ---- random streams against Redis ----

def _random_command(rnd):
    k = rnd.choice(["b1", "b2", "b3", "s"])

    def offset():
        return str(rnd.choice([0, 1, 7, 8, 9, 63, 64, 65, 127, 200, rnd.randint(0, 700)]))

    def idx():
        return str(rnd.randint(-90, 90))

    def ftype():
        sign = rnd.choice("iu")
        return sign + str(rnd.randint(1, 64 if sign == "i" else 63))

    r = rnd.random()
    if r < 0.25:
        return ["SETBIT", k, offset(), rnd.choice(["0", "1"])]
    if r < 0.32:
        return ["GETBIT", k, offset()]
    if r < 0.45:
        return ["BITCOUNT", k] + rnd.choice([[], [idx(), idx()], [idx(), idx(), "BIT"],
                                             [idx(), idx(), "BYTE"]])
    if r < 0.6:
        return ["BITPOS", k, rnd.choice(["0", "1"])] + rnd.choice(
            [[], [idx()], [idx(), idx()], [idx(), idx(), "BIT"], [idx(), idx(), "BYTE"]])
    if r < 0.7:
        return ["BITOP", rnd.choice(["AND", "OR", "XOR"]), rnd.choice(["b1", "b2", "b3"]), k,
                rnd.choice(["b1", "b2", "b3", "s", "none"])]
    if r < 0.72:
        return ["BITOP", "NOT", rnd.choice(["b1", "b2", "b3"]), k]
    if r < 0.92:
        cmd = ["BITFIELD", k]
        for _ in range(rnd.randint(1, 4)):
            op = rnd.random()
            if op < 0.2:
                cmd += ["OVERFLOW", rnd.choice(["WRAP", "SAT", "FAIL"])]
            elif op < 0.5:
                cmd += ["GET", ftype(), offset()]
            else:
                v = rnd.choice([0, 1, -1, 127, 128, 255, 256, -129, 2 ** 62, -2 ** 63,
                                2 ** 63 - 1, rnd.randint(-1000, 1000)])
                cmd += [rnd.choice(["SET", "INCRBY"]), ftype(), offset(), str(v)]
        return cmd
    if r < 0.95:
        return ["BITFIELD_RO", k, "GET", ftype(), offset()]
    if r < 0.97:
        return ["SET", "s", rnd.choice(["12345", "foobar", "\xff\xfe", "", "-7"])]
    return ["GET", k]


def test_random_bit_commands_get_byte_identical_replies_from_tern_and_redis(server, ref_server):
    rnd = random.Random(SEED)
    with server.raw() as t, ref_server.raw() as r:
        for conn in (t, r):
            assert conn.call("FLUSHALL") == b"OK"
        for step in range(3000):
            cmd = _random_command(rnd)
            t.send_command(*cmd)
            r.send_command(*cmd)
            ours, theirs = t.read_reply().raw, r.read_reply().raw
            assert ours == theirs, f"seed {SEED}, step {step}: {cmd}"
        for key in ("b1", "b2", "b3", "s"):
            assert t.call("GET", key) == r.call("GET", key), f"seed {SEED}: {key}"
