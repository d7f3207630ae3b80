"""HyperLogLog: PFADD/PFCOUNT/PFMERGE counting unique visitors, the sketch
as a string shared with Redis (bytes written by one are read by the other),
the sparse -> dense switch at hll-sparse-max-bytes, the cached estimate,
keyspace events and WATCH, and random command streams plus large inputs
compared with Redis byte for byte.

Set HLL_DIFF_ELEMENTS (default 300000) to run the large-input comparison
on millions of elements, e.g. HLL_DIFF_ELEMENTS=5000000.  Byte-for-byte
replies for ordinary, corrupt and error cases are in tests/diff/cases/hll_*.txt.
"""

import os
import random
import time

import pytest

from support.resp import ReplyTimeout

SEED = int(os.environ.get("HLL_TEST_SEED", time.time_ns() % 1_000_000_007))
DIFF_ELEMENTS = int(os.environ.get("HLL_DIFF_ELEMENTS", "300000"))


def _pfadd_many(conn, key, elements, batch=1000):
    for i in range(0, len(elements), batch):
        conn.send_command("PFADD", key, *elements[i:i + batch])
    for i in range(0, len(elements), batch):
        conn.read_reply()


# ---- the classic use ----

def test_unique_visitors_are_counted_within_the_standard_error(client):
    pipe = client.pipeline(transaction=False)
    for day in range(3):
        for user in range(day * 5000, day * 5000 + 20000):
            pipe.pfadd(f"visitors:{day}", f"user:{user}")
    pipe.execute()
    for day in range(3):
        assert abs(client.pfcount(f"visitors:{day}") - 20000) < 20000 * 0.0081 * 3
    union = client.pfcount("visitors:0", "visitors:1", "visitors:2")
    assert abs(union - 30000) < 30000 * 0.0081 * 3
    assert client.pfmerge("week", "visitors:0", "visitors:1", "visitors:2")
    assert client.pfcount("week") == union


def test_pfadd_answers_whether_the_estimate_may_have_changed(client):
    assert client.pfadd("h") == 1  # created
    assert client.pfadd("h") == 0
    assert client.pfadd("h", "a", "b") == 1
    assert client.pfadd("h", "a", "b") == 0
    assert client.pfcount("h") == 2
    assert client.pfcount("missing") == 0
    assert client.exists("missing") == 0


def test_a_sketch_is_a_string_that_moves_between_tern_and_redis(server, ref_server):
    with server.raw() as t, ref_server.raw() as r:
        for conn in (t, r):
            conn.call("FLUSHALL")
        elements = [f"e{j}" for j in range(5000)]
        _pfadd_many(r, "from-redis", elements[:100])
        _pfadd_many(r, "from-redis-dense", elements)
        _pfadd_many(t, "from-tern", elements[:100])
        _pfadd_many(t, "from-tern-dense", elements)
        for key in ("from-redis", "from-redis-dense"):
            value = r.call("GET", key)
            t.call("SET", key, value)
            assert t.call("PFCOUNT", key) == r.call("PFCOUNT", key)
            assert t.call("GET", key) == r.call("GET", key)
        for key in ("from-tern", "from-tern-dense"):
            value = t.call("GET", key)
            r.call("SET", key, value)
            assert r.call("PFCOUNT", key) == t.call("PFCOUNT", key)
        assert t.call("TYPE", "from-tern") == b"string"


# ---- encodings ----

def _encoding(client, key):
    return client.execute_command("PFDEBUG", "ENCODING", key)


def test_a_new_sketch_is_sparse_and_turns_dense_past_the_sparse_limit(client):
    client.pfadd("h", "a")
    assert _encoding(client, "h") == "sparse"
    assert client.strlen("h") == 21  # Z:12711 v:2,1 Z:3672
    j = 0
    while _encoding(client, "h") == "sparse":
        assert client.strlen("h") <= 3000
        client.pfadd("h", f"x{j}")
        j += 1
    assert client.strlen("h") == 12304
    assert j > 500
    # And never back.
    client.pfadd("h", "more")
    assert _encoding(client, "h") == "dense"


