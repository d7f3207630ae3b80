"""CLIENT PAUSE / UNPAUSE: which commands wait under WRITE and ALL, that
held clients resume in arrival order with their pipelined input, that
expiry stops meanwhile, and the argument errors."""

import time

import pytest

from support.blocking import blocked_count
from support.resp import ReplyTimeout


def _wait_blocked(info, n, timeout=5.0):
    deadline = time.monotonic() + timeout
    while blocked_count(info) != n:
        if time.monotonic() > deadline:
            raise AssertionError(f"blocked_clients never reached {n} (is {blocked_count(info)})")
        time.sleep(0.002)


@pytest.fixture
def paused(server_factory):
    """A dedicated server and a control connection; unpauses at the end."""
    srv = server_factory()
    ctl = srv.raw()
    yield srv, ctl
    ctl.call("CLIENT", "UNPAUSE")
    ctl.close()


def _held(srv, ctl, *cmd):
    """A new connection that sent `cmd`, returned once the server holds it."""
    before = blocked_count(ctl)
    conn = srv.raw()
    conn.send_command(*cmd)
    _wait_blocked(ctl, before + 1)
    return conn


def test_reads_run_during_a_write_pause(paused):
    srv, ctl = paused
    ctl.call("SET", "k", "v")
    assert ctl.call("CLIENT", "PAUSE", "100000", "WRITE") == b"OK"
    with srv.raw() as c:
        assert c.call("GET", "k") == b"v"
        assert c.call("PING") == b"PONG"
        assert c.call("EXISTS", "k") == 1
    assert blocked_count(ctl) == 0


def test_writes_wait_for_unpause_then_run(paused):
    srv, ctl = paused
    ctl.call("CLIENT", "PAUSE", "100000", "WRITE")
    w = _held(srv, ctl, "SET", "k", "v")
    with pytest.raises(ReplyTimeout):
        w.read_reply(timeout=0.1)
    assert ctl.call("GET", "k") is None
    assert ctl.call("CLIENT", "UNPAUSE") == b"OK"
    assert w.read_reply().value == b"OK"
    assert ctl.call("GET", "k") == b"v"
    w.close()


def test_a_held_client_is_listed_as_blocked(paused):
    srv, ctl = paused
    ctl.call("CLIENT", "PAUSE", "100000", "WRITE")
    w = _held(srv, ctl, "SET", "k", "v")
    lines = ctl.call("CLIENT", "LIST").decode().splitlines()
    mine = [ln for ln in lines if "cmd=NULL" in ln or "cmd=set" in ln]
    assert any(" flags=b " in ln for ln in mine), lines
    ctl.call("CLIENT", "UNPAUSE")
    assert w.read_reply().value == b"OK"
    w.close()


def test_publish_and_pfcount_count_as_writes(paused):
    srv, ctl = paused
    ctl.call("PFADD", "hll", "a")
    ctl.call("CLIENT", "PAUSE", "100000", "WRITE")
    a = _held(srv, ctl, "PFCOUNT", "hll")
    b = _held(srv, ctl, "PUBLISH", "ch", "msg")
    ctl.call("CLIENT", "UNPAUSE")
    assert a.read_reply().value == 1
    assert b.read_reply().value == 0
    a.close()
    b.close()


def test_a_transaction_of_reads_runs_but_exec_of_writes_waits(paused):
    srv, ctl = paused
    ctl.call("SET", "k", "v")
    ctl.call("CLIENT", "PAUSE", "100000", "WRITE")
    with srv.raw() as r:
        assert r.call("MULTI") == b"OK"
        assert r.call("GET", "k") == b"QUEUED"
        assert r.call("EXEC") == [b"v"]
    w = srv.raw()
    ctl.call("CLIENT", "UNPAUSE")
    w.call("MULTI")
    w.call("SET", "k", "w")
    ctl.call("CLIENT", "PAUSE", "100000", "WRITE")
    before = blocked_count(ctl)
    w.send_command("EXEC")
    _wait_blocked(ctl, before + 1)
    ctl.call("CLIENT", "UNPAUSE")
    assert w.read_reply().value == [b"OK"]
    w.close()


def test_scripts_wait_unless_declared_no_writes(paused):
    srv, ctl = paused
    ctl.call("SET", "x", "y")
    ctl.call("FUNCTION", "LOAD", "REPLACE",
             "#!lua name=plib\nredis.register_function{function_name='ro', "
             "callback=function() return 'hello' end, flags={'no-writes'}}")
    ctl.call("CLIENT", "PAUSE", "100000", "WRITE")
    plain = _held(srv, ctl, "EVAL", "return 1", "0")
    shebang = _held(srv, ctl, "EVAL", "#!lua\nreturn 2", "0")
    with srv.raw() as r:
        assert r.call("EVAL", "#!lua flags=no-writes\nreturn 'ro'", "0") == b"ro"
        assert r.call("EVAL_RO", "return redis.call('get', KEYS[1])", "1", "x") == b"y"
        assert r.call("FCALL", "ro", "0") == b"hello"
    ctl.call("CLIENT", "UNPAUSE")
    assert plain.read_reply().value == 1
    assert shebang.read_reply().value == 2
    plain.close()
    shebang.close()


def test_held_clients_resume_in_arrival_order_with_their_pipelines(paused):
    srv, ctl = paused
    ctl.call("CLIENT", "PAUSE", "100000", "WRITE")
    conns = []
    for i in range(3):
        c = _held(srv, ctl, "RPUSH", "order", str(i))
        c.send_command("RPUSH", "order", f"{i}b")
        conns.append(c)
    ctl.call("CLIENT", "UNPAUSE")
    for c in conns:
        c.read_reply()
        c.read_reply()
        c.close()
    assert ctl.call("LRANGE", "order", "0", "-1") == [b"0", b"0b", b"1", b"1b", b"2", b"2b"]


