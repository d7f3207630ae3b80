"""Lists: every list command, lists as job queues, and blocking commands.

Blocking tests drive several raw connections by hand: one blocks, another
pushes, and the blocked one's reply (or its absence, checked with a short
read timeout) shows who was served and when.  Tests that need commands
other groups provide (MULTI, CONFIG, OBJECT, PSUBSCRIBE) skip when the
server does not know them.
"""

import json
import random
import time

import pytest

from support import servers
from support.blocking import open_blocked, send_blocking
from support.resp import ErrorReply, ReplyTimeout

NO_REPLY = 0.15  # seconds a blocked client must stay silent


def has_command(conn, name):
    return conn.call("COMMAND", "INFO", name) != [None]


def client_id(conn):
    hello = conn.call("HELLO", "2")
    return hello[hello.index(b"id") + 1]


def assert_silent(conn, seconds=NO_REPLY):
    with pytest.raises(ReplyTimeout):
        conn.read_reply(timeout=seconds)


blocked = open_blocked


# ---- plain commands ----------------------------------------------------


def test_lpush_and_rpush_return_the_new_length_and_lrange_shows_the_order(client):
    assert client.lpush("l", "b", "a") == 2
    assert client.rpush("l", "c", "d") == 4
    assert client.lrange("l", 0, -1) == ["a", "b", "c", "d"]
    assert client.llen("l") == 4
    assert client.lpushx("l", "z") == 5
    assert client.rpushx("missing", "z") == 0
    assert client.get("missing") is None


def test_popping_the_last_element_deletes_the_key(raw):
    raw.call("RPUSH", "k", "only")
    assert raw.call("RPOP", "k") == b"only"
    assert raw.call("LLEN", "k") == 0
    assert raw.call("GET", "k") is None  # not a list any more: GET would say WRONGTYPE
    raw.call("RPUSH", "k", "a", "b")
    assert raw.call("LPOP", "k", "5") == [b"a", b"b"]
    assert raw.call("GET", "k") is None
    raw.call("RPUSH", "k", "a", "b", "a")
    assert raw.call("LREM", "k", "0", "a") == 2
    assert raw.call("LREM", "k", "0", "b") == 1
    assert raw.call("GET", "k") is None
    raw.call("RPUSH", "k", "a")
    assert raw.call("LTRIM", "k", "1", "0") == b"OK"
    assert raw.call("GET", "k") is None
    raw.call("RPUSH", "k", "a")
    assert raw.call("LMOVE", "k", "d", "LEFT", "LEFT") == b"a"
    assert raw.call("GET", "k") is None


def test_pop_with_count_replies_in_pop_order_and_count_zero_is_an_empty_array(raw):
    raw.call("RPUSH", "k", "1", "2", "3", "4")
    assert raw.call("RPOP", "k", "2") == [b"4", b"3"]
    assert raw.call("LPOP", "k", "0") == []
    assert raw.call("LPOP", "missing", "0") is None
    raw.send_command("LPOP", "missing", "0")
    assert raw.read_reply().raw == b"*-1\r\n"
    assert raw.call("LPOP", "k", "-1") == ErrorReply(b"ERR value is out of range, must be positive")


def test_wrong_type_against_a_string_key_is_refused_by_every_list_command(raw):
    raw.call("SET", "s", "v")
    wrong = b"WRONGTYPE Operation against a key holding the wrong kind of value"
    for cmd in (["LPUSH", "s", "a"], ["RPUSHX", "s", "a"], ["LPOP", "s"], ["LLEN", "s"],
                ["LRANGE", "s", "0", "1"], ["LINDEX", "s", "0"], ["LSET", "s", "0", "x"],
                ["LINSERT", "s", "BEFORE", "a", "b"], ["LREM", "s", "0", "a"],
                ["LTRIM", "s", "0", "1"], ["LPOS", "s", "a"], ["LMOVE", "s", "d", "LEFT", "LEFT"],
                ["LMPOP", "1", "s", "LEFT"], ["BLPOP", "s", "0"], ["BLMPOP", "0", "1", "s", "LEFT"]):
        assert raw.call(*cmd) == wrong, cmd
    assert raw.call("GET", "s") == b"v"