def test_the_sparse_limit_is_inclusive_at_n_and_exceeded_at_n_plus_one(client, server):
    # Grow a sketch, remember its size, then replay the same elements with
    # the limit at exactly that size (stays sparse) and one byte below it
    # (the last growing update turns it dense).
    elements = [f"k{j}" for j in range(60)]
    client.pfadd("probe", *elements)
    size = client.strlen("probe")
    assert _encoding(client, "probe") == "sparse"
    try:
        client.config_set("hll-sparse-max-bytes", size)
        client.pfadd("at-n", *elements)
        assert _encoding(client, "at-n") == "sparse"
        b = server.client(decode_responses=False)
        assert b.get("at-n") == b.get("probe")
        client.config_set("hll-sparse-max-bytes", size - 1)
        client.pfadd("below-n", *elements)
        assert _encoding(client, "below-n") == "dense"
        assert client.pfcount("below-n") == client.pfcount("probe")
    finally:
        client.config_set("hll-sparse-max-bytes", 3000)


def test_a_register_above_32_turns_the_sketch_dense_whatever_its_size(client):
    # Sparse VAL opcodes hold 1..32.  This element (found by search: one
    # in 2^32 has a run this long) sets register 6324 to 36.
    client.pfadd("h", "a")
    assert _encoding(client, "h") == "sparse"
    assert client.pfadd("h", "run847908585") == 1
    assert _encoding(client, "h") == "dense"
    assert client.strlen("h") == 12304
    regs = client.execute_command("PFDEBUG", "GETREG", "h")
    assert regs[6324] == 36 and regs[12711] == 2
    assert client.pfcount("h") == 2


def test_pfmerge_of_sparse_sketches_stays_sparse_and_of_a_dense_one_is_dense(client):
    client.pfadd("s1", "a", "b")
    client.pfadd("s2", "c")
    client.pfmerge("m", "s1", "s2")
    assert _encoding(client, "m") == "sparse"
    client.pfadd("d", "x")
    client.execute_command("PFDEBUG", "TODENSE", "d")
    client.pfmerge("m2", "s1", "d")
    assert _encoding(client, "m2") == "dense"
    assert client.pfcount("m2") == 3


def test_an_embedded_sketch_becomes_raw_when_counted(client, ref_server):
    with ref_server.raw() as r:
        r.call("FLUSHALL")
        r.call("PFADD", "x", "a", "b")
        value = r.call("GET", "x")
    client.execute_command("SET", "x", value)
    assert client.object("encoding", "x") == "embstr"
    assert client.pfcount("x") == 2
    assert client.object("encoding", "x") == "raw"


# ---- the cache ----

def test_pfcount_caches_its_estimate_in_the_header_until_the_next_change(client, server):
    r = server.client(decode_responses=False)
    client.pfadd("h", "a", "b", "c")
    assert r.get("h")[15] & 0x80  # stale after a change
    assert client.pfcount("h") == 3
    value = r.get("h")
    assert value[8] == 3 and not value[15] & 0x80
    client.pfadd("h", "a")  # no register changed: cache still valid
    assert not r.get("h")[15] & 0x80
    client.pfadd("h", "d")
    assert r.get("h")[15] & 0x80


# ---- events and WATCH ----

def _drain(sub):
    out = []
    while True:
        try:
            msg = sub.read_reply(timeout=0.2).value
        except ReplyTimeout:
            return out
        out.append((msg[2].split(b":", 1)[1].decode(), msg[3].decode()))


def test_pfadd_and_pfmerge_publish_pfadd_only_when_something_changed(server_factory):
    s = server_factory("--notify-keyspace-events", "KEA")
    sub = s.raw()
    assert sub.call("PSUBSCRIBE", "__keyevent@0__:*")[0] == b"psubscribe"
    with s.raw() as c:
        c.call("PFADD", "h", "a")
        c.call("PFADD", "h", "a")  # unchanged: no event
        c.call("PFADD", "h")  # unchanged
        c.call("PFCOUNT", "h")  # caches, but publishes nothing
        c.call("PFMERGE", "m", "h")
        c.call("PFMERGE", "m", "h")  # PFMERGE always writes
        c.call("PFADD", "new")
    assert _drain(sub) == [("pfadd", "h"), ("pfadd", "m"), ("pfadd", "m"), ("pfadd", "new")]
    sub.close()