def test_an_arity_error_is_answered_at_once(paused):
    srv, ctl = paused
    ctl.call("CLIENT", "PAUSE", "100000", "WRITE")
    with srv.raw() as c:
        assert c.call("SET", "k") == b"ERR wrong number of arguments for 'set' command"


def test_keys_do_not_expire_while_paused(paused):
    srv, ctl = paused
    ctl.call("MULTI")
    ctl.call("SET", "a", "1", "PX", "10")
    ctl.call("SET", "b", "2", "PX", "10")
    ctl.call("CLIENT", "PAUSE", "100000", "WRITE")
    ctl.call("EXEC")
    expired = _stat(ctl, "expired_keys")
    time.sleep(0.05)
    assert ctl.call("GET", "a") is None and ctl.call("GET", "b") is None
    time.sleep(0.2)  # a few active expiry cycles
    assert _stat(ctl, "expired_keys") == expired
    assert ctl.call("DBSIZE") == 2
    ctl.call("CLIENT", "UNPAUSE")
    ctl.call("GET", "a")
    ctl.call("GET", "b")
    assert _stat(ctl, "expired_keys") == expired + 2


def _stat(conn, name):
    for line in conn.call("INFO", "stats").decode().splitlines():
        if line.startswith(name + ":"):
            return int(line.split(":", 1)[1])
    raise AssertionError(name)


def test_a_pause_inside_a_transaction_starts_after_it(paused):
    srv, ctl = paused
    ctl.call("MULTI")
    ctl.call("SET", "one", "1")
    ctl.call("CLIENT", "PAUSE", "100000", "WRITE")
    ctl.call("SET", "two", "2")
    assert ctl.call("EXEC") == [b"OK", b"OK", b"OK"]
    w = _held(srv, ctl, "SET", "three", "3")
    assert ctl.call("GET", "one") == b"1" and ctl.call("GET", "two") == b"2"
    assert ctl.call("GET", "three") is None
    ctl.call("CLIENT", "UNPAUSE")
    assert w.read_reply().value == b"OK"
    w.close()


def test_pause_all_holds_everything_until_its_time_is_up(paused):
    srv, ctl = paused
    start = time.monotonic()
    assert ctl.call("CLIENT", "PAUSE", "300", "ALL") == b"OK"
    with srv.raw() as c:
        # Even CLIENT UNPAUSE waits under ALL, as in Redis 7.0.
        assert c.call("CLIENT", "UNPAUSE") == b"OK"
    assert time.monotonic() - start >= 0.29
    assert ctl.call("PING") == b"PONG"


def test_a_shorter_or_weaker_pause_does_not_shorten_the_current_one(paused):
    srv, ctl = paused
    ctl.call("CLIENT", "PAUSE", "100000", "WRITE")
    ctl.call("CLIENT", "PAUSE", "1", "WRITE")
    time.sleep(0.05)
    w = _held(srv, ctl, "SET", "k", "v")
    ctl.call("CLIENT", "UNPAUSE")
    assert w.read_reply().value == b"OK"
    w.close()


def test_a_zero_timeout_pause_ends_at_once(paused):
    srv, ctl = paused
    assert ctl.call("CLIENT", "PAUSE", "0") == b"OK"
    with srv.raw() as c:
        assert c.call("SET", "k", "v") == b"OK"


def test_a_huge_timeout_is_accepted_and_unpause_ends_it(paused):
    srv, ctl = paused
    assert ctl.call("CLIENT", "PAUSE", str(2**63 - 1), "WRITE") == b"OK"
    w = _held(srv, ctl, "SET", "k", "v")
    ctl.call("CLIENT", "UNPAUSE")
    assert w.read_reply().value == b"OK"
    w.close()


def test_a_held_client_can_be_killed(paused):
    srv, ctl = paused
    ctl.call("CLIENT", "PAUSE", "100000", "WRITE")
    w = _held(srv, ctl, "SET", "k", "v")
    w.close()
    _wait_blocked(ctl, 0)
    ctl.call("CLIENT", "UNPAUSE")
    assert ctl.call("GET", "k") is None


def test_monitors_are_not_held(paused):
    srv, ctl = paused
    m = srv.raw()
    m.call("MONITOR")
    ctl.call("CLIENT", "PAUSE", "100000", "ALL")
    m.send_command("PING")
    assert m.read_reply(timeout=2).value == b"PONG"
    m.read_reply()  # its own PING, monitored
    # Only an exempt client can end an ALL pause early.
    m.send_command("CLIENT", "UNPAUSE")
    assert m.read_reply(timeout=2).value == b"OK"
    m.close()
    assert ctl.call("PING") == b"PONG"


def test_argument_errors(raw):
    assert raw.call("CLIENT", "PAUSE", "abc") == b"ERR timeout is not an integer or out of range"
    assert raw.call("CLIENT", "PAUSE", "-1") == b"ERR timeout is negative"
    assert raw.call("CLIENT", "PAUSE", "100", "foo") == b"ERR CLIENT PAUSE mode must be WRITE or ALL"
    assert raw.call("CLIENT", "PAUSE", "abc", "foo") == b"ERR CLIENT PAUSE mode must be WRITE or ALL"
    assert raw.call("CLIENT", "PAUSE", "100", "all", "x") == (
        b"ERR unknown subcommand or wrong number of arguments for 'PAUSE'. Try CLIENT HELP.")
    assert raw.call("CLIENT", "UNPAUSE", "x") == (
        b"ERR wrong number of arguments for 'client|unpause' command")
