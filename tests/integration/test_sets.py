"""Set commands against the real binary: replies, the intset and hashtable
encodings and the conversion at set-max-intset-entries (N stays intset,
N+1 converts), CONFIG SET of the threshold, the STORE forms, and what only
big (hashtable) sets show: SSCAN cursors, SPOP/SRANDMEMBER sampling,
order-free algebra.

Tests that read OBJECT ENCODING or change CONFIG skip themselves on a build
that lacks those commands; byte-exact replies of the small cases live in
tests/diff/cases/set_*.txt.
"""

import pytest
import redis


def _skip_unless(call, what):
    try:
        call()
    except redis.ResponseError as e:
        if "unknown command" in str(e) or "unknown subcommand" in str(e):
            pytest.skip(f"{what} is not available in this build")


@pytest.fixture
def encoding(client):
    _skip_unless(lambda: client.object("encoding", "no-such-key"), "OBJECT ENCODING")
    return lambda key: client.object("encoding", key)


@pytest.fixture
def config(client):
    """CONFIG SET helper; restores set-max-intset-entries after the test."""
    _skip_unless(lambda: client.config_get("set-max-intset-entries"), "CONFIG")
    yield lambda name, value: client.config_set(name, value)
    client.config_set("set-max-intset-entries", 512)


def absent(client, key):
    """True when 'key' does not exist (SET NX only succeeds then)."""
    ok = client.set(key, "probe", nx=True) is True
    if ok:
        client.delete(key)
    return ok


# ---- basics --------------------------------------------------------------


def test_sadd_counts_new_members_and_smembers_lists_them(client):
    assert client.sadd("s", "a", "b", "a") == 2
    assert client.sadd("s", "b", "c") == 1
    assert client.smembers("s") == {"a", "b", "c"}
    assert client.scard("s") == 3
    assert client.sismember("s", "a") and not client.sismember("s", "z")
    assert client.smismember("s", ["a", "z", "c"]) == [1, 0, 1]


def test_integer_members_come_back_in_ascending_order(server, client):
    values = [9223372036854775807, -9223372036854775808, 0, -1, 127, 128, -129, 32767,
              -32769, 2147483648, -2147483649, 5]
    client.sadd("s", *values)
    with server.raw() as conn:
        assert conn.call("SMEMBERS", "s") == [str(v).encode() for v in sorted(values)]


def test_a_set_whose_last_member_is_removed_no_longer_exists(client):
    client.sadd("ints", 1, 2)
    client.sadd("strs", "a")
    assert client.srem("ints", 1, 2, 3) == 2
    assert client.srem("strs", "a") == 1
    assert absent(client, "ints") and absent(client, "strs")


def test_every_set_command_replies_wrongtype_on_a_string(client):
    client.set("str", "v")
    client.sadd("s", 1)
    calls = [("SADD", "str", "a"), ("SREM", "str", "a"), ("SISMEMBER", "str", "a"),
             ("SMISMEMBER", "str", "a"), ("SCARD", "str"), ("SMEMBERS", "str"),
             ("SPOP", "str"), ("SPOP", "str", "2"), ("SRANDMEMBER", "str"),
             ("SRANDMEMBER", "str", "2"), ("SINTER", "s", "str"), ("SINTERCARD", "2", "s", "str"),
             ("SINTERSTORE", "d", "s", "str"), ("SUNION", "s", "str"), ("SUNIONSTORE", "d", "str"),
             ("SDIFF", "s", "str"), ("SDIFFSTORE", "d", "s", "str"), ("SMOVE", "str", "s", "1"),
             ("SMOVE", "s", "str", "1"), ("SSCAN", "str", "0")]
    for call in calls:
        with pytest.raises(redis.ResponseError, match="^WRONGTYPE"):
            client.execute_command(*call)
    assert client.get("str") == "v" and client.smembers("s") == {"1"}
    assert absent(client, "d")


def test_binary_members_round_trip(server):
    b = server.client(decode_responses=False)
    b.flushall()
    members = {bytes(range(256)), b"", b"\x00", b"\r\n"}
    assert b.sadd(b"s", *members) == 4
    assert b.smembers(b"s") == members


