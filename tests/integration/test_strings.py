"""String and counter commands: SET family, GET family, APPEND/SETRANGE/
GETRANGE, the counters, LCS, their encodings and their limits.

Byte-for-byte replies for the ordinary and error cases are covered by
tests/diff/cases/strings_*.txt; these tests cover what a script cannot:
TTLs, concurrency, encodings, size limits, wrong types and introspection.
Checks that need a command another family provides (PTTL, OBJECT, a list
type, keyspace notifications) skip until it exists.
"""

import random
import re
import threading
import time

import pytest
import redis

STRING_COMMANDS = [
    "append", "decr", "decrby", "get", "getdel", "getex", "getrange", "getset", "incr",
    "incrby", "incrbyfloat", "lcs", "mget", "mset", "msetnx", "psetex", "set", "setex",
    "setnx", "setrange", "strlen", "substr",
]


def _unknown(e):
    return "unknown command" in str(e)


def _pttl(client, key):
    try:
        return client.pttl(key)
    except redis.ResponseError as e:
        if _unknown(e):
            pytest.skip("PTTL is not implemented yet")
        raise


def _encoding(client, key):
    try:
        return client.object("encoding", key)
    except redis.ResponseError as e:
        if _unknown(e) or "unknown subcommand" in str(e):
            pytest.skip("OBJECT ENCODING is not implemented yet")
        raise


def _make_non_string(client, key):
    """Store a value of another type under `key`, or skip if no such type exists yet."""
    for cmd in (("RPUSH", key, "x"), ("HSET", key, "f", "v"), ("SADD", key, "m"),
                ("ZADD", key, "1", "m")):
        try:
            client.execute_command(*cmd)
            return
        except redis.ResponseError as e:
            if not _unknown(e):
                raise
    pytest.skip("no non-string type is implemented yet")


# ---- the classic examples ----

def test_set_with_ex_60_gives_a_ttl_that_counts_down_from_60_seconds(client):
    assert client.execute_command("SET", "session:42", "alice", "EX", "60") is True
    first = _pttl(client, "session:42")
    assert 59_000 < first <= 60_000
    time.sleep(0.05)
    later = _pttl(client, "session:42")
    assert later < first
    assert client.get("session:42") == "alice"


def test_get_of_a_missing_key_is_nil(client):
    assert client.get("nope") is None


def test_incr_of_a_missing_key_gives_1(client):
    assert client.incr("fresh") == 1


