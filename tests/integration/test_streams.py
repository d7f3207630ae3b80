"""Streams: the worker pattern end to end, blocking reads (XREAD and
XREADGROUP BLOCK woken by XADD, FIFO, group or key gone, CLIENT UNBLOCK,
MULTI), keyspace events, generic key commands on streams, and randomized
runs compared with Redis 7.0 (ids, node splits, trimming, ranges, groups).

Byte-for-byte replies of ordinary and error cases are covered by
tests/diff/cases/streams_*.txt.
"""

import os
import random
import time

import pytest

from support.blocking import open_blocked, send_blocking
from support.resp import ReplyTimeout

SEED = int(os.environ.get("STREAM_TEST_SEED", time.time_ns() % 1_000_000_007))


def _ids(entries):
    return [e[0] for e in entries]


def _pending_count(client, key, group):
    return client.xpending(key, group)["pending"]


def _assert_silent(conn, wait=0.05):
    with pytest.raises(ReplyTimeout):
        conn.read_reply(timeout=wait)


# ---- the worker pattern ------------------------------------------------


def test_two_consumers_share_entries_without_overlap_and_xpending_counts_agree(client):
    for j in range(10):
        client.xadd("jobs", {"job": j}, id=f"1-{j + 1}")
    client.xgroup_create("jobs", "workers", id="0")
    a = client.xreadgroup("workers", "alice", {"jobs": ">"}, count=4)[0][1]
    b = client.xreadgroup("workers", "bob", {"jobs": ">"}, count=4)[0][1]
    c = client.xreadgroup("workers", "alice", {"jobs": ">"})[0][1]
    assert set(_ids(a)).isdisjoint(_ids(b))
    assert sorted(_ids(a) + _ids(b) + _ids(c), key=lambda i: int(i.split("-")[1])) == [
        f"1-{j}" for j in range(1, 11)]
    summary = client.xpending("jobs", "workers")
    assert summary["pending"] == 10
    assert {x["name"]: x["pending"] for x in summary["consumers"]} == {"alice": 6, "bob": 4}
    assert client.xack("jobs", "workers", *_ids(a)) == 4
    assert _pending_count(client, "jobs", "workers") == 6
    # Nothing new: both read empty.
    assert client.xreadgroup("workers", "bob", {"jobs": ">"}) == []


def test_a_crashed_consumers_entries_are_autoclaimed_after_the_idle_time_then_acked(client):
    for j in range(5):
        client.xadd("jobs", {"job": j}, id=f"5-{j}")
    client.xgroup_create("jobs", "g", id="0")
    taken = _ids(client.xreadgroup("g", "crasher", {"jobs": ">"}, count=3)[0][1])
    assert _pending_count(client, "jobs", "g") == 3
    # Not idle long enough yet: nothing moves.
    cursor, claimed, deleted = client.xautoclaim("jobs", "g", "rescuer", 60000, "0-0")
    assert claimed == [] and deleted == [] and cursor == "0-0"
    time.sleep(0.11)
    cursor, claimed, deleted = client.xautoclaim("jobs", "g", "rescuer", 100, "0-0")
    assert _ids(claimed) == taken and deleted == [] and cursor == "0-0"
    detail = client.xpending_range("jobs", "g", "-", "+", 10)
    assert [(d["message_id"], d["consumer"], d["times_delivered"]) for d in detail] == [
        (i, "rescuer", 2) for i in taken]
    assert client.xack("jobs", "g", *taken) == 3
    assert _pending_count(client, "jobs", "g") == 0
    # The crashed consumer still exists, with nothing pending.
    consumers = {c["name"]: c["pending"] for c in client.xinfo_consumers("jobs", "g")}
    assert consumers == {"crasher": 0, "rescuer": 0}


def test_replay_after_reconnect_returns_exactly_the_missed_entries(server, client):
    first = [client.xadd("feed", {"n": j}) for j in range(3)]
    seen = client.xread({"feed": "0"})[0][1]
    assert _ids(seen) == first
    last = seen[-1][0]
    client.close()
    missed = [client.xadd("feed", {"n": j}) for j in range(3, 7)]
    again = server.client()
    got = again.xread({"feed": last})[0][1]
    assert _ids(got) == missed
    assert [e[1]["n"] for e in got] == ["3", "4", "5", "6"]
    again.close()


def test_automatic_ids_never_go_back_and_keep_the_sequence_within_a_millisecond(client):
    ids = [client.xadd("s", {"f": "v"}) for _ in range(500)]
    parsed = [tuple(map(int, i.split("-"))) for i in ids]
    assert parsed == sorted(parsed) and len(set(parsed)) == 500
    assert abs(parsed[-1][0] - time.time() * 1000) < 60000
    future = parsed[-1][0] + 10_000_000
    client.xadd("s", {"f": "v"}, id=f"{future}-5")
    assert client.xadd("s", {"f": "v"}) == f"{future}-6"


