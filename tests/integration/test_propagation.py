"""The propagation stream (core/propagate.h): what each write is replayed
as, read back through DEBUG PROPAGATION-LOG, and the replay of a random
workload on an empty server giving the same dataset (support/replaycheck.py;
the 1,000,000-command run is `make replay-long`)."""

import os
import random
import time

import pytest

from conftest import SANITIZED
from support import replaycheck
from support.blocking import open_blocked


class Log:
    """The propagation log of `server` while in the with-block; `.commands`
    holds what was logged, as lists of bytes, SELECTs included."""

    def __init__(self, server, name="prop.resp"):
        self.path = os.path.join(server.tmpdir, name)
        if os.path.exists(self.path):
            os.unlink(self.path)
        self.conn = server.raw()
        self.commands = None

    def __enter__(self):
        assert self.conn.call("DEBUG", "PROPAGATION-LOG", self.path) == b"OK"
        return self

    def __exit__(self, *exc):
        assert self.conn.call("DEBUG", "PROPAGATION-LOG", "OFF") == b"OK"
        self.conn.close()
        with open(self.path, "rb") as f:
            data = f.read()
        self.commands = [parse_command(data[s:e]) for _, s, e in replaycheck.stream_commands(data)]

    def without_select(self):
        return [c for c in self.commands if c[0] != b"SELECT"]


def parse_command(raw):
    parts = raw.split(b"\r\n")
    argc = int(parts[0][1:])
    return [parts[2 + 2 * j] for j in range(argc)]


@pytest.fixture
def srv(server_factory):
    return server_factory()


def logged(srv, *commands):
    """Runs `commands` on a fresh connection and returns what was logged
    (SELECTs left out)."""
    c = srv.raw()
    with Log(srv) as log:
        for cmd in commands:
            c.call(*cmd)
    c.close()
    return log.without_select()


def test_a_plain_write_is_logged_as_sent_after_a_select_of_its_db(srv):
    c = srv.raw()
    with Log(srv) as log:
        c.call("SET", "k", "v")
        c.call("RPUSH", "l", "a", "b")
    assert log.commands == [[b"SELECT", b"0"], [b"SET", b"k", b"v"], [b"RPUSH", b"l", b"a", b"b"]]


def test_select_is_logged_when_the_db_of_the_writes_changes(srv):
    a, b = srv.raw(), srv.raw()
    b.call("SELECT", "2")
    with Log(srv) as log:
        a.call("SET", "x", "1")
        b.call("SET", "y", "2")
        b.call("SET", "z", "3")
        a.call("DEL", "x")
    assert log.commands == [[b"SELECT", b"0"], [b"SET", b"x", b"1"], [b"SELECT", b"2"],
                            [b"SET", b"y", b"2"], [b"SET", b"z", b"3"], [b"SELECT", b"0"],
                            [b"DEL", b"x"]]


def test_reads_errors_and_writes_that_change_nothing_log_nothing(srv):
    c = srv.raw()
    c.call("SET", "k", "v")
    c.call("LPUSH", "l", "x")
    assert logged(srv, ["GET", "k"], ["SETNX", "k", "w"], ["SET", "k", "w", "NX"],
                  ["LPUSHX", "missing", "x"], ["DEL", "missing"], ["EXPIRE", "missing", "10"],
                  ["INCR", "l"], ["SREM", "k", "x"], ["SETRANGE", "nokey", "0", ""],
                  ["PERSIST", "k"], ["ZADD", "l", "1", "m"]) == []


def test_relative_expire_times_are_logged_as_absolute_ones(srv):
    c = srv.raw()
    c.call("SET", "k", "v")
    before = int(time.time() * 1000)
    out = logged(srv, ["EXPIRE", "k", "100"], ["PEXPIRE", "k", "200000", "GT"],
                 ["EXPIREAT", "k", "4000000000"], ["SET", "s", "v", "EX", "100"],
                 ["SETEX", "t", "100", "v"], ["PSETEX", "u", "100000", "v"],
                 ["SET", "w", "v", "PX", "100000", "GET"], ["GETEX", "w", "EX", "300"],
                 ["GETEX", "w", "PERSIST"])
    after = int(time.time() * 1000)
    names = [cmd[0] for cmd in out]
    assert names == [b"PEXPIREAT", b"PEXPIREAT", b"PEXPIREAT", b"SET", b"SET", b"SET", b"SET",
                     b"PEXPIREAT", b"PERSIST"]
    assert out[2] == [b"PEXPIREAT", b"k", b"4000000000000"]
    assert before + 100000 <= int(out[0][2]) <= after + 100000
    assert before + 200000 <= int(out[1][2]) <= after + 200000
    for cmd, key, ms in ((out[3], b"s", 100000), (out[4], b"t", 100000), (out[5], b"u", 100000),
                         (out[6], b"w", 100000)):
        assert cmd[:3] == [b"SET", key, b"v"] and cmd[3] == b"PXAT"
        assert before + ms <= int(cmd[4]) <= after + ms
    assert out[7][:2] == [b"PEXPIREAT", b"w"] and before + 300000 <= int(out[7][2]) <= after + 300000
    assert out[8] == [b"PERSIST", b"w"]