def test_negative_and_out_of_range_indexes(raw):
    raw.call("RPUSH", "k", "a", "b", "c")
    assert raw.call("LINDEX", "k", "-1") == b"c"
    assert raw.call("LINDEX", "k", "-4") is None
    assert raw.call("LINDEX", "k", "3") is None
    assert raw.call("LRANGE", "k", "-100", "100") == [b"a", b"b", b"c"]
    assert raw.call("LRANGE", "k", "2", "1") == []
    assert raw.call("LSET", "k", "-3", "A") == b"OK"
    assert raw.call("LSET", "k", "3", "x") == ErrorReply(b"ERR index out of range")
    assert raw.call("LSET", "nokey", "0", "x") == ErrorReply(b"ERR no such key")


def test_linsert_lrem_ltrim_and_lpos_work_in_the_middle_of_a_long_list(raw):
    raw.call("RPUSH", "k", *[f"e{i}" for i in range(3000)])
    assert raw.call("LINSERT", "k", "BEFORE", "e1500", "mid") == 3001
    assert raw.call("LINDEX", "k", "1500") == b"mid"
    assert raw.call("LPOS", "k", "mid") == 1500
    assert raw.call("LSET", "k", "1500", "x" * 10000) == b"OK"
    assert raw.call("LINDEX", "k", "1500") == b"x" * 10000
    assert raw.call("LREM", "k", "0", "x" * 10000) == 1
    assert raw.call("LTRIM", "k", "1000", "1999") == b"OK"
    assert raw.call("LRANGE", "k", "0", "-1") == [f"e{i}".encode() for i in range(1000, 2000)]


def test_lpos_rank_zero_is_an_error_and_lmpop_checks_numkeys_and_count(raw):
    raw.call("RPUSH", "k", "a")
    assert raw.call("LPOS", "k", "a", "RANK", "0").startswith(b"ERR RANK can't be zero")
    assert raw.call("LMPOP", "0", "k", "LEFT") == ErrorReply(b"ERR numkeys should be greater than 0")
    assert raw.call("LMPOP", "1", "k", "LEFT", "COUNT", "0") == ErrorReply(
        b"ERR count should be greater than 0")
    assert raw.call("LMPOP", "2", "nokey", "k", "RIGHT", "COUNT", "9") == [b"k", [b"a"]]


def test_numbers_round_trip_exactly_whatever_their_width(raw):
    values = ["0", "127", "128", "-1", "4095", "4096", "-4097", "524288", "-524289", "67108864",
              "2147483648", "-2147483649", "9223372036854775807", "-9223372036854775808",
              "9223372036854775808", "01", "-0", "+1", "1.0", " 1"]
    raw.call("RPUSH", "n", *values)
    assert raw.call("LRANGE", "n", "0", "-1") == [v.encode() for v in values]
    assert raw.call("LPOS", "n", "128") == 2
    assert raw.call("LPOS", "n", "01") == 15
    assert raw.call("LREM", "n", "0", "-1") == 1


def test_element_bigger_than_a_chunk_is_stored_and_returned_whole(raw):
    big = random.Random(1).randbytes(300_000)
    raw.call("RPUSH", "k", "a", big, "b")
    assert raw.call("LINDEX", "k", "1") == big
    assert raw.call("LRANGE", "k", "0", "-1") == [b"a", big, b"b"]
    assert raw.call("LINSERT", "k", "AFTER", big, "c") == 4
    assert raw.call("LPOP", "k", "4") == [b"a", big, b"c", b"b"]


def test_object_encoding_reports_quicklist_for_every_list(raw):
    if not has_command(raw, "object"):
        pytest.skip("OBJECT is not in this build")
    raw.call("RPUSH", "small", "a")
    raw.call("RPUSH", "large", *[str(i) for i in range(10000)])
    assert raw.call("OBJECT", "ENCODING", "small") == b"quicklist"
    assert raw.call("OBJECT", "ENCODING", "large") == b"quicklist"