# ---- blocking ----------------------------------------------------------


def test_blocking_xread_is_woken_by_xadd_from_another_client(server, raw):
    raw.call("XADD", "s", "1-1", "old", "x")
    w = open_blocked(server, "XREAD", "BLOCK", "0", "STREAMS", "s", "$")
    start = time.monotonic()
    assert raw.call("XADD", "s", "2-1", "new", "y") == b"2-1"
    assert w.read_reply(timeout=2).value == [[b"s", [[b"2-1", [b"new", b"y"]]]]]
    assert time.monotonic() - start < 0.5
    w.close()


def test_blocking_xread_on_a_missing_key_is_served_by_the_xadd_that_creates_it(server, raw):
    w = open_blocked(server, "XREAD", "COUNT", "5", "BLOCK", "0", "STREAMS", "a", "b", "$", "0")
    raw.call("XADD", "b", "7-7", "f", "v")
    assert w.read_reply(timeout=2).value == [[b"b", [[b"7-7", [b"f", b"v"]]]]]
    w.close()


def test_blocking_xread_times_out_with_a_null_array(server):
    conn = server.raw()
    start = time.monotonic()
    conn.send_command("XREAD", "BLOCK", "50", "STREAMS", "nokey", "$")
    assert conn.read_reply(timeout=3).raw == b"*-1\r\n"
    assert time.monotonic() - start >= 0.045
    conn.close()


def test_xreadgroup_block_serves_two_waiting_consumers_in_the_order_they_blocked(server, raw):
    raw.call("XGROUP", "CREATE", "q", "g", "$", "MKSTREAM")
    first = open_blocked(server, "XREADGROUP", "GROUP", "g", "c1", "COUNT", "1", "BLOCK", "0",
                         "STREAMS", "q", ">")
    second = open_blocked(server, "XREADGROUP", "GROUP", "g", "c2", "COUNT", "1", "BLOCK", "0",
                          "STREAMS", "q", ">")
    raw.call("XADD", "q", "1-1", "job", "a")
    assert first.read_reply(timeout=2).value == [[b"q", [[b"1-1", [b"job", b"a"]]]]]
    _assert_silent(second)
    raw.call("XADD", "q", "1-2", "job", "b")
    assert second.read_reply(timeout=2).value == [[b"q", [[b"1-2", [b"job", b"b"]]]]]
    pending = raw.call("XPENDING", "q", "g")
    assert pending[0] == 2 and pending[3] == [[b"c1", b"1"], [b"c2", b"1"]]
    # Two entries in one XADD burst (a transaction): the first waiter takes
    # both with COUNT 2, the second keeps waiting.
    first.send_command("XREADGROUP", "GROUP", "g", "c1", "COUNT", "2", "BLOCK", "0",
                       "STREAMS", "q", ">")
    send_blocking(raw, second, "XREADGROUP", "GROUP", "g", "c2", "BLOCK", "0", "STREAMS", "q", ">")
    raw.call("MULTI")
    raw.call("XADD", "q", "1-3", "job", "c")
    raw.call("XADD", "q", "1-4", "job", "d")
    raw.call("EXEC")
    assert [e[0] for e in first.read_reply(timeout=2).value[0][1]] == [b"1-3", b"1-4"]
    _assert_silent(second)
    second.close()
    first.close()


