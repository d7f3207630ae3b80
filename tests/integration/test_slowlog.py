"""SLOWLOG: what is logged (threshold, max length, EXEC's commands, scripts,
blocked commands once served), the 7.0 entry shape and argument truncation,
secrets redacted, GET/LEN/RESET/HELP and their errors, and INFO
commandstats/errorstats details that go with it."""

import time

import pytest

from support.blocking import open_blocked


@pytest.fixture
def slow(server_factory):
    """A dedicated server logging every command, and a raw connection to it."""
    srv = server_factory("--slowlog-log-slower-than", "0")
    conn = srv.raw()
    conn.call("SLOWLOG", "RESET")
    yield srv, conn
    conn.close()


def _args(entry):
    return entry[3]


def test_a_new_server_starts_with_an_empty_slow_log_and_redis_defaults(server_factory):
    srv = server_factory()
    with srv.raw() as c:
        assert c.call("SLOWLOG", "LEN") == 0
        assert c.call("SLOWLOG", "GET") == []
        assert c.call("CONFIG", "GET", "slowlog-*") == [
            b"slowlog-log-slower-than", b"10000", b"slowlog-max-len", b"128"]


def test_only_commands_slower_than_the_threshold_are_logged(server_factory):
    srv = server_factory()
    with srv.raw() as c:
        c.call("CONFIG", "SET", "slowlog-log-slower-than", "100000")
        c.call("SLOWLOG", "RESET")
        c.call("PING")
        assert c.call("SLOWLOG", "LEN") == 0
        c.call("DEBUG", "SLEEP", "0.2")
        assert c.call("SLOWLOG", "LEN") == 1
        entry = c.call("SLOWLOG", "GET")[0]
        assert _args(entry) == [b"DEBUG", b"SLEEP", b"0.2"]
        assert entry[2] >= 200000


def test_an_entry_has_id_time_duration_arguments_peer_and_name(slow):
    srv, c = slow
    c.call("CLIENT", "SETNAME", "foobar")
    before = int(time.time())
    c.call("SET", "k", "v")
    info = c.call("CLIENT", "INFO").decode()
    addr = [f for f in info.split() if f.startswith("addr=")][0][5:]
    entries = c.call("SLOWLOG", "GET", "2")
    entry = entries[0] if _args(entries[0])[0] == b"SET" else entries[1]
    assert len(entry) == 6
    ident, when, duration, args, peer, name = entry
    assert isinstance(ident, int) and ident >= 0
    assert before - 1 <= when <= time.time() + 1
    assert duration >= 0
    assert args == [b"SET", b"k", b"v"]
    assert peer == addr.encode()
    assert name == b"foobar"


def test_ids_grow_and_the_newest_entry_comes_first(slow):
    srv, c = slow
    c.call("SET", "a", "1")
    c.call("GET", "a")
    e = c.call("SLOWLOG", "GET", "-1")
    assert [_args(x)[0] for x in e[:3]] == [b"GET", b"SET", b"SLOWLOG"]
    assert e[0][0] == e[1][0] + 1 == e[2][0] + 2


def test_the_log_keeps_at_most_slowlog_max_len_entries(slow):
    srv, c = slow
    c.call("CONFIG", "SET", "slowlog-max-len", "10")
    for _ in range(100):
        c.call("PING")
    assert c.call("SLOWLOG", "LEN") == 10
    assert len(c.call("SLOWLOG", "GET", "5")) == 5
    assert len(c.call("SLOWLOG", "GET")) == 10


def test_lowering_max_len_trims_at_the_next_logged_command(slow):
    srv, c = slow
    for _ in range(5):
        c.call("PING")
    c.call("CONFIG", "SET", "slowlog-max-len", "1")
    c.call("CLIENT", "SETNAME", "last")
    entries = c.call("SLOWLOG", "GET")
    assert len(entries) == 1
    assert entries[0][5] == b"last"


def test_get_counts_zero_one_all_and_minus_one(slow):
    srv, c = slow
    c.call("CONFIG", "SET", "slowlog-max-len", "3")
    for cmd in (("SET", "key", "x"), ("SADD", "set", "a"), ("INCR", "num"), ("LPUSH", "l", "a")):
        c.call(*cmd)
    assert c.call("SLOWLOG", "LEN") == 3
    assert c.call("SLOWLOG", "GET", "0") == []
    assert len(c.call("SLOWLOG", "GET", "1")) == 1
    assert len(c.call("SLOWLOG", "GET", "-1")) == 3
    assert len(c.call("SLOWLOG", "GET", "3")) == 3
    assert len(c.call("SLOWLOG", "GET", "1000")) == 3