def test_random_operations_on_small_chunks_match_a_python_list(server_factory):
    # Chunks of 3 entries: nearly every operation crosses a chunk boundary.
    srv = server_factory("--list-max-listpack-size", "3")
    conn = srv.raw()
    rng = random.Random(20261128)
    model = []
    for step in range(1500):
        op = rng.randrange(9)
        v = rng.choice(["a", "b", "c", "1", "22", "-7", "x" * rng.randrange(70), ""])
        if op == 0:
            model.insert(0, v)
            assert conn.call("LPUSH", "k", v) == len(model)
        elif op == 1:
            model.append(v)
            assert conn.call("RPUSH", "k", v) == len(model)
        elif op == 2 and model:
            i = rng.randrange(-len(model), len(model))
            model[i] = v
            assert conn.call("LSET", "k", i, v) == b"OK"
        elif op == 3 and model:
            pivot = rng.choice(model)
            where = rng.choice(["BEFORE", "AFTER"])
            j = model.index(pivot) + (where == "AFTER")
            model.insert(j, v)
            assert conn.call("LINSERT", "k", where, pivot, v) == len(model)
        elif op == 4 and model:
            count = rng.randrange(-3, 4)
            target = rng.choice(model)
            idxs = [i for i, x in enumerate(model) if x == target]
            if count < 0:
                idxs = idxs[::-1][:-count]
            elif count > 0:
                idxs = idxs[:count]
            for i in sorted(idxs, reverse=True):
                del model[i]
            assert conn.call("LREM", "k", count, target) == len(idxs)
        elif op == 5 and model:
            a, b = rng.randrange(-len(model) - 2, len(model) + 2), rng.randrange(-len(model) - 2, len(model) + 2)
            n = len(model)
            s, e = (a + n if a < 0 else a), (b + n if b < 0 else b)
            s = max(s, 0)
            model[:] = [] if s > e or s >= n else model[s:min(e, n - 1) + 1]
            assert conn.call("LTRIM", "k", a, b) == b"OK"
        elif op == 6 and model:
            n = rng.randrange(1, 4)
            where = rng.choice(["LPOP", "RPOP"])
            got = conn.call(where, "k", n)
            want = model[:n] if where == "LPOP" else model[::-1][:n]
            if where == "LPOP":
                del model[:len(want)]
            else:
                del model[len(model) - len(want):]
            assert got == [w.encode() for w in want]
        elif op == 7 and model:
            i = rng.randrange(-len(model) - 1, len(model) + 1)
            want = model[i].encode() if -len(model) <= i < len(model) else None
            assert conn.call("LINDEX", "k", i) == want
        if step % 50 == 0 or op == 8:
            assert conn.call("LRANGE", "k", 0, -1) == [m.encode() for m in model]
    conn.close()


def test_list_compress_depth_accepts_only_zero(server_factory):
    with pytest.raises(servers.ServerError):
        server_factory("--list-compress-depth", "1")
    srv = server_factory("--list-compress-depth", "0", "--list-max-ziplist-size", "-5")
    with srv.raw() as conn:
        if has_command(conn, "config"):
            assert conn.call("CONFIG", "GET", "list-max-listpack-size") == [b"list-max-listpack-size", b"-5"]
            assert conn.call("CONFIG", "SET", "list-compress-depth", "2").startswith(b"ERR CONFIG SET failed")
            assert conn.call("CONFIG", "SET", "list-max-listpack-size", "7") == b"OK"
            assert conn.call("CONFIG", "GET", "list-max-ziplist-size") == [b"list-max-ziplist-size", b"7"]


# ---- job queues ----------------------------------------------------------


def test_job_queue_worker_gets_the_oldest_job_first(server, raw):
    producer = raw
    jobs = [{"id": 1, "task": "resize", "image": "a.png"}, {"id": 2, "task": "email", "to": "x@y"}]
    for job in jobs:
        producer.call("LPUSH", "jobs", json.dumps(job))
    with server.raw() as worker:
        key, payload = worker.call("BRPOP", "jobs", "5")
        assert key == b"jobs" and json.loads(payload) == jobs[0]
        key, payload = worker.call("BRPOP", "jobs", "5")
        assert json.loads(payload) == jobs[1]
        assert producer.call("LLEN", "jobs") == 0