def test_xreadgroup_blocked_gets_nogroup_when_the_group_is_destroyed(server, raw):
    raw.call("XGROUP", "CREATE", "q", "g", "$", "MKSTREAM")
    w = open_blocked(server, "XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "q", ">")
    assert raw.call("XGROUP", "DESTROY", "q", "g") == 1
    assert w.read_reply(timeout=2).raw == (
        b"-NOGROUP the consumer group this client was blocked on no longer exists\r\n")
    w.close()


@pytest.mark.parametrize("how", [["DEL", "q"], ["SET", "q", "x"], ["FLUSHALL"],
                                 ["RENAME", "q", "q2"], ["UNLINK", "q"]])
def test_xreadgroup_blocked_is_unblocked_when_the_stream_goes_away(server, raw, how):
    raw.call("XGROUP", "CREATE", "q", "g", "$", "MKSTREAM")
    w = open_blocked(server, "XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "q", ">")
    reader = open_blocked(server, "XREAD", "BLOCK", "0", "STREAMS", "q", "$")
    raw.call(*how)
    assert w.read_reply(timeout=2).raw == b"-UNBLOCKED the stream key no longer exists\r\n"
    # A plain XREAD keeps waiting, and an XADD that recreates the key serves it.
    _assert_silent(reader)
    raw.call("DEL", "q")
    raw.call("XADD", "q", "9-9", "f", "v")
    assert reader.read_reply(timeout=2).value == [[b"q", [[b"9-9", [b"f", b"v"]]]]]
    reader.close()
    w.close()


def test_client_unblock_ends_a_blocked_xread_as_a_timeout_or_an_error(server, raw):
    w = server.raw()
    wid = w.call("CLIENT", "ID")
    send_blocking(raw, w, "XREAD", "BLOCK", "0", "STREAMS", "s", "$")
    assert raw.call("CLIENT", "UNBLOCK", str(wid)) == 1
    assert w.read_reply(timeout=2).raw == b"*-1\r\n"
    assert raw.call("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM") == b"OK"
    send_blocking(raw, w, "XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">")
    assert raw.call("CLIENT", "UNBLOCK", str(wid), "ERROR") == 1
    assert w.read_reply(timeout=2).raw == b"-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n"
    w.close()


def test_xadd_inside_multi_wakes_a_blocked_reader_after_exec(server, raw):
    w = open_blocked(server, "XREAD", "BLOCK", "0", "STREAMS", "s", "$")
    raw.call("MULTI")
    raw.call("XADD", "s", "1-1", "a", "1")
    raw.call("XADD", "s", "1-2", "a", "2")
    _assert_silent(w)
    raw.call("EXEC")
    assert _ids_raw(w.read_reply(timeout=2).value[0][1]) == [b"1-1", b"1-2"]
    w.close()


def _ids_raw(entries):
    return [e[0] for e in entries]


def test_xread_block_dollar_is_resolved_when_blocking_not_when_served(server, raw):
    raw.call("XADD", "s", "1-1", "a", "1")
    w = open_blocked(server, "XREAD", "BLOCK", "0", "STREAMS", "s", "$")
    # An XDEL is no new data: the reader stays blocked.
    raw.call("XDEL", "s", "1-1")
    _assert_silent(w)
    raw.call("XADD", "s", "1-2", "a", "2")
    assert _ids_raw(w.read_reply(timeout=2).value[0][1]) == [b"1-2"]
    w.close()


# ---- keyspace events, generic commands ----------------------------------

EVENT_SCRIPT = [
    ["XADD", "s", "1-1", "f", "v"],
    ["XADD", "s", "MAXLEN", "1", "1-2", "f", "v"],
    ["XTRIM", "s", "MAXLEN", "0"],
    ["XADD", "s", "2-1", "f", "v"],
    ["XADD", "s", "2-2", "f", "v"],
    ["XDEL", "s", "2-1", "9-9"],
    ["XSETID", "s", "5-5"],
    ["XGROUP", "CREATE", "s", "g", "0"],
    ["XGROUP", "CREATE", "new", "g", "$", "MKSTREAM"],
    ["XGROUP", "CREATECONSUMER", "s", "g", "c1"],
    ["XREADGROUP", "GROUP", "g", "c2", "STREAMS", "s", ">"],
    ["XCLAIM", "s", "g", "c3", "0", "2-2"],
    ["XAUTOCLAIM", "s", "g", "c4", "0", "0"],
    ["XGROUP", "SETID", "s", "g", "0"],
    ["XGROUP", "DELCONSUMER", "s", "g", "c1"],
    ["XACK", "s", "g", "2-2"],
    ["XGROUP", "DESTROY", "s", "g"],
    ["DEL", "s"],
]


def _events(s):
    conn = s.raw()
    conn.call("FLUSHALL")
    conn.call("CONFIG", "SET", "notify-keyspace-events", "KEA")
    sub = s.raw()
    sub.call("PSUBSCRIBE", "__key*__:*")
    for cmd in EVENT_SCRIPT:
        conn.call(*cmd)
    conn.call("PUBLISH", "done", "x")
    seen = []
    while True:
        try:
            msg = sub.read_reply(timeout=1).value
        except ReplyTimeout:
            break
        seen.append((msg[2], msg[3]))
    conn.call("CONFIG", "SET", "notify-keyspace-events", "")
    sub.close()
    conn.close()
    return seen


def test_stream_commands_publish_the_same_keyspace_events_as_redis(server, ref_server):
    assert _events(server) == _events(ref_server)


def test_type_encoding_scan_copy_rename_move_and_digest_treat_streams_as_values(server,
                                                                                ref_server):
    outputs = []
    for s in (server, ref_server):
        c = s.client()
        c.flushall()
        c.xadd("s", {"a": 1, "b": "x"}, id="1-1")
        c.xadd("s", {"a": 2}, id="1-2")
        c.xgroup_create("s", "g", id="0")
        c.xreadgroup("g", "c", {"s": ">"}, count=1)
        out = [c.type("s"), c.object("encoding", "s"), sorted(c.scan_iter(_type="stream")),
               c.copy("s", "s2"),
               # Digests are our own (XXH3), so only equality is compared.
               len(set(c.execute_command("DEBUG", "DIGEST-VALUE", "s", "s2"))),
               c.xinfo_groups("s2"), c.rename("s2", "s3"), c.move("s3", 1), c.exists("s3")]
        c.execute_command("SELECT", 1)
        out.append(c.xrange("s3"))
        out.append(c.xpending("s3", "g")["pending"])
        c.flushall()
        c.close()
        outputs.append(out)
    assert outputs[0] == outputs[1]


def test_memory_usage_of_a_stream_grows_with_its_entries_and_stays_below_redis(server,
                                                                              ref_server):
    usage = []
    for s in (server, ref_server):
        c = s.client()
        c.flushall()
        pipe = c.pipeline(transaction=False)
        for j in range(20000):
            pipe.xadd("s", {"sensor": j % 17, "value": f"v{j}"}, id=f"{1000 + j // 3}-{j % 3}")
        pipe.execute()
        usage.append(c.memory_usage("s", samples=0))
        c.flushall()
        c.close()
    ours, theirs = usage
    assert 20000 * 4 < ours < theirs


# ---- randomized runs against Redis --------------------------------------


def _random_script(rng, n):
    script = []
    ms = 1
    for _ in range(n):
        r = rng.random()
        if r < 0.55:
            ms += rng.choice([0, 0, 0, 1, 1, 7, 300, 70000])
            fields = rng.choice([["f", str(rng.randint(0, 300))],
                                 ["f", "x" * rng.randint(0, 90)],
                                 ["f", "1", "g", "2"],
                                 ["g", "v", "f", "w"]])
            ident = rng.choice([f"{ms}-*", f"{ms}"])
            cmd = ["XADD", "s"]
            if rng.random() < 0.1:
                cmd += ["MAXLEN", rng.choice(["~", "="]), str(rng.randint(0, 60))]
            script.append(cmd + [ident] + fields)
        elif r < 0.7:
            script.append(["XDEL", "s"] + [f"{rng.randint(1, ms)}-{rng.randint(0, 3)}"
                                           for _ in range(rng.randint(1, 4))])
        elif r < 0.75:
            how = rng.choice([["MAXLEN", str(rng.randint(0, 80))],
                              ["MAXLEN", "~", str(rng.randint(0, 80))],
                              ["MINID", f"{rng.randint(1, ms)}-0"],
                              ["MINID", "~", f"{rng.randint(1, ms)}"]])
            script.append(["XTRIM", "s"] + how)
        elif r < 0.85:
            a, b = sorted([rng.randint(0, ms + 1), rng.randint(0, ms + 1)])
            cmd = rng.choice(["XRANGE", "XREVRANGE"])
            lo, hi = (str(a), str(b)) if cmd == "XRANGE" else (str(b), str(a))
            script.append([cmd, "s", lo, hi, "COUNT", str(rng.randint(1, 30))])
        elif r < 0.9:
            script.append(["XINFO", "STREAM", "s"])
        elif r < 0.95:
            script.append(["XREADGROUP", "GROUP", "g", rng.choice(["a", "b"]), "COUNT",
                           str(rng.randint(1, 5)), "STREAMS", "s", ">"])
        else:
            script.append(["XINFO", "GROUPS", "s"])
    return script


@pytest.mark.parametrize("entries,bytes_", [("100", "4096"), ("5", "4096"), ("0", "120"),
                                            ("16", "300")])
def test_random_stream_scripts_get_the_same_replies_as_redis(server, ref_server, entries, bytes_):
    rng = random.Random(SEED + int(entries) * 7 + int(bytes_))
    script = _random_script(rng, 1500)
    replies = []
    for s in (server, ref_server):
        conn = s.raw()
        conn.call("FLUSHALL")
        conn.call("CONFIG", "SET", "stream-node-max-entries", entries)
        conn.call("CONFIG", "SET", "stream-node-max-bytes", bytes_)
        conn.call("XGROUP", "CREATE", "s", "g", "0", "MKSTREAM")
        out = [_call(conn, cmd) for cmd in script]
        out.append(_call(conn, ["XRANGE", "s", "-", "+"]))
        out.append(_call(conn, ["XREVRANGE", "s", "+", "-"]))
        conn.call("CONFIG", "SET", "stream-node-max-entries", "100")
        conn.call("CONFIG", "SET", "stream-node-max-bytes", "4096")
        conn.close()
        replies.append(out)
    for j, (ours, theirs) in enumerate(zip(*replies)):
        cmd = script[j] if j < len(script) else ["final range"]
        assert ours == theirs, f"seed {SEED}: step {j} {cmd}: tern {ours!r} redis {theirs!r}"


def _call(conn, cmd):
    conn.send_command(*cmd)
    return conn.read_reply(timeout=5).raw