def test_watch_sees_pfadd_changes_and_a_pfcount_that_refreshes_the_cache(server):
    with server.raw() as a, server.raw() as b:
        a.call("FLUSHALL")
        a.call("PFADD", "h", "a")
        a.call("WATCH", "h")
        b.call("PFADD", "h", "a")  # no change
        a.call("MULTI")
        a.call("PFCOUNT", "h")
        assert a.call("EXEC") == [1]
        # The cache is valid now: counting again changes nothing.
        a.call("WATCH", "h")
        b.call("PFCOUNT", "h")
        a.call("MULTI")
        a.call("PING")
        assert a.call("EXEC") == [b"PONG"]
        # A stale cache is rewritten by PFCOUNT: Redis signals that as a
        # change of the key.
        b.call("PFADD", "h", "b")
        a.call("WATCH", "h")
        b.call("PFCOUNT", "h")
        a.call("MULTI")
        a.call("PING")
        assert a.call("EXEC") is None


# ---- against Redis ----

def _random_command(rnd, universe):
    k = rnd.choice(["h1", "h2", "h3", "h4"])
    r = rnd.random()
    if r < 0.5:
        n = rnd.choice([0, 1, 2, 5, 20, 100])
        return ["PFADD", k] + [rnd.choice(universe) for _ in range(n)]
    if r < 0.7:
        return ["PFCOUNT", k]
    if r < 0.8:
        return ["PFCOUNT"] + rnd.sample(["h1", "h2", "h3", "h4", "none"], rnd.randint(2, 4))
    if r < 0.9:
        return ["PFMERGE", k] + rnd.sample(["h1", "h2", "h3", "h4", "none"], rnd.randint(0, 3))
    if r < 0.95:
        return ["PFDEBUG", rnd.choice(["ENCODING", "DECODE"]), k]
    return ["GET", k]


def test_random_hll_commands_get_byte_identical_replies_from_tern_and_redis(server, ref_server):
    rnd = random.Random(SEED)
    universe = [str(rnd.randrange(10 ** 9)) for _ in range(20000)]
    limit = rnd.choice([100, 500, 3000])
    with server.raw() as t, ref_server.raw() as r:
        for conn in (t, r):
            assert conn.call("FLUSHALL") == b"OK"
            conn.call("CONFIG", "SET", "hll-sparse-max-bytes", limit)
        try:
            for step in range(2000):
                cmd = _random_command(rnd, universe)
                t.send_command(*cmd)
                r.send_command(*cmd)
                ours, theirs = t.read_reply().raw, r.read_reply().raw
                assert ours == theirs, f"seed {SEED}, step {step}: {cmd[:6]}"
            for key in ("h1", "h2", "h3", "h4"):
                assert t.call("GET", key) == r.call("GET", key), f"seed {SEED}: {key}"
        finally:
            for conn in (t, r):
                conn.call("CONFIG", "SET", "hll-sparse-max-bytes", "3000")


def test_pfcount_of_many_random_elements_matches_redis_exactly(server, ref_server):
    rnd = random.Random(SEED)
    with server.raw() as t, ref_server.raw() as r:
        for conn in (t, r):
            assert conn.call("FLUSHALL") == b"OK"
        added = 0
        checkpoint = 1000
        keys = [f"big{j}" for j in range(4)]
        while added < DIFF_ELEMENTS:
            n = min(checkpoint - added, DIFF_ELEMENTS - added)
            elements = [rnd.randbytes(rnd.randint(1, 24)) for _ in range(n)]
            key = keys[(checkpoint // 1000) % len(keys)]
            for conn in (t, r):
                _pfadd_many(conn, key, elements)
            added += n
            for key in keys:
                assert t.call("PFCOUNT", key) == r.call("PFCOUNT", key), f"seed {SEED}, {added}"
            assert t.call("PFCOUNT", *keys) == r.call("PFCOUNT", *keys), f"seed {SEED}, {added}"
            checkpoint *= 3
        for key in keys:
            assert t.call("GET", key) == r.call("GET", key), f"seed {SEED}: {key}"
        for conn in (t, r):
            conn.call("PFMERGE", "all", *keys)
        assert t.call("GET", "all") == r.call("GET", "all")