def test_an_idle_brpop_with_timeout_half_a_second_returns_nil_after_about_that_long(server, raw):
    start = time.monotonic()
    raw.send_command("BRPOP", "jobs", "0.5")
    reply = raw.read_reply(timeout=3)
    elapsed = time.monotonic() - start
    assert reply.raw == b"*-1\r\n"
    assert 0.45 <= elapsed < 1.0, elapsed


def test_a_worker_blocked_forever_wakes_the_moment_a_job_is_pushed(server, raw):
    worker = blocked(server, "BRPOP", "jobs", "0")
    time.sleep(0.2)
    start = time.monotonic()
    raw.call("LPUSH", "jobs", '{"id": 7}')
    assert worker.read_reply(timeout=2).value == [b"jobs", b'{"id": 7}']
    assert time.monotonic() - start < 0.25
    assert raw.call("LLEN", "jobs") == 0
    worker.close()


def test_three_blocked_clients_are_served_in_the_order_they_blocked(server, raw):
    waiters = [blocked(server, "BLPOP", "q", "0") for _ in range(3)]
    raw.call("RPUSH", "q", "first")
    assert waiters[0].read_reply().value == [b"q", b"first"]
    assert_silent(waiters[1])
    raw.call("RPUSH", "q", "a", "b", "c")
    assert waiters[1].read_reply().value == [b"q", b"a"]
    assert waiters[2].read_reply().value == [b"q", b"b"]
    assert raw.call("LRANGE", "q", "0", "-1") == [b"c"]
    for w in waiters:
        w.close()


def test_a_client_blocked_on_several_keys_is_served_by_the_first_that_gets_data(server, raw):
    w = blocked(server, "BRPOP", "a", "b", "b", "c", "0")
    raw.call("RPUSH", "c", "from-c")
    assert w.read_reply().value == [b"c", b"from-c"]
    raw.call("RPUSH", "b", "stays")
    assert raw.call("LRANGE", "b", "0", "-1") == [b"stays"]
    w.close()


def test_a_client_served_before_its_timeout_gets_no_second_reply(server, raw):
    w = blocked(server, "BLPOP", "q", "0.3")
    raw.call("RPUSH", "q", "x")
    assert w.read_reply().value == [b"q", b"x"]
    assert_silent(w, 0.5)
    assert w.call("PING") == b"PONG"
    w.close()


def test_a_client_blocked_on_a_thousand_keys_is_served_by_the_last_one(server, raw):
    keys = [f"key:{i}" for i in range(1000)]
    w = blocked(server, "BLMPOP", "0", len(keys), *keys, "LEFT", "COUNT", "3")
    raw.call("RPUSH", keys[-1], "a", "b")
    assert w.read_reply().value == [keys[-1].encode(), [b"a", b"b"]]
    w.close()


def test_a_client_that_disconnects_while_blocked_is_cleaned_up(server, raw):
    gone = blocked(server, "BLPOP", "q", "0")
    gone.close()
    time.sleep(0.1)
    assert raw.call("RPUSH", "q", "x") == 1
    assert raw.call("LRANGE", "q", "0", "-1") == [b"x"]
    # Many come and go on the same and different keys.
    conns = [server.raw() for _ in range(50)]
    for i, c in enumerate(conns):
        c.send_command("BLMPOP", "0", "2", "q2", f"k{i % 5}", "LEFT")
    time.sleep(0.1)
    for c in conns:
        c.close()
    time.sleep(0.1)
    w = blocked(server, "BLPOP", "q2", "0")
    raw.call("RPUSH", "q2", "y")
    assert w.read_reply().value == [b"q2", b"y"]
    w.close()