def test_get_rejects_bad_counts_and_extra_arguments(raw):
    for bad in ("-2", "-222", "abc", "1.5"):
        assert raw.call("SLOWLOG", "GET", bad) == b"ERR count should be greater than or equal to -1"
    assert raw.call("SLOWLOG", "GET", "1", "2") == (
        b"ERR unknown subcommand or wrong number of arguments for 'GET'. Try SLOWLOG HELP.")
    assert raw.call("SLOWLOG", "NOPE") == b"ERR unknown subcommand 'NOPE'. Try SLOWLOG HELP."
    assert raw.call("SLOWLOG") == b"ERR wrong number of arguments for 'slowlog' command"
    assert raw.call("SLOWLOG", "LEN", "x") == b"ERR wrong number of arguments for 'slowlog|len' command"


def test_reset_empties_the_log(slow):
    srv, c = slow
    c.call("PING")
    assert c.call("SLOWLOG", "RESET") == b"OK"
    # The RESET itself is logged after it ran.
    entries = c.call("SLOWLOG", "GET")
    assert [_args(e) for e in entries] == [[b"SLOWLOG", b"RESET"]]


def test_a_negative_threshold_disables_the_log(slow):
    srv, c = slow
    c.call("CONFIG", "SET", "slowlog-log-slower-than", "-1")
    c.call("SLOWLOG", "RESET")
    c.call("DEBUG", "SLEEP", "0.01")
    assert c.call("SLOWLOG", "LEN") == 0


def test_more_than_32_arguments_are_cut_with_a_count_of_the_rest(slow):
    srv, c = slow
    c.call("SADD", "set", *[str(n) for n in range(3, 34)])
    entry = c.call("SLOWLOG", "GET", "1")[0]
    assert len(_args(entry)) == 32
    assert _args(entry)[:3] == [b"SADD", b"set", b"3"]
    assert _args(entry)[30] == b"31"
    assert _args(entry)[31] == b"... (2 more arguments)"


def test_exactly_32_arguments_are_kept_whole(slow):
    srv, c = slow
    c.call("SADD", "set", *[str(n) for n in range(30)])
    args = _args(c.call("SLOWLOG", "GET", "1")[0])
    assert len(args) == 32 and args[-1] == b"29"


def test_arguments_longer_than_128_bytes_are_cut_with_a_byte_count(slow):
    srv, c = slow
    c.call("SADD", "set", "foo", "A" * 129, "B" * 128, "C" * 1000)
    args = _args(c.call("SLOWLOG", "GET", "1")[0])
    assert args[3] == b"A" * 128 + b"... (1 more bytes)"
    assert args[4] == b"B" * 128
    assert args[5] == b"C" * 128 + b"... (872 more bytes)"


def test_exec_is_not_logged_but_the_commands_it_ran_are(slow):
    srv, c = slow
    c.call("MULTI")
    c.call("SET", "a", "1")
    c.call("INCR", "a")
    c.call("EXEC")
    names = [_args(e)[0] for e in c.call("SLOWLOG", "GET")]
    assert names[:3] == [b"INCR", b"SET", b"MULTI"]
    assert b"EXEC" not in names and b"exec" not in names


def test_commands_run_by_a_script_are_logged_with_the_script_peer(slow):
    srv, c = slow
    c.call("EVAL", "redis.call('set','a','b') return 1", "0")
    entries = c.call("SLOWLOG", "GET", "2")
    assert _args(entries[0])[0] == b"EVAL"
    assert _args(entries[1]) == [b"set", b"a", b"b"]
    assert entries[1][4] == b"?:0"
    assert entries[1][5] == b""