# ---- encodings and thresholds -------------------------------------------


def test_a_set_stays_intset_at_512_integers_and_becomes_hashtable_at_513(client, encoding):
    client.sadd("s", *range(512))
    assert encoding("s") == "intset"
    client.sadd("s", 511)  # already there: nothing changes
    assert encoding("s") == "intset"
    client.sadd("s", 512)
    assert encoding("s") == "hashtable"
    assert client.scard("s") == 513


def test_a_non_integer_member_makes_a_hashtable(client, encoding):
    client.sadd("a", 1, 2)
    assert encoding("a") == "intset"
    for key, member in (("a", "x"), ("b", "012"), ("c", "1.0"), ("d", " 1"), ("e", "")):
        client.sadd(key, 5)
        client.sadd(key, member)
        assert encoding(key) == "hashtable", member
    # Removing the string later never converts back.
    client.srem("a", "x")
    assert encoding("a") == "hashtable"
    assert client.execute_command("SMEMBERS", "a") != []


def test_config_set_of_the_intset_threshold_applies_on_the_next_add(client, encoding, config):
    config("set-max-intset-entries", 4)
    client.sadd("s", 1, 2, 3, 4)
    assert encoding("s") == "intset"
    client.sadd("s", 5)
    assert encoding("s") == "hashtable"
    client.sadd("big", *range(10))
    config("set-max-intset-entries", 0)
    client.sadd("new", 7)
    assert encoding("new") == "hashtable"
    with pytest.raises(redis.ResponseError, match="must be between 0 and 9223372036854775807"):
        client.config_set("set-max-intset-entries", -1)
    assert client.config_get("set-max-intset-entries") == {"set-max-intset-entries": "0"}


def test_intset_values_of_every_width_survive_conversion(client, encoding, config):
    values = {0, 1, -1, 200, -200, 70000, -70000, 2**40, -(2**40), 2**63 - 1, -(2**63)}
    config("set-max-intset-entries", len(values))
    client.sadd("s", *values)
    assert encoding("s") == "intset"
    client.sadd("s", "str")
    assert encoding("s") == "hashtable"
    assert client.smembers("s") == {str(v) for v in values} | {"str"}
    assert all(client.smismember("s", [str(v) for v in values]))


# ---- STORE forms ---------------------------------------------------------


def test_store_forms_pick_the_result_encoding_like_a_new_set(client, encoding):
    client.sadd("ints", *range(10))
    client.sadd("strs", "a", "b", 3)
    assert client.sunionstore("d1", "ints") == 10 and encoding("d1") == "intset"
    assert client.sinterstore("d2", "ints", "strs") == 1 and encoding("d2") == "intset"
    assert client.sunionstore("d3", "ints", "strs") == 12 and encoding("d3") == "hashtable"
    assert client.sdiffstore("d4", "strs", "ints") == 2 and encoding("d4") == "hashtable"


def test_sdiffstore_result_encoding_follows_the_algorithm_redis_picks(client, encoding,
                                                                       ref_server):
    # Copy-then-remove (picked when the other sets are small) passes through
    # more than 512 members and leaves a hashtable; walk-and-probe does not.
    ref = ref_server.client()
    for c in (client, ref):
        c.sadd("big", *range(600))
        c.sadd("cut", *range(100))
        c.sadd("x1", 1000)
        c.sadd("x2", 1001)
        c.sdiffstore("algo2", "big", "cut", "x1", "x2")
        c.sadd("most", *range(595))
        c.sdiffstore("algo1", "big", "most")
    assert client.scard("algo2") == ref.scard("algo2") == 500
    assert encoding("algo2") == ref.object("encoding", "algo2") == "hashtable"
    assert encoding("algo1") == ref.object("encoding", "algo1") == "intset"
    ref.flushall()


