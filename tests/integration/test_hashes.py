"""Hash commands against the real binary: replies, both encodings and the
conversion between them at each threshold (N stays listpack, N+1 converts),
CONFIG SET of the thresholds, and what only a big (hashtable) hash shows:
HSCAN cursors, HRANDFIELD sampling, order-free results.

Tests that read OBJECT ENCODING or change CONFIG skip themselves on a build
that lacks those commands; byte-exact replies of the small cases live in
tests/diff/cases/hash_*.txt.
"""

import pytest
import redis

DEFAULTS = {"hash-max-listpack-entries": "512", "hash-max-listpack-value": "64"}


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
    """CONFIG SET helper; restores the hash thresholds after the test."""
    _skip_unless(lambda: client.config_get("hash-max-listpack-entries"), "CONFIG")
    yield lambda name, value: client.config_set(name, value)
    for name, value in DEFAULTS.items():
        client.config_set(name, value)


def fill(client, key, n, value="v"):
    client.hset(key, mapping={f"f{j}": f"{value}{j}" for j in range(n)})


# ---- basics --------------------------------------------------------------


def test_hset_replies_the_number_of_new_fields_and_hget_reads_them_back(client):
    assert client.hset("h", mapping={"a": "1", "b": "2"}) == 2
    assert client.hset("h", mapping={"a": "x", "c": "3"}) == 1
    assert client.hget("h", "a") == "x"
    assert client.hgetall("h") == {"a": "x", "b": "2", "c": "3"}
    assert client.hlen("h") == 3


def test_hset_with_an_odd_number_of_arguments_is_a_wrong_arity_error(client):
    with pytest.raises(redis.ResponseError, match="^wrong number of arguments for 'hset' command$"):
        client.execute_command("HSET", "h", "a", "1", "b")
    with pytest.raises(redis.ResponseError, match="^wrong number of arguments for 'hmset' command$"):
        client.execute_command("HMSET", "h", "a")
    assert client.set("h", "absent", nx=True) is True


def test_a_hash_whose_last_field_is_deleted_no_longer_exists(client):
    client.hset("h", mapping={"a": "1", "b": "2"})
    assert client.hdel("h", "a", "b", "c") == 2
    # SET NX succeeds only on an absent key.
    assert client.set("h", "now a string", nx=True) is True


def test_every_hash_command_replies_wrongtype_on_a_string(client):
    client.set("s", "v")
    calls = [("HSET", "s", "f", "v"), ("HMSET", "s", "f", "v"), ("HSETNX", "s", "f", "v"),
             ("HGET", "s", "f"), ("HMGET", "s", "f"), ("HDEL", "s", "f"), ("HLEN", "s"),
             ("HSTRLEN", "s", "f"), ("HEXISTS", "s", "f"), ("HKEYS", "s"), ("HVALS", "s"),
             ("HGETALL", "s"), ("HINCRBY", "s", "f", "1"), ("HINCRBYFLOAT", "s", "f", "1"),
             ("HRANDFIELD", "s"), ("HRANDFIELD", "s", "2"), ("HSCAN", "s", "0")]
    for call in calls:
        with pytest.raises(redis.ResponseError, match="^WRONGTYPE"):
            client.execute_command(*call)
    assert client.get("s") == "v"


def test_binary_fields_and_values_round_trip(server):
    b = server.client(decode_responses=False)
    b.flushall()
    field, value = bytes(range(256)), b"\x00\r\n" * 100
    assert b.hset(b"bin", field, value) == 1
    assert b.hget(b"bin", field) == value
    assert b.hgetall(b"bin") == {field: value}


def test_a_one_megabyte_value_is_stored_and_returned(client):
    big = "x" * (1 << 20)
    client.hset("h", "big", big)
    assert client.hstrlen("h", "big") == 1 << 20
    assert client.hget("h", "big") == big


def test_integer_looking_values_keep_their_exact_text(client):
    values = ["0", "-1", "127", "128", "-4096", "4095", "32768", "-8388609", "2147483648",
              "9223372036854775807", "-9223372036854775808", "012", "-0", "+1", "1.0"]
    client.hset("h", mapping={f"f{j}": v for j, v in enumerate(values)})
    assert client.hmget("h", [f"f{j}" for j in range(len(values))]) == values


# ---- encodings and thresholds -------------------------------------------


def test_a_hash_stays_listpack_at_512_fields_and_becomes_hashtable_at_513(client, encoding):
    fill(client, "h", 512)
    assert encoding("h") == "listpack"
    client.hset("h", "one-more", "v")
    assert encoding("h") == "hashtable"
    assert client.hlen("h") == 513