def test_auth_hello_and_config_set_requirepass_are_logged_without_secrets(slow):
    srv, c = slow
    c.call("AUTH", "onlypass")
    c.call("AUTH", "someuser", "pw")
    c.call("AUTH", "a", "b", "c")  # syntax error: nothing to hide
    c.call("HELLO", "2", "AUTH", "default", "secret", "SETNAME", "n")
    c.call("CONFIG", "SET", "requirepass", "")
    c.call("CONFIG", "SET", "requirepass", "", "nosuch", "x")
    got = [_args(e) for e in c.call("SLOWLOG", "GET", "6")]
    assert got == [
        [b"CONFIG", b"SET", b"requirepass", b"(redacted)", b"nosuch", b"x"],
        [b"CONFIG", b"SET", b"requirepass", b"(redacted)"],
        [b"HELLO", b"2", b"AUTH", b"(redacted)", b"(redacted)", b"SETNAME", b"n"],
        [b"AUTH", b"a", b"b", b"c"],
        [b"AUTH", b"(redacted)", b"(redacted)"],
        [b"AUTH", b"(redacted)"],
    ]


def test_a_blocked_command_is_logged_with_its_arguments_once_served(slow):
    srv, c = slow
    waiter = open_blocked(srv, "BLPOP", "list", "0")
    try:
        c.call("SLOWLOG", "RESET")
        c.call("MULTI")
        c.call("LPUSH", "list", "foo")
        c.call("EXEC")
        assert waiter.read_reply().value == [b"list", b"foo"]
    finally:
        waiter.close()
    names = [_args(e) for e in c.call("SLOWLOG", "GET")]
    assert names[0] == [b"BLPOP", b"list", b"0"]


def test_a_blocked_command_that_times_out_is_not_logged(slow):
    srv, c = slow
    waiter = open_blocked(srv, "BLPOP", "list", "0.05")
    try:
        assert waiter.read_reply().value is None
    finally:
        waiter.close()
    assert all(_args(e)[0] != b"BLPOP" for e in c.call("SLOWLOG", "GET", "-1"))


def test_client_unblock_logs_the_blocked_command(slow):
    srv, c = slow
    waiter = open_blocked(srv, "BLPOP", "list", "0")
    try:
        ids = [ln for ln in c.call("CLIENT", "LIST").decode().splitlines() if "cmd=blpop" in ln]
        cid = ids[0].split()[0][3:]
        assert c.call("CLIENT", "UNBLOCK", cid, "ERROR") == 1
        assert waiter.read_reply().value.startswith(b"UNBLOCKED")
    finally:
        waiter.close()
    assert _args(c.call("SLOWLOG", "GET", "2")[1]) == [b"BLPOP", b"list", b"0"]


def test_help_lists_the_subcommands(raw):
    lines = raw.call("SLOWLOG", "HELP")
    assert lines[0].startswith(b"SLOWLOG <subcommand>")
    assert b"GET [<count>]" in lines and b"LEN" in lines and b"RESET" in lines


def test_config_set_checks_the_slowlog_bounds(raw):
    assert raw.call("CONFIG", "SET", "slowlog-log-slower-than", "-2").startswith(
        b"ERR CONFIG SET failed (possibly related to argument 'slowlog-log-slower-than')")
    assert raw.call("CONFIG", "SET", "slowlog-max-len", "-1").startswith(
        b"ERR CONFIG SET failed (possibly related to argument 'slowlog-max-len')")


def test_a_served_blocked_command_counts_one_call_in_commandstats(server_factory):
    srv = server_factory()
    with srv.raw() as c:
        waiter = open_blocked(srv, "BLPOP", "q", "0")
        try:
            c.call("RPUSH", "q", "x")
            assert waiter.read_reply().value == [b"q", b"x"]
        finally:
            waiter.close()
        stats = c.call("INFO", "commandstats").decode()
        line = [ln for ln in stats.splitlines() if ln.startswith("cmdstat_blpop:")][0]
        assert "calls=1," in line and "failed_calls=0" in line


def test_errorstats_are_listed_in_byte_order_and_prefixes_need_a_space(server_factory):
    srv = server_factory()
    with srv.raw() as c:
        c.call("SET", "k", "v")
        c.call("LPUSH", "k", "v")
        c.call("EVAL", "return {err='NOSPACEATALL'}", "0")
        c.call("EVAL", "return {err='" + "X" * 40 + " tail'}", "0")
        c.call("EVAL", "return {err='AAA bb'}", "0")
        c.call("INCR", "k")
        text = c.call("INFO", "errorstats").decode()
    lines = [ln for ln in text.splitlines() if ln.startswith("errorstat_")]
    assert lines == ["errorstat_AAA:count=1", "errorstat_ERR:count=3", "errorstat_WRONGTYPE:count=1"]