def test_client_unblock_replies_nil_by_default_or_the_unblocked_error(server, raw):
    w = server.raw()
    wid = client_id(w)
    w.send_command("BLPOP", "q", "0")
    assert_silent(w, 0.05)
    assert raw.call("CLIENT", "UNBLOCK", wid) == 1
    assert w.read_reply().raw == b"*-1\r\n"
    w.send_command("BLMOVE", "q", "d", "LEFT", "RIGHT", "0")
    assert_silent(w, 0.05)
    assert raw.call("CLIENT", "UNBLOCK", wid, "ERROR") == 1
    assert w.read_reply().value == ErrorReply(b"UNBLOCKED client unblocked via CLIENT UNBLOCK")
    assert raw.call("CLIENT", "UNBLOCK", wid) == 0  # no longer blocked
    assert w.call("PING") == b"PONG"
    w.close()


def test_blmove_moves_the_element_when_it_arrives_and_wakes_the_next_waiter(server, raw):
    mover = blocked(server, "BLMOVE", "incoming", "work", "RIGHT", "LEFT", "0")
    worker = blocked(server, "BLPOP", "work", "0")
    raw.call("LPUSH", "incoming", "job")
    assert mover.read_reply().value == b"job"
    assert worker.read_reply().value == [b"work", b"job"]
    assert raw.call("LLEN", "incoming") == 0 and raw.call("LLEN", "work") == 0
    mover.close()
    worker.close()


def test_blmove_into_a_wrong_type_destination_fails_and_leaves_the_element(server, raw):
    mover = blocked(server, "BRPOPLPUSH", "src", "dst", "0")
    raw.call("SET", "dst", "string")
    raw.call("RPUSH", "src", "x")
    assert mover.read_reply().value.startswith(b"WRONGTYPE")
    assert raw.call("LRANGE", "src", "0", "-1") == [b"x"]
    mover.close()


def test_blmpop_pops_up_to_count_from_the_key_that_got_data(server, raw):
    w = blocked(server, "BLMPOP", "0", "2", "k1", "k2", "RIGHT", "COUNT", "2")
    raw.call("RPUSH", "k2", "a", "b", "c")
    assert w.read_reply().value == [b"k2", [b"c", b"b"]]
    w.close()


def test_a_blocked_client_keeps_waiting_while_the_key_holds_another_type(server, raw):
    w = blocked(server, "BLPOP", "k", "0")
    raw.call("SET", "k", "string")
    assert_silent(w)
    raw.call("DEL", "k")
    raw.call("RPUSH", "k", "now")
    assert w.read_reply().value == [b"k", b"now"]
    w.close()


def test_a_served_client_then_runs_the_commands_it_pipelined(server, raw):
    w = server.raw()
    w.send(b"*3\r\n$5\r\nBLPOP\r\n$1\r\nq\r\n$1\r\n0\r\n*3\r\n$5\r\nRPUSH\r\n$1\r\nr\r\n$1\r\n1\r\n"
           b"*1\r\n$4\r\nPING\r\n")
    assert_silent(w, 0.1)
    assert raw.call("LLEN", "r") == 0  # RPUSH r waits behind the blocked BLPOP
    raw.call("RPUSH", "q", "go")
    assert w.read_reply().value == [b"q", b"go"]
    assert w.read_reply().value == 1
    assert w.read_reply().value == b"PONG"
    w.close()


def test_a_push_in_another_db_does_not_serve_a_client_blocked_in_db_1(server, raw):
    w = server.raw()
    assert w.call("SELECT", "1") == b"OK"
    send_blocking(raw, w, "BLPOP", "k", "0")
    raw.call("RPUSH", "k", "db0")
    assert_silent(w)
    raw.call("SELECT", "1")
    raw.call("RPUSH", "k", "db1")
    assert w.read_reply().value == [b"k", b"db1"]
    raw.call("FLUSHALL")
    raw.call("SELECT", "0")
    w.close()


