"""Generic keyspace commands and expiry: DEL, UNLINK, EXISTS, TYPE, RENAME,
RENAMENX, COPY, MOVE, SWAPDB, KEYS, SCAN, RANDOMKEY, DBSIZE, TOUCH, OBJECT,
the EXPIRE family, TTL/PTTL/EXPIRETIME/PEXPIRETIME, PERSIST, and the active
expiry cycle."""

import random
import time

import pytest
import redis


def scan_all(client, **kwargs):
    """Full SCAN iteration; returns (set of keys, number of calls)."""
    seen, cursor, calls = set(), 0, 0
    while True:
        cursor, keys = client.scan(cursor, **kwargs)
        seen.update(keys)
        calls += 1
        if cursor == 0:
            return seen, calls


def fill(client, mapping):
    """SET every pair in one pipeline (MSET belongs to the strings family)."""
    pipe = client.pipeline(transaction=False)
    for k, v in mapping.items():
        pipe.set(k, v)
    pipe.execute()


def wait_for(predicate, timeout=5.0, step=0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


# ---- DEL / UNLINK / EXISTS / TOUCH / TYPE / DBSIZE -------------------------


def test_del_replies_the_number_of_keys_it_removed(client):
    fill(client, {"a": 1, "b": 2, "c": 3})
    assert client.delete("a", "b", "missing", "a") == 2
    assert client.exists("a", "b", "c") == 1


def test_unlink_removes_keys_like_del(client):
    fill(client, {"a": 1, "b": "x" * 1000})
    assert client.unlink("a", "b", "missing") == 2
    assert client.dbsize() == 0


def test_unlink_of_ten_thousand_keys_in_one_call_leaves_an_empty_db(client):
    pipe = client.pipeline(transaction=False)
    for i in range(10000):
        pipe.set(f"k{i}", "v" * (i % 100))
    pipe.execute()
    assert client.unlink(*[f"k{i}" for i in range(10000)]) == 10000
    assert client.dbsize() == 0


def test_exists_counts_a_key_once_per_mention(client):
    client.set("k", "v")
    assert client.exists("k", "k", "k", "nope") == 3


def idle_right_after(client, key, access):
    for _ in range(3):
        access()
        idle = client.object("idletime", key)
        if idle == 0:
            break
    return idle


def test_touch_counts_existing_keys_and_resets_the_idle_time(client):
    client.set("idle", "v")
    client.set("fresh", "v")
    time.sleep(1.1)
    # TYPE, EXISTS, TTL and OBJECT do not count as an access...
    client.type("idle")
    client.exists("idle")
    client.ttl("idle")
    client.object("encoding", "idle")
    assert client.object("idletime", "idle") >= 1
    # ...while TOUCH and GET do.  (The clock has one-second steps, so a
    # second boundary between the access and the check may show 1: retry.)
    assert client.touch("fresh", "missing", "fresh") == 2
    assert idle_right_after(client, "fresh", lambda: client.touch("fresh")) == 0
    assert idle_right_after(client, "idle", lambda: client.get("idle")) == 0


def test_type_replies_string_or_none(client):
    client.set("s", "v")
    assert client.type("s") == "string"
    assert client.type("missing") == "none"


def test_dbsize_counts_the_keys_of_the_selected_db_only(server):
    c = server.client(db=0)
    c.flushall()
    fill(c, {"a": 1, "b": 2})
    other = server.client(db=3)
    other.set("x", 1)
    assert c.dbsize() == 2
    assert other.dbsize() == 1
    c.close()
    other.close()


# ---- RENAME / RENAMENX ---------------------------------------------------------


def test_rename_moves_the_value_and_its_ttl(client):
    client.set("src", "hello", ex=100)
    assert client.rename("src", "dst") is True
    assert client.get("dst") == "hello"
    assert client.exists("src") == 0
    assert 99 <= client.ttl("dst") <= 100


def test_rename_overwrites_the_destination_including_its_ttl(client):
    client.set("src", "new")
    client.set("dst", "old", ex=100)
    client.rename("src", "dst")
    assert client.get("dst") == "new"
    assert client.ttl("dst") == -1


def test_rename_of_a_missing_key_is_an_error(client):
    with pytest.raises(redis.ResponseError, match="^no such key$"):
        client.rename("missing", "x")


def test_rename_keeps_every_string_encoding(client):
    big_name = "n" * 300  # a key longer than 255 bytes
    client.set("int", 12345)
    client.set("emb", "short string")
    client.set("raw", "r" * 100)
    for key, enc in (("int", "int"), ("emb", "embstr"), ("raw", "raw")):
        client.rename(key, big_name)
        assert client.object("encoding", big_name) == enc
        client.rename(big_name, key + "2")
        assert client.object("encoding", key + "2") == enc
    assert client.get("int2") == "12345"
    assert client.get("emb2") == "short string"
    assert client.get("raw2") == "r" * 100


def test_renamenx_renames_only_onto_a_free_name(client):
    fill(client, {"a": 1, "b": 2})
    assert client.renamenx("a", "b") is False
    assert client.get("a") == "1"
    assert client.renamenx("a", "c") is True
    assert client.get("c") == "1"


def test_rename_onto_itself_is_ok_for_rename_and_0_for_renamenx(client):
    client.set("a", 1)
    assert client.rename("a", "a") is True
    assert client.renamenx("a", "a") is False
    assert client.get("a") == "1"


# ---- COPY / MOVE / SWAPDB -----------------------------------------------------


def test_copy_to_another_db_keeps_value_and_ttl(server, client):
    client.set("src", "v" * 100, ex=100)
    assert client.copy("src", "dst", destination_db=2) is True
    other = server.client(db=2)
    assert other.get("dst") == "v" * 100
    assert 99 <= other.ttl("dst") <= 100
    assert client.exists("dst") == 0
    # The copy is independent of the source.
    client.set("src", "changed")
    assert other.get("dst") == "v" * 100
    other.close()


def test_copy_refuses_an_existing_destination_unless_replace(client):
    fill(client, {"a": "1", "b": "2"})
    assert client.copy("a", "b") is False
    assert client.get("b") == "2"
    assert client.copy("a", "b", replace=True) is True
    assert client.get("b") == "1"


def test_copy_of_a_key_onto_itself_is_an_error(client):
    client.set("a", 1)
    with pytest.raises(redis.ResponseError, match="source and destination objects are the same"):
        client.copy("a", "a")


def test_copy_of_a_missing_key_replies_0(client):
    assert client.copy("missing", "x") is False


def test_move_transfers_the_key_and_its_ttl(server, client):
    client.set("k", "v", ex=100)
    assert client.move("k", 1) is True
    assert client.exists("k") == 0
    other = server.client(db=1)
    assert other.get("k") == "v"
    assert 99 <= other.ttl("k") <= 100
    # Back again: the target must not have the key.
    client.set("k", "again")
    assert other.move("k", 0) is False
    assert client.get("k") == "again"
    other.close()


def test_move_to_the_same_db_is_an_error(client):
    client.set("k", 1)
    with pytest.raises(redis.ResponseError, match="source and destination objects are the same"):
        client.move("k", 0)


def test_swapdb_exchanges_the_contents_seen_by_connected_clients(server, client):
    client.set("zero", "0")
    other = server.client(db=1)
    other.set("one", "1")
    other.set("one-b", "1", px=100000)
    assert client.swapdb(0, 1) is True
    # Each connection stays on its db index and now sees the other data.
    assert client.get("one") == "1"
    assert client.exists("zero") == 0
    assert other.get("zero") == "0"
    assert client.dbsize() == 2
    assert client.pttl("one-b") > 0
    assert client.swapdb(1, 0) is True
    assert client.get("zero") == "0"
    other.close()


def test_swapdb_with_an_index_out_of_range_is_an_error(client):
    with pytest.raises(redis.ResponseError, match="DB index is out of range"):
        client.swapdb(0, 16)
    with pytest.raises(redis.ResponseError, match="invalid first DB index"):
        client.execute_command("SWAPDB", "x", 0)


def test_expired_keys_moved_by_swapdb_are_still_reclaimed(server, client):
    other = server.client(db=5)
    for i in range(200):
        other.set(f"e{i}", "v", px=50)
    client.swapdb(0, 5)
    assert wait_for(lambda: client.dbsize() == 0)
    other.close()


# ---- KEYS / SCAN / RANDOMKEY ----------------------------------------------------


def test_keys_returns_the_matching_keys(client):
    fill(client, {"hello": 1, "hallo": 2, "hxllo": 3, "world": 4, "": 5})
    assert sorted(client.keys("h?llo")) == ["hallo", "hello", "hxllo"]
    assert sorted(client.keys("h[ae]llo")) == ["hallo", "hello"]
    assert sorted(client.keys("*")) == ["", "hallo", "hello", "hxllo", "world"]
    assert client.keys("nothing*") == []


def test_keys_hides_expired_keys(client):
    client.set("live", 1)
    client.set("dead", 1, px=1)
    time.sleep(0.02)
    assert client.keys("*") == ["live"]


def test_scan_returns_every_key_of_a_static_db_exactly_once(client):
    names = [f"key:{i}" for i in range(2000)]
    fill(client, {n: 1 for n in names})
    seen, cursor, total = set(), 0, 0
    while True:
        cursor, keys = client.scan(cursor, count=37)
        total += len(keys)
        seen.update(keys)
        if cursor == 0:
            break
    assert seen == set(names)
    assert total == len(names)


def test_scan_finds_every_key_while_keys_are_added_and_the_table_rehashes(client):
    stable = {f"stable:{i}" for i in range(500)}
    fill(client, {k: 1 for k in stable})
    seen, cursor, added = set(), 0, 0
    while True:
        cursor, keys = client.scan(cursor, count=20)
        seen.update(keys)
        # Grow the table through three doublings during the iteration.
        if added < 4000:
            pipe = client.pipeline(transaction=False)
            for _ in range(200):
                pipe.set(f"new:{added}", 1)
                added += 1
            pipe.execute()
        if cursor == 0:
            break
    assert stable <= seen
    assert client.dbsize() == len(stable) + added
    assert added == 4000


def test_scan_finds_every_key_while_other_keys_are_deleted_and_the_table_shrinks(client):
    stable = {f"stable:{i}" for i in range(100)}
    doomed = [f"doomed:{i}" for i in range(5000)]
    fill(client, {k: 1 for k in stable})
    fill(client, {k: 1 for k in doomed})
    seen, cursor = set(), 0
    while True:
        cursor, keys = client.scan(cursor, count=10)
        seen.update(keys)
        if doomed:
            batch, doomed = doomed[:300], doomed[300:]
            client.delete(*batch)
        if cursor == 0:
            break
    assert stable <= seen


def test_scan_match_count_and_type_filter_the_keys(client):
    fill(client, {f"user:{i}": i for i in range(100)})
    fill(client, {f"item:{i}": i for i in range(100)})
    seen, _ = scan_all(client, match="user:*", count=1000)
    assert seen == {f"user:{i}" for i in range(100)}
    seen, _ = scan_all(client, match="user:1?", _type="string")
    assert seen == {f"user:{i}" for i in range(10, 20)}
    seen, _ = scan_all(client, _type="list")
    assert seen == set()


def test_scan_with_a_large_count_on_a_small_db_finishes_in_one_call(client):
    fill(client, {f"k{i}": 1 for i in range(50)})
    seen, calls = scan_all(client, count=1000)
    assert len(seen) == 50 and calls == 1


def test_scan_errors(client):
    with pytest.raises(redis.ResponseError, match="^invalid cursor$"):
        client.execute_command("SCAN", "abc")
    with pytest.raises(redis.ResponseError, match="^syntax error$"):
        client.execute_command("SCAN", 0, "COUNT", 0)
    with pytest.raises(redis.ResponseError, match="^syntax error$"):
        client.execute_command("SCAN", 0, "BOGUS")


def test_scan_skips_and_deletes_expired_keys(client):
    client.set("live", 1)
    for i in range(20):
        client.set(f"dead{i}", 1, px=1)
    time.sleep(0.02)
    seen, _ = scan_all(client, count=100)
    assert seen == {"live"}
    assert client.dbsize() == 1


def test_scan_in_resp3_replies_a_two_element_array(server):
    with server.raw() as conn:
        conn.call("HELLO", "3")
        conn.call("FLUSHALL")
        conn.call("SET", "only", "v")
        reply = conn.call("SCAN", "0")
        assert reply == [b"0", [b"only"]]
        assert conn.call("RANDOMKEY") == b"only"
        conn.call("FLUSHALL")
        conn.send_command("RANDOMKEY")
        assert conn.read_reply().raw == b"_\r\n"
        conn.send_command("OBJECT", "ENCODING", "missing")
        assert conn.read_reply().raw == b"_\r\n"


def test_randomkey_returns_keys_that_exist(client):
    names = {f"k{i}" for i in range(20)}
    fill(client, {n: 1 for n in names})
    got = {client.randomkey() for _ in range(400)}
    assert got <= names
    assert len(got) >= 15


def test_randomkey_on_an_empty_db_replies_nil(client):
    assert client.randomkey() is None


def test_randomkey_never_returns_an_expired_key_and_reclaims_them(client):
    for i in range(300):
        client.set(f"dead{i}", 1, px=1)
    client.set("live", 1)
    time.sleep(0.02)
    for _ in range(20):
        assert client.randomkey() == "live"
    for i in range(300):
        client.set(f"dead{i}", 1, px=1)
    client.delete("live")
    time.sleep(0.02)
    assert client.randomkey() is None


# ---- EXPIRE family ------------------------------------------------------------------


def test_expire_sets_a_ttl_that_ttl_and_pttl_report(client):
    client.set("k", "v")
    assert client.expire("k", 100) is True
    assert client.ttl("k") == 100
    assert 99000 < client.pttl("k") <= 100000
    assert client.pexpire("k", 5000) is True
    assert client.ttl("k") == 5


def test_expireat_and_expiretime_agree(client):
    client.set("k", "v")
    when = int(time.time()) + 1000
    assert client.expireat("k", when) is True
    assert client.expiretime("k") == when
    assert client.pexpiretime("k") == when * 1000
    assert client.pexpireat("k", when * 1000 + 123) is True
    assert client.pexpiretime("k") == when * 1000 + 123


def test_a_key_with_a_ttl_disappears_when_it_expires(client):
    client.set("k", "v", px=50)
    assert client.get("k") == "v"
    time.sleep(0.1)
    assert client.get("k") is None
    assert client.ttl("k") == -2


def test_expire_in_the_past_deletes_the_key_and_replies_1(client):
    client.set("k", "v")
    assert client.expire("k", -10) is True
    assert client.exists("k") == 0
    client.set("k", "v")
    assert client.pexpireat("k", 1) is True
    assert client.exists("k") == 0


def test_expire_options_nx_xx_gt_lt(client):
    client.set("k", "v")
    assert client.expire("k", 100, xx=True) is False
    assert client.expire("k", 100, gt=True) is False
    assert client.expire("k", 100, nx=True) is True
    assert client.expire("k", 200, nx=True) is False
    assert client.expire("k", 50, gt=True) is False
    assert client.expire("k", 200, gt=True) is True
    assert client.expire("k", 300, lt=True) is False
    assert client.expire("k", 150, lt=True) is True
    assert client.ttl("k") == 150


def test_expire_option_errors_use_redis_wording(client):
    client.set("k", "v")
    with pytest.raises(redis.ResponseError, match="^NX and XX, GT or LT options at the same time are not compatible$"):
        client.execute_command("EXPIRE", "k", 10, "NX", "XX")
    with pytest.raises(redis.ResponseError, match="^GT and LT options at the same time are not compatible$"):
        client.execute_command("EXPIRE", "k", 10, "GT", "LT")
    with pytest.raises(redis.ResponseError, match="^invalid expire time in 'expire' command$"):
        client.execute_command("EXPIRE", "k", 2**63 - 1)
    with pytest.raises(redis.ResponseError, match="^invalid expire time in 'pexpire' command$"):
        client.execute_command("PEXPIRE", "k", 2**63 - 1)


def test_persist_removes_the_ttl(client):
    client.set("k", "v", ex=100)
    assert client.persist("k") is True
    assert client.ttl("k") == -1
    assert client.persist("k") is False
    assert client.persist("missing") is False
    assert client.get("k") == "v"


def test_ttl_of_missing_and_persistent_keys(client):
    client.set("k", "v")
    assert client.ttl("missing") == -2
    assert client.pttl("missing") == -2
    assert client.ttl("k") == -1
    assert client.pttl("k") == -1
    assert client.expiretime("k") == -1
    assert client.pexpiretime("missing") == -2


def test_active_expiry_reclaims_keys_nobody_reads(client):
    pipe = client.pipeline(transaction=False)
    for i in range(1000):
        pipe.set(f"vol:{i}", "v", px=100)
    pipe.execute()
    client.set("keeper", "v")
    assert client.dbsize() == 1001
    # DBSIZE does not touch keys, so only the active cycle can remove them.
    assert wait_for(lambda: client.dbsize() == 1, timeout=5.0), client.dbsize()
    assert client.get("keeper") == "v"


def test_active_expiry_finds_the_few_expiring_keys_among_many_persistent_ones(client):
    pipe = client.pipeline(transaction=False)
    for i in range(20000):
        pipe.set(f"p{i}", "v")
    for i in range(20):
        pipe.set(f"e{i}", "v", px=50)
    pipe.execute()
    assert wait_for(lambda: client.dbsize() == 20000, timeout=3.0), client.dbsize()


def test_active_expiry_works_in_every_db_and_leaves_long_ttls_alone(server, client):
    dbs = [server.client(db=d) for d in (0, 7, 15)]
    for c in dbs:
        pipe = c.pipeline(transaction=False)
        for i in range(300):
            pipe.set(f"short:{i}", "v", px=random.randint(20, 120))
            pipe.set(f"long:{i}", "v", ex=1000)
        pipe.execute()
    assert wait_for(lambda: all(c.dbsize() == 300 for c in dbs), timeout=5.0)
    for c in dbs:
        c.close()


def test_keys_renamed_moved_or_copied_keep_their_ttl_and_are_reclaimed(server, client):
    target = server.client(db=9)
    pipe = client.pipeline(transaction=False)
    for i in range(100):
        pipe.set(f"r{i}", "v", px=100)
        pipe.set(f"m{i}", "v", px=100)
        pipe.set(f"c{i}", "v", px=100)
    pipe.execute()
    pipe = client.pipeline(transaction=False)
    for i in range(100):
        pipe.rename(f"r{i}", f"renamed{i}")
        pipe.move(f"m{i}", 9)
        pipe.copy(f"c{i}", f"copied{i}", destination_db=9)
    assert all(pipe.execute())
    assert client.dbsize() == 200 and target.dbsize() == 200
    assert 0 < target.pttl("m1") <= 100 and 0 < target.pttl("copied1") <= 100
    assert wait_for(lambda: client.dbsize() == 0 and target.dbsize() == 0)
    target.close()


def test_ttl_commands_work_on_keys_longer_than_255_bytes(client):
    key = "k" * 1000
    client.set(key, "v")
    assert client.expire(key, 100) is True
    assert client.ttl(key) == 100
    assert client.persist(key) is True
    assert client.ttl(key) == -1
    assert client.pexpire(key, 1) is True
    time.sleep(0.02)
    assert client.exists(key) == 0


# ---- OBJECT ----------------------------------------------------------------------------


def test_object_encoding_reports_the_string_encodings(client):
    client.set("i", 123)
    client.set("e", "hello")
    client.set("r", "x" * 45)
    assert client.object("encoding", "i") == "int"
    assert client.object("encoding", "e") == "embstr"
    assert client.object("encoding", "r") == "raw"
    assert client.object("encoding", "missing") is None


def test_object_refcount_reports_shared_small_integers_like_redis(client):
    client.set("small", 9999)
    client.set("big", 10000)
    client.set("s", "text")
    assert client.object("refcount", "small") == 2147483647
    assert client.object("refcount", "big") == 1
    assert client.object("refcount", "s") == 1


def test_object_freq_requires_an_lfu_policy(client):
    client.set("k", "v")
    with pytest.raises(redis.ResponseError, match="^An LFU maxmemory policy is not selected"):
        client.object("freq", "k")


def test_object_help_lists_the_subcommands(raw):
    lines = raw.call("OBJECT", "HELP")
    assert lines[0] == b"OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
    assert b"FREQ <key>" in lines and lines[-1] == b"    Prints this help."


def test_object_with_an_unknown_subcommand_is_an_error(client):
    with pytest.raises(redis.ResponseError, match=r"^unknown subcommand 'nope'. Try OBJECT HELP.$"):
        client.execute_command("OBJECT", "nope")