def test_store_forms_overwrite_any_type_and_drop_its_ttl(client):
    client.sadd("a", 1, 2)
    client.set("dst", "string")
    assert client.sunionstore("dst", "a") == 2
    assert client.smembers("dst") == {"1", "2"}
    try:
        client.expire("dst", 100)
    except redis.ResponseError:
        pytest.skip("EXPIRE is not available in this build")
    client.sinterstore("dst", "a", "a")
    assert client.ttl("dst") == -1


def test_store_forms_with_an_empty_result_delete_the_destination(client):
    client.sadd("a", 1)
    client.sadd("b", 2)
    for cmd, args in (("SINTERSTORE", ("a", "b")), ("SINTERSTORE", ("a", "missing")),
                      ("SDIFFSTORE", ("a", "a")), ("SUNIONSTORE", ("missing",))):
        client.set("dst", "x")
        assert client.execute_command(cmd, "dst", *args) == 0
        assert absent(client, "dst"), cmd


# ---- big (hashtable) sets -----------------------------------------------


def test_algebra_on_hashtable_sets_matches_python_sets(client):
    a = {f"m{j}" for j in range(0, 900)}
    b = {f"m{j}" for j in range(600, 1500)}
    c = {f"m{j}" for j in range(0, 1500, 3)}
    for key, members in (("a", a), ("b", b), ("c", c)):
        client.sadd(key, *members)
    assert client.sinter("a", "b") == a & b
    assert client.sinter("a", "b", "c") == a & b & c
    assert client.sunion("a", "b", "c") == a | b | c
    assert client.sdiff("a", "b") == a - b
    assert client.sdiff("a", "b", "c") == a - b - c
    assert client.sintercard(3, ["a", "b", "c"]) == len(a & b & c)
    assert client.sintercard(2, ["a", "b"], limit=10) == 10
    assert client.sinterstore("d", "a", "c") == len(a & c)
    assert client.smembers("d") == a & c


def test_sscan_over_a_hashtable_set_returns_every_member(client):
    members = {f"m{j}" for j in range(3000)}
    client.sadd("s", *members)
    seen, cursor, calls = set(), 0, 0
    while True:
        cursor, items = client.sscan("s", cursor, count=100)
        seen.update(items)
        calls += 1
        if cursor == 0:
            break
    assert seen == members and calls > 10
    seen, cursor = set(), 0
    while True:
        cursor, items = client.sscan("s", cursor, match="m2*", count=200)
        seen.update(items)
        if cursor == 0:
            break
    assert seen == {m for m in members if m.startswith("m2")}


def test_sscan_of_an_intset_answers_everything_with_cursor_0(client):
    client.sadd("s", *range(100))
    cursor, items = client.sscan("s", 0, count=5)
    assert cursor == 0 and items == [str(j) for j in range(100)]


@pytest.mark.parametrize("kind", ["intset", "hashtable"])
def test_spop_with_a_count_removes_exactly_the_members_it_returns(client, kind):
    members = {str(j) for j in range(400)} if kind == "intset" else {f"m{j}" for j in range(400)}
    for count in (1, 10, 100, 350, 399):  # few picks, and keeping only a few
        client.delete("s")
        client.sadd("s", *members)
        popped = client.spop("s", count)
        assert len(popped) == count and len(set(popped)) == count
        assert set(popped) <= members
        assert client.smembers("s") == members - set(popped)
    client.delete("s")
    client.sadd("s", *members)
    assert set(client.spop("s", 1000)) == members
    assert absent(client, "s")


@pytest.mark.parametrize("kind", ["intset", "hashtable"])
def test_single_spop_empties_a_set_one_member_at_a_time(client, kind):
    members = {str(j) for j in range(50)} if kind == "intset" else {f"m{j}" for j in range(50)}
    client.sadd("s", *members)
    popped = {client.spop("s") for _ in range(50)}
    assert popped == members
    assert client.spop("s") is None and absent(client, "s")