def test_blpop_is_served_when_rename_moves_a_list_onto_the_awaited_key(server, raw):
    w = blocked(server, "BLPOP", "jobs", "0")
    raw.call("RPUSH", "staging", "j1", "j2")
    assert raw.call("RENAME", "staging", "jobs") == b"OK"
    assert w.read_reply().value == [b"jobs", b"j1"]
    # RENAMENX, and RENAME over a key of another type (deleted, then added).
    send_blocking(raw, w, "BRPOP", "other", "0")
    raw.call("RPUSH", "staging", "x")
    assert raw.call("RENAMENX", "staging", "other") == 1
    assert w.read_reply().value == [b"other", b"x"]
    send_blocking(raw, w, "BLPOP", "s", "0")
    raw.call("SET", "s", "string")
    raw.call("RPUSH", "staging", "y")
    assert raw.call("RENAME", "staging", "s") == b"OK"
    assert w.read_reply().value == [b"s", b"y"]
    w.close()


def test_copy_move_and_lmove_into_a_new_list_serve_blocked_clients(server, raw):
    w = blocked(server, "BLPOP", "dst", "0")
    raw.call("RPUSH", "src", "a")
    assert raw.call("COPY", "src", "dst") == 1
    assert w.read_reply().value == [b"dst", b"a"]
    send_blocking(raw, w, "BLPOP", "dst", "0")
    assert raw.call("LMOVE", "src", "dst", "LEFT", "RIGHT") == b"a"
    assert w.read_reply().value == [b"dst", b"a"]
    in_db1 = server.raw()
    in_db1.call("SELECT", "1")
    in_db1.send_command("BLPOP", "moved", "0")
    assert_silent(in_db1, 0.05)
    raw.call("RPUSH", "moved", "m")
    assert raw.call("MOVE", "moved", "1") == 1
    assert in_db1.read_reply().value == [b"moved", b"m"]
    w.close()
    in_db1.close()


def test_swapdb_serves_clients_blocked_in_either_db(server, raw):
    in_db0 = blocked(server, "BLPOP", "k", "0")
    in_db1 = server.raw()
    in_db1.call("SELECT", "1")
    send_blocking(raw, in_db1, "BLPOP", "k", "0")
    assert_silent(in_db1, 0.05)
    raw.call("SELECT", "1")
    raw.call("RPUSH", "k", "was-db1", "more")
    assert in_db1.read_reply().value == [b"k", b"was-db1"]
    send_blocking(raw, in_db1, "BZPOPMIN", "z", "0")
    raw.call("SELECT", "0")
    raw.call("ZADD", "z", "1", "was-db0")
    assert_silent(in_db0)
    assert raw.call("SWAPDB", "0", "1") == b"OK"
    assert in_db0.read_reply().value == [b"k", b"more"]
    assert in_db1.read_reply().value == [b"z", b"was-db0", b"1"]
    raw.call("FLUSHALL")
    in_db0.close()
    in_db1.close()


def test_info_counts_blocked_clients_and_client_list_flags_them(server, raw):
    def info_field(name):
        for line in raw.call("INFO", "clients").decode().split("\r\n"):
            if line.startswith(name + ":"):
                return int(line.split(":")[1])
        raise AssertionError(name)

    assert info_field("blocked_clients") == 0
    forever = blocked(server, "BLPOP", "k", "0")
    timed = blocked(server, "BZPOPMIN", "z", "30")
    assert info_field("blocked_clients") == 2
    assert info_field("clients_in_timeout_table") == 1
    flags = [line.split(" flags=")[1].split(" ")[0]
             for line in raw.call("CLIENT", "LIST").decode().splitlines()]
    assert flags.count("b") == 2 and flags.count("N") >= 1
    raw.call("RPUSH", "k", "x")
    assert forever.read_reply().value == [b"k", b"x"]
    assert info_field("blocked_clients") == 1
    timed.close()
    time.sleep(0.1)
    assert info_field("blocked_clients") == 0
    assert info_field("clients_in_timeout_table") == 0
    forever.close()


def test_resp3_blocking_timeout_replies_null(server):
    with server.raw() as w:
        w.call("HELLO", "3")
        w.send_command("BLPOP", "k", "0.05")
        assert w.read_reply(timeout=2).raw == b"_\r\n"
        w.send_command("BLMOVE", "k", "d", "LEFT", "LEFT", "0.05")
        assert w.read_reply(timeout=2).raw == b"_\r\n"