def test_fifty_concurrent_clients_doing_a_thousand_incr_each_end_at_exactly_50000(server, client):
    clients, per_client, batch = 50, 1000, 100
    errors = []
    start = threading.Barrier(clients)

    def worker():
        try:
            with server.raw(timeout=10) as conn:
                start.wait()
                for _ in range(per_client // batch):
                    conn.send(b"*2\r\n$4\r\nINCR\r\n$7\r\ncounter\r\n" * batch)
                    for _ in range(batch):
                        reply = conn.read_reply().raw
                        if not reply.startswith(b":"):
                            errors.append(reply)
        except Exception as e:  # reported below, not lost in the thread
            errors.append(repr(e))

    t0 = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert client.get("counter") == "50000"
    assert time.monotonic() - t0 < 5


def test_the_ttl_of_set_px_runs_out_and_the_key_disappears(client):
    assert client.set("short", "v", px=40) is True
    assert client.get("short") == "v"
    time.sleep(0.1)
    assert client.get("short") is None


# ---- TTL handling (needs PTTL) ----

def test_keepttl_keeps_the_ttl_and_a_plain_set_removes_it(client):
    client.set("k", "v", ex=100)
    client.set("k", "v2", keepttl=True)
    assert 99_000 < _pttl(client, "k") <= 100_000
    client.set("k", "v3")
    assert _pttl(client, "k") == -1


def test_exat_and_pxat_set_absolute_expire_times(client):
    now = int(time.time())
    client.execute_command("SET", "a", "v", "EXAT", now + 100)
    assert 98_000 < _pttl(client, "a") <= 100_000
    client.execute_command("SET", "b", "v", "PXAT", now * 1000 + 50_000)
    assert 48_000 < _pttl(client, "b") <= 50_000


def test_setex_and_psetex_set_the_ttl_in_seconds_and_milliseconds(client):
    client.setex("s", 100, "v")
    assert 99_000 < _pttl(client, "s") <= 100_000
    client.psetex("p", 5000, "v")
    assert 4_000 < _pttl(client, "p") <= 5_000


def test_getex_sets_changes_and_persists_the_ttl(client):
    client.set("k", "v")
    assert client.getex("k", ex=100) == "v"
    assert 99_000 < _pttl(client, "k") <= 100_000
    assert client.getex("k", px=5000) == "v"
    assert 4_000 < _pttl(client, "k") <= 5_000
    assert client.getex("k", persist=True) == "v"
    assert _pttl(client, "k") == -1
    assert client.getex("k") == "v"
    assert _pttl(client, "k") == -1


def test_getset_incr_append_setrange_and_incrbyfloat_treat_the_ttl_as_redis_does(client):
    for cmd in (("INCR",), ("APPEND", "x"), ("SETRANGE", 0, "9"), ("INCRBYFLOAT", "1.5")):
        client.set("k", "1", ex=100)
        client.execute_command(cmd[0], "k", *cmd[1:])
        assert _pttl(client, "k") > 99_000, cmd
    client.set("k", "1", ex=100)
    client.getset("k", "2")
    assert _pttl(client, "k") == -1


# ---- encodings (needs OBJECT ENCODING) ----

@pytest.mark.parametrize("value, encoding", [
    ("12345", "int"), ("-9223372036854775808", "int"), ("9223372036854775807", "int"),
    ("9223372036854775808", "embstr"), ("012", "embstr"), ("-0", "embstr"), ("1.5", "embstr"),
    ("", "embstr"), ("a" * 44, "embstr"), ("a" * 45, "raw"),
])
def test_set_picks_int_embstr_or_raw_like_redis(client, value, encoding):
    client.set("k", value)
    assert _encoding(client, "k") == encoding


def test_each_writer_leaves_the_encoding_redis_leaves(client):
    cases = [
        (("APPEND", "new", "123"), "new", "int"),
        (("APPEND", "new2", "abc"), "new2", "embstr"),
        (("APPEND", "new3", "a" * 45), "new3", "raw"),
        (("INCR", "c"), "c", "int"),
        (("INCRBYFLOAT", "f", "3"), "f", "embstr"),
        (("INCRBYFLOAT", "f2", "1" * 50), "f2", "raw"),
        (("SETRANGE", "sr", "0", "1"), "sr", "raw"),
        (("MSET", "m", "42"), "m", "int"),
        (("GETSET", "gs", "x"), "gs", "embstr"),
        (("SETNX", "nx", "7"), "nx", "int"),
        (("SETEX", "se", "100", "7"), "se", "int"),
    ]
    for cmd, key, encoding in cases:
        client.execute_command(*cmd)
        assert _encoding(client, key) == encoding, cmd
    client.set("e", "hello")
    client.append("e", "")
    assert _encoding(client, "e") == "raw"
    client.set("i", "10")
    client.setrange("i", 0, "")
    assert _encoding(client, "i") == "int"
    client.setrange("i", 0, "2")
    assert _encoding(client, "i") == "raw"
    client.incr("i")
    assert _encoding(client, "i") == "int"
    client.set("g", "5")
    client.getex("g", ex=100)
    assert _encoding(client, "g") == "int"
    client.set("g2", "hello")
    client.getex("g2", ex=100)
    assert _encoding(client, "g2") == "embstr"


# ---- wrong types (needs a non-string type) ----

def test_string_commands_on_another_type_reply_wrongtype(client):
    _make_non_string(client, "other")
    wrongtype = "WRONGTYPE Operation against a key holding the wrong kind of value"
    for cmd in [("GET",), ("GETSET", "v"), ("GETEX",), ("GETEX", "EX", "-1"), ("GETDEL",),
                ("APPEND", "x"), ("STRLEN",), ("GETRANGE", 0, 1), ("SUBSTR", 0, 1),
                ("SETRANGE", 0, "x"), ("SETRANGE", 0, ""), ("INCR",), ("DECR",),
                ("INCRBY", 1), ("DECRBY", 1), ("INCRBYFLOAT", 1), ("SET", "v", "GET"),
                ("SET", "v", "NX", "GET"), ("SET", "v", "XX", "GET")]:
        with pytest.raises(redis.ResponseError) as e:
            client.execute_command(cmd[0], "other", *cmd[1:])
        assert str(e.value) == wrongtype, cmd
    with pytest.raises(redis.ResponseError, match="^The specified keys must contain string values$"):
        client.execute_command("LCS", "other", "missing")
    assert client.mget("other", "missing") == [None, None]
    assert client.setnx("other", "v") is False
    assert client.msetnx({"fresh": "1", "other": "2"}) is False
    # Errors that come before the type check keep their own text.
    with pytest.raises(redis.ResponseError, match="^offset is out of range$"):
        client.setrange("other", -1, "x")
    with pytest.raises(redis.ResponseError, match="^value is not an integer or out of range$"):
        client.execute_command("GETRANGE", "other", "x", "1")
    with pytest.raises(redis.ResponseError, match="^syntax error$"):
        client.execute_command("GETEX", "other", "BAD")
    with pytest.raises(redis.ResponseError, match="^invalid expire time in 'set' command$"):
        client.execute_command("SET", "other", "v", "EX", "0", "GET")
    # A plain SET replaces a value of any type.
    assert client.set("other", "s") is True
    assert client.get("other") == "s"


# ---- size limits ----

def test_setrange_and_append_refuse_to_grow_past_proto_max_bulk_len(server_factory):
    srv = server_factory("--proto-max-bulk-len", "1mb")
    c = srv.client()
    limit = 1024 * 1024
    too_long = re.escape("string exceeds maximum allowed size (proto-max-bulk-len)")
    assert c.setrange("k", limit - 1, "x") == limit
    with pytest.raises(redis.ResponseError, match=f"^{too_long}"):
        c.setrange("k", limit, "x")
    with pytest.raises(redis.ResponseError, match=f"^{too_long}"):
        c.append("k", "y")
    with pytest.raises(redis.ResponseError, match=f"^{too_long}"):
        c.setrange("new", limit - 1, "xy")
    with pytest.raises(redis.ResponseError, match=f"^{too_long}"):
        c.setrange("new", 2**63 - 1, "x")
    assert c.get("new") is None
    assert c.strlen("k") == limit
    assert c.setrange("k", 2**62, "") == limit  # writing nothing never checks the size


def test_lcs_refuses_a_table_larger_than_proto_max_bulk_len(server_factory):
    srv = server_factory("--proto-max-bulk-len", "1mb")
    c = srv.client()
    c.mset({"a": "a" * 600, "b": "a" * 600})
    with pytest.raises(redis.ResponseError, match=re.escape(
            "Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len")):
        c.execute_command("LCS", "a", "b", "LEN")
    c.set("b", "a" * 400)
    assert c.execute_command("LCS", "a", "b", "LEN") == 400


def test_a_huge_setrange_offset_allocates_and_zero_fills_on_demand(client):
    assert client.setrange("k", 10 * 1024 * 1024, "end") == 10 * 1024 * 1024 + 3
    assert client.getrange("k", 0, 15) == "\x00" * 16
    assert client.getrange("k", -3, -1) == "end"
    assert client.strlen("k") == 10 * 1024 * 1024 + 3


# ---- binary safety and growth ----

def test_every_byte_value_survives_append_setrange_getrange_and_lcs(server, client):
    b = server.client(decode_responses=False)
    data = bytes(range(256))
    assert b.append(b"bin", data[:100]) == 100
    assert b.append(b"bin", data[100:]) == 256
    assert b.get(b"bin") == data
    assert b.setrange(b"bin", 256, data) == 512
    assert b.getrange(b"bin", 0, -1) == data * 2
    assert b.getrange(b"bin", 250, 260) == data[250:] + data[:5]
    b.set(b"other", data[::-1])
    assert b.execute_command("LCS", b"bin", b"other", b"LEN") == 2
    assert b.execute_command("LCS", b"bin", b"bin", b"LEN") == 512


def test_many_small_appends_build_the_exact_string(client):
    pipe = client.pipeline(transaction=False)
    for j in range(2000):
        pipe.append("log", f"{j},")
    lengths = pipe.execute()
    expected = "".join(f"{j}," for j in range(2000))
    assert lengths[-1] == len(expected)
    assert client.get("log") == expected


def test_incrbyfloat_sums_like_long_double_arithmetic(client):
    for _ in range(10):
        client.incrbyfloat("f", "0.1")
    assert client.get("f") == "1"
    assert client.incrbyfloat("f", "-1") == 0.0
    assert client.get("f") == "0"


def test_lcs_idx_in_resp3_is_a_map(server):
    with server.raw() as conn:
        conn.call("HELLO", "3")
        conn.call("MSET", "a", "ohmytext", "b", "mynewtext")
        conn.send_command("LCS", "a", "b", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN")
        assert conn.read_reply().raw == (
            b"%2\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n"
            b"$3\r\nlen\r\n:6\r\n")


def test_random_lcs_getrange_setrange_append_and_counters_agree_with_redis(server, ref_server):
    seed = random.randrange(1 << 30)
    print(f"seed {seed}")
    rnd = random.Random(seed)
    sides = [server.client(decode_responses=False), ref_server.client(decode_responses=False)]
    for c in sides:
        c.flushall()

    def both(*cmd):
        out = []
        for c in sides:
            try:
                out.append(c.execute_command(*cmd))
            except redis.ResponseError as e:
                out.append(f"error: {e}")
        assert out[0] == out[1], (seed, cmd)

    def word():
        return "".join(rnd.choice("ab\x00c") for _ in range(rnd.randrange(0, 12)))

    for _ in range(200):
        s1, s2 = word(), word()
        both("MSET", "x", s1, "y", s2)
        opts = rnd.choice([[], ["IDX"], ["LEN"]])
        if rnd.random() < 0.5:
            opts += ["MINMATCHLEN", rnd.randrange(-1, 4)]
        if rnd.random() < 0.5:
            opts += ["WITHMATCHLEN"]
        both("LCS", "x", "y", *opts)
        both("GETRANGE", "x", rnd.randrange(-15, 15), rnd.randrange(-15, 15))
        both("SETRANGE", "y", rnd.randrange(0, 15), s1)
        both("APPEND", "x", s2)
        both("MGET", "x", "y")
        both("INCRBYFLOAT", "f", rnd.choice(["1", "-2.5", "0.1", "1e10", "3.33333", "1e-5"]))
        both("INCRBY", "n", rnd.randrange(-10**18, 10**18))


# ---- keyspace notifications (need pub/sub) ----

def test_each_command_emits_the_keyspace_events_redis_emits(server, client):
    try:
        client.config_set("notify-keyspace-events", "KEA")
    except redis.ResponseError as e:
        pytest.skip(f"keyspace notifications are not available yet: {e}")
    sub = server.client().pubsub()
    try:
        sub.psubscribe("__keyevent@0__:*")
        assert sub.get_message(timeout=2)["type"] == "psubscribe"

        def events(*cmd):
            # A SET of a marker key after the command ends its events.
            client.execute_command(*cmd)
            client.set("end-marker", "1")
            got = []
            while (m := sub.get_message(timeout=2)) is not None and m["data"] != "end-marker":
                got.append(m["channel"].split(":", 1)[1])
            return got

        assert events("SET", "k", "v") == ["set"]
        assert events("SET", "k", "v", "EX", "100") == ["set", "expire"]
        assert events("SET", "k", "v", "KEEPTTL") == ["set"]
        assert events("SET", "k", "v", "NX") == []
        assert events("SETEX", "k", "100", "v") == ["set", "expire"]
        assert events("PSETEX", "k", "100000", "v") == ["set", "expire"]
        assert events("SETNX", "n", "v") == ["set"]
        assert events("GETSET", "k", "v") == ["set"]
        assert events("MSET", "a", "1", "b", "2") == ["set", "set"]
        assert events("MSETNX", "a", "1", "c", "2") == []
        assert events("APPEND", "k", "x") == ["append"]
        assert events("SETRANGE", "k", "0", "y") == ["setrange"]
        assert events("SETRANGE", "k", "0", "") == []
        assert events("INCR", "i") == ["incrby"]
        assert events("DECR", "i") == ["incrby"]
        assert events("INCRBY", "i", "5") == ["incrby"]
        assert events("DECRBY", "i", "5") == ["incrby"]
        assert events("INCRBYFLOAT", "i", "1.5") == ["incrbyfloat"]
        assert events("GETEX", "k", "EX", "100") == ["expire"]
        assert events("GETEX", "k", "PERSIST") == ["persist"]
        assert events("GETEX", "k", "PERSIST") == []
        assert events("GETEX", "k", "PXAT", "1") == ["del"]
        assert events("GETDEL", "a") == ["del"]
        assert events("GETDEL", "a") == []
        assert events("GET", "b") == []
    finally:
        sub.close()
        client.config_set("notify-keyspace-events", "")


# ---- introspection ----

def test_command_info_of_every_string_command_matches_redis(server, ref_server):
    tern, ref = server.raw(), ref_server.raw()
    for name in STRING_COMMANDS:
        ours = tern.call("COMMAND", "INFO", name)[0]
        theirs = ref.call("COMMAND", "INFO", name)[0]
        # name, arity, flags, first key, last key, step, ACL categories
        assert ours[:7] == theirs[:7], name
    tern.close()
    ref.close()


def test_command_docs_of_every_string_command_match_redis(server, ref_server):
    tern, ref = server.raw(), ref_server.raw()
    fields = ("summary", "since", "group", "complexity")
    for name in STRING_COMMANDS:
        ours = _docs(tern, name)
        theirs = _docs(ref, name)
        for f in fields:
            assert ours[f] == theirs[f], (name, f)
    tern.close()
    ref.close()


def _docs(conn, name):
    reply = conn.call("COMMAND", "DOCS", name)
    assert reply[0] == name.encode()
    flat = reply[1]
    return {flat[j].decode(): flat[j + 1] for j in range(0, len(flat), 2)}