@pytest.mark.parametrize("kind", ["intset", "hashtable"])
def test_srandmember_samples_distinct_or_repeated_members(client, kind):
    members = {str(j) for j in range(300)} if kind == "intset" else {f"m{j}" for j in range(300)}
    client.sadd("s", *members)
    for count in (1, 5, 50, 150, 299):
        got = client.srandmember("s", count)
        assert len(got) == count and len(set(got)) == count and set(got) <= members
    assert sorted(client.srandmember("s", 1000)) == sorted(members)
    rep = client.srandmember("s", -1000)
    assert len(rep) == 1000 and set(rep) <= members and len(set(rep)) < 1000
    assert client.srandmember("s") in members
    assert client.scard("s") == 300


def test_smove_between_encodings(client, encoding):
    client.sadd("ints", 1, 2, 3)
    client.sadd("strs", "a", "b")
    assert client.smove("strs", "ints", "a") == 1
    assert encoding("ints") == "hashtable"
    assert client.smembers("ints") == {"1", "2", "3", "a"}
    assert client.smove("ints", "new", 2) == 1
    assert encoding("new") == "intset"
    assert client.smove("ints", "strs", "3") == 1
    assert client.smembers("strs") == {"b", "3"}
    assert client.smove("strs", "strs", "b") == 1 and client.smove("strs", "strs", "z") == 0


def test_smembers_is_a_set_in_resp3(server, client):
    client.sadd("s", 3, 1, 2)
    with server.raw() as conn:
        conn.call("HELLO", "3")
        conn.send_command("SMEMBERS", "s")
        assert conn.read_reply().raw == b"~3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"
        conn.send_command("SPOP", "s", "0")
        assert conn.read_reply().raw == b"~0\r\n"
        conn.send_command("SRANDMEMBER", "s", "5")
        assert conn.read_reply().raw == b"*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"


# ---- keyspace events -----------------------------------------------------


def keyspace_events(srv, commands):
    """Runs 'commands' on a fresh connection to 'srv' with every keyspace
    event class enabled; returns the (event, key) pairs published."""
    client = srv.client()
    client.flushall()
    try:
        client.config_set("notify-keyspace-events", "KEA")
    except redis.ResponseError:
        pytest.skip("notify-keyspace-events is not available in this build")
    sub = client.pubsub()
    try:
        sub.psubscribe("__keyevent@0__:*")
        sub.get_message(timeout=2)  # the subscription confirmation
        for cmd in commands:
            try:
                client.execute_command(*cmd)
            except redis.ResponseError:
                pass
        client.ping()
        events = []
        while (m := sub.get_message(timeout=0.2)) is not None:
            if m["type"] == "pmessage":
                events.append((m["channel"].split(":", 1)[1], m["data"]))
        return events
    except redis.ResponseError:
        pytest.skip("PSUBSCRIBE is not available in this build")
    finally:
        sub.close()
        client.config_set("notify-keyspace-events", "")


def test_set_commands_publish_the_same_keyspace_events_as_redis(server, ref_server):
    commands = [("SADD", "s", "1", "2"), ("SADD", "s", "1"), ("SREM", "s", "9"), ("SREM", "s", "1"),
                ("SREM", "s", "2"), ("SADD", "a", "1", "2"), ("SMOVE", "a", "b", "1"),
                ("SMOVE", "a", "b", "9"), ("SMOVE", "a", "b", "2"), ("SMOVE", "b", "b", "1"),
                ("SADD", "c", "x"), ("SPOP", "c"), ("SADD", "c", "1", "2", "3"), ("SPOP", "c", "1"),
                ("SPOP", "c", "0"), ("SPOP", "c", "5"), ("SADD", "x", "1", "2"), ("SADD", "y", "2"),
                ("SINTERSTORE", "d", "x", "y"), ("SUNIONSTORE", "d", "x", "y"),
                ("SDIFFSTORE", "d", "x", "y"), ("SDIFFSTORE", "d", "x", "x"),
                ("SINTERSTORE", "d", "x", "missing"), ("SUNIONSTORE", "e", "missing"),
                ("SINTER", "x", "y"), ("SRANDMEMBER", "x")]
    assert keyspace_events(server, commands) == keyspace_events(ref_server, commands)