def test_blocking_commands_inside_multi_reply_nil_at_once(server, raw):
    if not has_command(raw, "multi"):
        pytest.skip("MULTI is not in this build")
    assert raw.call("MULTI") == b"OK"
    for cmd in (["BLPOP", "q", "0"], ["BLMOVE", "q", "d", "LEFT", "LEFT", "0"],
                ["BLMPOP", "0", "1", "q", "LEFT"]):
        assert raw.call(*cmd) == b"QUEUED"
    raw.send_command("EXEC")
    assert raw.read_reply(timeout=1).raw == b"*3\r\n*-1\r\n$-1\r\n*-1\r\n"


def test_a_push_inside_multi_wakes_waiters_after_exec_with_the_final_state(server, raw):
    if not has_command(raw, "multi"):
        pytest.skip("MULTI is not in this build")
    w = blocked(server, "BLPOP", "q", "0")
    raw.call("MULTI")
    raw.call("RPUSH", "q", "a")
    raw.call("LPOP", "q")
    assert raw.call("EXEC") == [1, b"a"]
    assert_silent(w)
    raw.call("MULTI")
    raw.call("RPUSH", "q", "a", "b")
    raw.call("LPOP", "q")
    raw.call("EXEC")
    assert w.read_reply().value == [b"q", b"b"]
    w.close()


def test_the_idle_timeout_does_not_drop_blocked_clients(server_factory):
    srv = server_factory("--timeout", "1")
    w = srv.raw()
    w.send_command("BLPOP", "q", "0")
    idle = srv.raw()
    assert idle.call("PING") == b"PONG"
    assert idle.wait_closed(timeout=3)
    time.sleep(0.3)
    with srv.raw() as pusher:
        pusher.call("RPUSH", "q", "late")
    assert w.read_reply(timeout=2).value == [b"q", b"late"]
    w.close()


def test_blocked_clients_left_at_shutdown_are_freed_cleanly(server_factory):
    srv = server_factory()
    conns = []
    for i in range(20):
        c = srv.raw()
        c.send_command("BLMPOP", "30", "3", f"a{i}", "shared", f"b{i}", "LEFT", "COUNT", "2")
        conns.append(c)
    c = srv.raw()
    c.send_command("BRPOPLPUSH", "src", "dst", "0")
    conns.append(c)
    time.sleep(0.1)
    problems = srv.stop()
    assert not problems, problems
    for c in conns:
        c.close()


def test_list_keyspace_events_match_redis(server, ref_server):
    with server.raw() as probe:
        if not (has_command(probe, "config") and has_command(probe, "psubscribe")):
            pytest.skip("CONFIG/PSUBSCRIBE are not in this build")

    def events(srv, script):
        with srv.raw() as ctl, srv.raw() as sub:
            ctl.call("FLUSHALL")
            assert ctl.call("CONFIG", "SET", "notify-keyspace-events", "KEA") == b"OK"
            sub.call("PSUBSCRIBE", "__keyevent@0__:*")
            for cmd in script:
                ctl.call(*cmd)
            ctl.call("SET", "end", "1")
            out = []
            while True:
                msg = sub.read_reply(timeout=2).value
                if msg[2].endswith(b":set"):
                    break
                out.append((msg[2].split(b":", 1)[1], msg[3]))
            ctl.call("CONFIG", "SET", "notify-keyspace-events", "")
            return out

    script = [["RPUSH", "a", "1", "2", "3"], ["LPUSH", "a", "0"], ["LPOP", "a"], ["RPOP", "a", "1"],
              ["LSET", "a", "0", "x"], ["LINSERT", "a", "BEFORE", "x", "y"], ["LREM", "a", "0", "y"],
              ["LTRIM", "a", "0", "0"], ["LMOVE", "a", "b", "LEFT", "RIGHT"],
              ["RPOPLPUSH", "b", "b"], ["LMPOP", "1", "b", "LEFT"], ["LPUSHX", "b", "z"],
              ["RPUSH", "c", "1"], ["BLPOP", "c", "0"]]
    assert events(server, script) == events(ref_server, script)