def test_a_64_byte_field_or_value_keeps_listpack_and_65_bytes_convert(client, encoding):
    client.hset("v64", "f", "x" * 64)
    client.hset("f64", "y" * 64, "v")
    assert encoding("v64") == "listpack" and encoding("f64") == "listpack"
    client.hset("v65", "f", "x" * 65)
    client.hset("f65", "y" * 65, "v")
    assert encoding("v65") == "hashtable" and encoding("f65") == "hashtable"
    # Updating an existing small hash with a long value converts it too.
    client.hset("v64", "f", "x" * 65)
    assert encoding("v64") == "hashtable"
    assert client.hget("v64", "f") == "x" * 65


def test_hsetnx_hincrby_and_hincrbyfloat_convert_on_long_fields_or_results(client, encoding):
    long_field = "f" * 65
    client.hsetnx("a", long_field, "1")
    client.hincrby("b", long_field, 1)
    client.hincrbyfloat("c", long_field, 1.5)
    assert [encoding(k) for k in "abc"] == ["hashtable"] * 3
    # A float result longer than 64 bytes converts as well.
    client.hset("d", "n", "1e100")
    assert encoding("d") == "listpack"
    client.hincrbyfloat("d", "n", 1)
    assert encoding("d") == "hashtable"
    assert len(client.hget("d", "n")) == 100


def test_config_set_of_the_entry_threshold_applies_on_the_next_write(client, encoding, config):
    config("hash-max-listpack-entries", 4)
    fill(client, "h", 4)
    assert encoding("h") == "listpack"
    client.hset("h", "f4", "v")
    assert encoding("h") == "hashtable"
    # Raising the threshold again never converts back.
    config("hash-max-listpack-entries", 100)
    client.hdel("h", "f0", "f1", "f2")
    client.hset("h", "x", "y")
    assert encoding("h") == "hashtable"
    # A hash made before lowering the threshold converts on its next write.
    fill(client, "small", 10)
    config("hash-max-listpack-entries", 5)
    assert encoding("small") == "listpack"
    client.hset("small", "f0", "changed")
    assert encoding("small") == "hashtable"
    assert client.hget("small", "f0") == "changed" and client.hlen("small") == 10


def test_config_set_of_the_value_threshold_applies_on_the_next_write(client, encoding, config):
    config("hash-max-listpack-value", 8)
    client.hset("h", "f", "x" * 8)
    assert encoding("h") == "listpack"
    client.hset("h", "g", "x" * 9)
    assert encoding("h") == "hashtable"
    config("hash-max-listpack-value", "1kb")
    assert client.config_get("hash-max-listpack-value") == {"hash-max-listpack-value": "1024"}


def test_zero_thresholds_make_every_non_empty_hash_a_hashtable(client, encoding, config):
    config("hash-max-listpack-entries", 0)
    client.hset("h", "a", "b")
    assert encoding("h") == "hashtable"
    config("hash-max-listpack-entries", 512)
    config("hash-max-listpack-value", 0)
    client.hset("e", "", "")
    assert encoding("e") == "listpack"
    client.hset("e", "x", "")
    assert encoding("e") == "hashtable"


def test_the_ziplist_names_are_aliases_of_the_listpack_thresholds(client, config):
    config("hash-max-ziplist-entries", 7)
    config("hash-max-ziplist-value", 9)
    got = client.config_get("hash-max-*")
    assert got == {"hash-max-listpack-entries": "7", "hash-max-ziplist-entries": "7",
                   "hash-max-listpack-value": "9", "hash-max-ziplist-value": "9"}
    with pytest.raises(redis.ResponseError, match="must be between 0 and 9223372036854775807"):
        client.config_set("hash-max-listpack-entries", -1)
    with pytest.raises(redis.ResponseError, match="argument must be a memory value"):
        client.config_set("hash-max-listpack-value", "abc")


def test_converted_hash_keeps_every_field_and_value(client, encoding, config):
    config("hash-max-listpack-entries", 16)
    expected = {f"field:{j}": str(j * 7) for j in range(16)}
    client.hset("h", mapping=expected)
    assert encoding("h") == "listpack"
    client.hset("h", "last", "-1")
    expected["last"] = "-1"
    assert encoding("h") == "hashtable"
    assert client.hgetall("h") == expected
    assert sorted(client.hkeys("h")) == sorted(expected)
    assert sorted(client.hvals("h")) == sorted(expected.values())


# ---- big (hashtable) hashes ---------------------------------------------