def test_an_expire_time_in_the_past_is_logged_as_del(srv):
    c = srv.raw()
    c.call("SET", "a", "1")
    c.call("SET", "b", "1")
    assert logged(srv, ["EXPIRE", "a", "-1"], ["GETEX", "b", "PXAT", "1"]) == [
        [b"DEL", b"a"], [b"DEL", b"b"]]


def test_a_key_found_expired_is_logged_as_del_before_the_command_that_met_it(srv):
    c = srv.raw()
    c.call("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    c.call("SET", "k", "old", "PX", "1")
    time.sleep(0.01)
    assert logged(srv, ["GET", "k"]) == [[b"DEL", b"k"]]
    c.call("SET", "k", "old", "PX", "1")
    time.sleep(0.01)
    # The deletion and the write are one unit: wrapped like a transaction.
    assert logged(srv, ["APPEND", "k", "new"]) == [
        [b"MULTI"], [b"DEL", b"k"], [b"APPEND", b"k", b"new"], [b"EXEC"]]
    c.call("DEBUG", "SET-ACTIVE-EXPIRE", "1")


def test_the_active_expiry_cycle_logs_del_for_each_key_it_removes(srv):
    c = srv.raw()
    c.call("SET", "k", "v", "PX", "1")
    with Log(srv) as log:
        deadline = time.monotonic() + 10
        while c.call("DBSIZE") != 0:
            assert time.monotonic() < deadline, "active expiry did not remove the key"
            time.sleep(0.01)
    assert log.without_select() == [[b"DEL", b"k"]]


def test_random_and_float_writes_are_logged_as_their_result(srv):
    c = srv.raw()
    c.call("SADD", "s", "a", "b", "c", "d", "e")
    c.call("SET", "f", "1.5", "PX", "1000000")
    popped = None
    with Log(srv) as log:
        popped = c.call("SPOP", "s")
        popped2 = c.call("SPOP", "s", "2")
        c.call("INCRBYFLOAT", "f", "0.25")
        c.call("HINCRBYFLOAT", "h", "fld", "2.5")
        c.call("SPOP", "s", "10")
    out = log.without_select()
    assert out[0] == [b"SREM", b"s", popped]
    assert out[1][:2] == [b"SREM", b"s"] and sorted(out[1][2:]) == sorted(popped2)
    assert out[2] == [b"SET", b"f", b"1.75", b"KEEPTTL"]
    assert out[3] == [b"HSET", b"h", b"fld", b"2.5"]
    assert out[4] == [b"DEL", b"s"]


def test_blocking_pops_are_logged_as_the_pop_they_made(srv):
    c = srv.raw()
    c.call("RPUSH", "l", "a", "b", "c", "d")
    c.call("ZADD", "z", "1", "x", "2", "y", "3", "w")
    assert logged(srv, ["BLPOP", "nothing", "l", "0"], ["BRPOP", "l", "0"],
                  ["BLMOVE", "l", "m", "LEFT", "RIGHT", "0"], ["BRPOPLPUSH", "m", "l", "0"],
                  ["BLMPOP", "0", "2", "x", "l", "RIGHT", "COUNT", "5"],
                  ["LMPOP", "1", "m", "LEFT"], ["BZPOPMIN", "z", "0"],
                  ["BZMPOP", "0", "1", "z", "MAX", "COUNT", "5"]) == [
        [b"LPOP", b"l"], [b"RPOP", b"l"], [b"LMOVE", b"l", b"m", b"LEFT", b"RIGHT"],
        [b"LMOVE", b"m", b"l", b"RIGHT", b"LEFT"], [b"RPOP", b"l", b"2"],
        [b"ZPOPMIN", b"z", b"1"], [b"ZPOPMAX", b"z", b"2"]]


def test_a_blocked_client_served_later_is_logged_as_the_non_blocking_pop(srv):
    c = srv.raw()
    with Log(srv) as log:
        waiter = open_blocked(srv, "BLPOP", "q", "0")
        c.call("RPUSH", "q", "job")
        assert waiter.read_reply().value == [b"q", b"job"]
        waiter.close()
    assert log.without_select() == [[b"RPUSH", b"q", b"job"], [b"LPOP", b"q"]]


def test_exec_is_logged_as_multi_its_writes_exec(srv):
    c = srv.raw()
    c.call("MULTI")
    c.call("SET", "a", "1")
    c.call("GET", "a")
    c.call("SELECT", "1")
    c.call("INCR", "b")
    with Log(srv) as log:
        c.call("EXEC")
    assert log.commands == [[b"SELECT", b"0"], [b"MULTI"], [b"SET", b"a", b"1"],
                            [b"SELECT", b"1"], [b"INCR", b"b"], [b"EXEC"]]


def test_a_transaction_with_one_write_is_logged_unwrapped_and_a_failed_one_not_at_all(srv):
    c, other = srv.raw(), srv.raw()
    with Log(srv) as log:
        c.call("MULTI")
        c.call("GET", "a")
        c.call("SET", "a", "1")
        c.call("EXEC")
        c.call("WATCH", "w")
        other.call("SET", "w", "x")
        c.call("MULTI")
        c.call("SET", "a", "2")
        assert c.call("EXEC") is None
    assert log.without_select() == [[b"SET", b"a", b"1"], [b"SET", b"w", b"x"]]


def test_flushdb_is_logged_even_on_an_empty_db(srv):
    assert logged(srv, ["FLUSHDB"], ["FLUSHALL"]) == [[b"FLUSHDB"], [b"FLUSHALL"]]


def test_xadd_is_logged_with_the_id_it_got_and_an_exact_trim(srv):
    c = srv.raw()
    for j in range(30):
        c.call("XADD", "s", f"{j + 1}-1", "f", "v")
    out = logged(srv, ["XADD", "s", "*", "f", "v"], ["XADD", "s", "MAXLEN", "~", "5", "*", "g", "w"],
                 ["XADD", "s", "NOMKSTREAM", "MAXLEN", "100", "999999999999999-*", "h", "x"])
    idauto = out[0][2]
    assert out[0] == [b"XADD", b"s", idauto, b"f", b"v"] and idauto != b"*"
    length = c.call("XLEN", "s")
    assert out[1][:5] == [b"XADD", b"s", b"MAXLEN", b"=", out[1][4]] and out[1][6:] == [b"g", b"w"]
    assert out[2] == [b"XADD", b"s", b"MAXLEN", b"=", b"100", b"999999999999999-0", b"h", b"x"]
    assert int(out[1][4]) == length - 1


def test_xreadgroup_is_logged_as_consumer_creation_claims_and_the_group_id(srv):
    c = srv.raw()
    c.call("XADD", "s", "1-1", "f", "v")
    c.call("XADD", "s", "2-1", "f", "v")
    c.call("XGROUP", "CREATE", "s", "g", "0")
    out = logged(srv, ["XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", ">"])
    assert out[0] == [b"MULTI"] and out[-1] == [b"EXEC"]
    assert out[1] == [b"XGROUP", b"CREATECONSUMER", b"s", b"g", b"alice"]
    for cmd, id_ in zip(out[2:4], (b"1-1", b"2-1")):
        assert cmd[:6] == [b"XCLAIM", b"s", b"g", b"alice", b"0", id_]
        assert cmd[6] == b"TIME" and cmd[8:] == [b"RETRYCOUNT", b"1", b"FORCE", b"JUSTID", b"LASTID", id_]
    assert out[4] == [b"XGROUP", b"SETID", b"s", b"g", b"2-1", b"ENTRIESREAD", b"2"]
    assert len(out) == 6


def test_rdb_changes_since_last_save_counts_changes(srv):
    cl = srv.client()
    before = cl.info("persistence")["rdb_changes_since_last_save"]
    cl.set("a", "1")
    cl.set("b", "2")
    cl.get("a")
    cl.setnx("a", "3")
    assert cl.info("persistence")["rdb_changes_since_last_save"] == before + 2


def test_the_log_file_argument_is_checked(srv):
    c = srv.raw()
    err = c.call("DEBUG", "PROPAGATION-LOG", "/nonexistent-dir/x")
    assert err.startswith(b"ERR can't open /nonexistent-dir/x")
    assert c.call("DEBUG", "PROPAGATION-LOG", "OFF") == b"OK"


@pytest.mark.parametrize("seed", [1, random.randrange(1 << 30)])
def test_replaying_the_stream_of_a_random_workload_rebuilds_the_same_dataset(tern_binary, seed):
    commands = 5_000 if SANITIZED else 30_000
    da, db, diffs, stats = replaycheck.run(tern_binary, commands, seed, sanitized=SANITIZED,
                                           log=lambda m: None)
    assert stats["errors"] == 0, f"seed {seed}: the replay got error replies"
    assert not diffs, f"seed {seed}: first differences {diffs[:3]}"
    assert da == db, f"seed {seed}"
    assert stats["keys"] > 50