def test_commands_on_a_hashtable_hash_match_a_dict_model(client):
    model = {f"k{j}": f"v{j}" for j in range(1000)}
    client.hset("h", mapping=model)
    assert client.hlen("h") == 1000
    assert client.hgetall("h") == model
    assert client.hmget("h", ["k5", "nope", "k999"]) == ["v5", None, "v999"]
    assert client.hdel("h", *[f"k{j}" for j in range(0, 1000, 2)], "nope") == 500
    for j in range(0, 1000, 2):
        del model[f"k{j}"]
    assert client.hgetall("h") == model
    assert client.hstrlen("h", "k1") == 2 and client.hexists("h", "k1") and not client.hexists("h", "k0")
    assert client.hincrby("h", "counter", 5) == 5
    assert client.hincrbyfloat("h", "counter", 0.5) == 5.5
    assert client.hsetnx("h", "k1", "no") == 0 and client.hsetnx("h", "new", "yes") == 1
    # Values of other sizes replace in place or reallocate.
    client.hset("h", mapping={"k1": "x" * 300, "k3": "", "k5": "short"})
    assert client.hmget("h", "k1", "k3", "k5") == ["x" * 300, "", "short"]
    client.hdel("h", *client.hkeys("h"))
    assert client.set("h", "gone", nx=True) is True


def test_hscan_over_a_hashtable_hash_returns_every_field_with_its_value(client):
    model = {f"f{j}": str(j) for j in range(2000)}
    client.hset("h", mapping=model)
    seen, cursor, calls = {}, 0, 0
    while True:
        cursor, items = client.hscan("h", cursor, count=50)
        calls += 1
        seen.update(items)
        if cursor == 0:
            break
    assert seen == model
    assert calls > 10  # a big hash is not answered in one call


def test_hscan_match_filters_fields_of_a_hashtable_hash(client):
    client.hset("h", mapping={f"{p}{j}": "v" for p in ("a", "b") for j in range(600)})
    seen, cursor = set(), 0
    while True:
        cursor, items = client.hscan("h", cursor, match="a1*", count=100)
        seen.update(items)
        if cursor == 0:
            break
    assert seen == {f"a{j}" for j in range(600) if str(j).startswith("1")}


def test_hscan_of_a_small_hash_answers_everything_with_cursor_0(client):
    client.hset("h", mapping={"a": "1", "b": "2"})
    assert client.hscan("h", 0, count=1) == (0, {"a": "1", "b": "2"})


def test_hrandfield_on_a_hashtable_hash_samples_distinct_or_repeated_fields(client):
    model = {f"f{j}": str(j) for j in range(800)}
    client.hset("h", mapping=model)
    for count in (1, 5, 300, 799):  # few picks, and most of the hash
        got = client.hrandfield("h", count)
        assert len(got) == count and len(set(got)) == count and set(got) <= set(model)
    assert sorted(client.hrandfield("h", 5000)) == sorted(model)
    rep = client.hrandfield("h", -2000)
    assert len(rep) == 2000 and set(rep) <= set(model) and len(set(rep)) < 2000
    pairs = client.hrandfield("h", 50, withvalues=True)
    assert len(pairs) == 100
    assert all(model[f] == v for f, v in zip(pairs[0::2], pairs[1::2]))
    assert client.hrandfield("h") in model


def test_hrandfield_on_a_listpack_hash_samples_distinct_fields_in_hash_order(client):
    fields = [f"f{j}" for j in range(100)]
    client.hset("h", mapping={f: "v" for f in fields})
    for _ in range(20):
        got = client.hrandfield("h", 30)
        assert len(set(got)) == 30
        assert got == sorted(got, key=fields.index)
    rep = client.hrandfield("h", -300, withvalues=True)
    assert len(rep) == 600 and set(rep[0::2]) <= set(fields)


def test_hgetall_is_a_map_in_resp3(server, client):
    client.hset("h", mapping={"a": "1", "b": "2"})
    with server.raw() as conn:
        conn.call("HELLO", "3")
        conn.send_command("HGETALL", "h")
        assert conn.read_reply().raw == b"%2\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n"
        conn.send_command("HGETALL", "nokey")
        assert conn.read_reply().raw == b"%0\r\n"
        conn.send_command("HRANDFIELD", "h", "5", "WITHVALUES")
        assert conn.read_reply().raw.startswith(b"*2\r\n*2\r\n")


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


def test_hash_commands_publish_the_same_keyspace_events_as_redis(server, ref_server):
    commands = [("HSET", "h", "a", "1", "b", "2"), ("HMSET", "h", "c", "3"),
                ("HSETNX", "h", "a", "x"), ("HSETNX", "h", "d", "4"), ("HINCRBY", "h", "n", "1"),
                ("HINCRBYFLOAT", "h", "f", "1.5"), ("HINCRBY", "h", "a", "x"),
                ("HDEL", "h", "nosuch"), ("HDEL", "h", "a", "b"),
                ("HDEL", "h", "c", "d", "n", "f", "z"), ("HDEL", "h", "a"), ("HGET", "h", "a")]
    assert keyspace_events(server, commands) == keyspace_events(ref_server, commands)
