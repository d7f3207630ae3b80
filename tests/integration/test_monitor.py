"""MONITOR: the line format, what is shown (and in which order: MULTI/EXEC,
scripts, blocked commands), what is hidden (administrative commands,
secrets), what a monitoring client may still run, and how monitoring ends.

The scenario tests replay the same connections against the reference
redis-server and compare the lines with timestamps and client addresses
normalized."""

import re

import pytest

from support.resp import ReplyTimeout

LINE = re.compile(rb"^\+(\d+)\.(\d{6}) \[(\d+) ([^\]]+)\] (.*)\r\n$", re.S)


def _start_monitor(srv):
    m = srv.raw()
    assert m.call("MONITOR") == b"OK"
    return m


def _lines(m, n):
    return [m.read_reply(timeout=5).raw for _ in range(n)]


def _drain(m, timeout=0.3):
    out = []
    while True:
        try:
            out.append(m.read_reply(timeout=timeout).raw)
        except ReplyTimeout:
            return out


def _normalize(raw, addrs):
    raw = re.sub(rb"^\+\d+\.\d{6} ", b"+T ", raw)
    for name, addr in addrs.items():
        raw = raw.replace(b" " + addr + b"]", b" " + name + b"]")
    return raw


def _addr(conn):
    info = conn.call("CLIENT", "INFO").decode()
    return re.search(r"addr=(\S+)", info).group(1).encode()


def _scenario(srv):
    """Commands from one connection while another monitors; returns the
    monitor's normalized lines and replies seen by the monitor itself."""
    m = _start_monitor(srv)
    o = srv.raw()
    addrs = {b"M": _addr(m), b"O": _addr(o)}
    _drain(m)  # CLIENT INFO is administrative: nothing was shown
    o.call("SET", "a", 'x y\n"\x01\x07\x08\t\xc3\xa9\\')
    o.call("SELECT", "3")
    o.call("MULTI")
    o.call("SET", "q", "1")
    o.call("INCR", "q")
    o.call("EXEC")
    o.call("CLIENT", "LIST")
    o.call("CONFIG", "GET", "port")
    o.call("DEBUG", "SLEEP", "0")
    o.call("SLOWLOG", "LEN")
    o.call("EVAL", "return redis.call('get', KEYS[1])", "1", "q")
    o.call("EVAL", "return 1", "x")  # a bad numkeys is still shown
    o.call("BLPOP", "nolist", "0.01")
    o.call("MULTI")
    o.call("NOSUCHCOMMAND")
    o.call("EXEC")
    o.call("AUTH", "pw")
    o.call("AUTH", "user", "pw")
    o.call("HELLO", "2", "AUTH", "user", "pw")
    o.call("CONFIG", "SET", "requirepass", "")
    o.call("PING", "")
    o.call("ECHO", "")
    lines = [_normalize(x, addrs) for x in _drain(m)]
    m.send_command("PING")
    own = [_normalize(x, addrs) for x in _lines(m, 2)]
    m.send_command("GET", "a")
    own.append(m.read_reply().raw)
    m.send_command("RESET")
    own.append(m.read_reply().raw)
    o.call("PING")
    own.extend(_drain(m))
    m.close()
    o.close()
    return lines, own


def test_monitor_lines_match_redis_for_a_mixed_workload(server, ref_server):
    ours, theirs = _scenario(server), _scenario(ref_server)
    assert ours[0] == theirs[0]
    assert ours[1] == theirs[1]


def test_a_line_has_time_db_peer_and_quoted_arguments(server):
    m = _start_monitor(server)
    with server.raw() as o:
        o.call("SELECT", "2")
        o.call("SET", "k", "a b")
        peer = _addr(o)
    raw = _lines(m, 2)[1]
    m.close()
    match = LINE.match(raw)
    assert match, raw
    assert match.group(3) == b"2" and match.group(4) == peer
    assert match.group(5) == b'"SET" "k" "a b"'


def test_script_commands_are_shown_as_lua_after_the_script(server):
    m = _start_monitor(server)
    with server.raw() as o:
        o.call("EVAL", "redis.call('set', KEYS[1], ARGV[1])", "1", "foo", "bar")
    lines = _lines(m, 2)
    m.close()
    assert b'"EVAL"' in lines[0]
    assert b"[0 lua] \"set\" \"foo\" \"bar\"" in lines[1]


def test_secrets_are_redacted(server):
    m = _start_monitor(server)
    with server.raw() as o:
        o.call("AUTH", "not-real")
        o.call("AUTH", "not-real", "not-a-password")
        o.call("HELLO", "2", "AUTH", "not-real", "not-a-password")
    lines = _lines(m, 3)
    m.close()
    assert lines[0].endswith(b'"AUTH" "(redacted)"\r\n')
    assert lines[1].endswith(b'"AUTH" "(redacted)" "(redacted)"\r\n')
    assert lines[2].endswith(b'"HELLO" "2" "AUTH" "(redacted)" "(redacted)"\r\n')


def test_every_monitor_gets_every_line(server):
    ms = [_start_monitor(server) for _ in range(3)]
    with server.raw() as o:
        o.call("SET", "k", "v")
    for m in ms:
        assert _lines(m, 1)[0].endswith(b'"SET" "k" "v"\r\n')
        m.close()


def test_a_second_monitor_is_ignored_without_a_reply(server):
    m = _start_monitor(server)
    m.send_command("MONITOR")
    m.send_command("PING")
    assert m.read_reply().raw == b"+PONG\r\n"
    m.close()


def test_monitor_inside_multi_is_refused_at_exec(raw):
    raw.call("MULTI")
    assert raw.call("MONITOR") == b"QUEUED"
    assert raw.call("EXEC") == [b"ERR MONITOR isn't allowed for DENY BLOCKING client"]


def test_a_monitor_shows_in_client_list_with_flag_o_and_keeps_keyspace_off(server):
    m = _start_monitor(server)
    m.send_command("CLIENT", "INFO")
    info = m.read_reply().value.decode()
    assert " flags=O " in info
    assert m.read_reply().raw.endswith(b'"CLIENT" "INFO"\r\n')  # not administrative
    m.send_command("SET", "k", "v")
    assert m.read_reply().value == b"ERR Replica can't interact with the keyspace"
    m.close()


def test_reset_stops_monitoring(server):
    m = _start_monitor(server)
    assert m.call("RESET") == b"RESET"
    with server.raw() as o:
        o.call("PING")
    assert _drain(m) == []
    m.close()


def test_disconnected_monitors_are_dropped(server):
    m = _start_monitor(server)
    m.close()
    with server.raw() as o:
        assert o.call("SET", "k", "v") == b"OK"
        assert b"flags=O" not in o.call("CLIENT", "LIST")


def test_client_kill_type_normal_includes_monitors(server_factory):
    srv = server_factory()
    m = _start_monitor(srv)
    with srv.raw() as o:
        assert o.call("CLIENT", "KILL", "TYPE", "normal") >= 1
    assert m.wait_closed(timeout=2)


@pytest.mark.parametrize("resp", [2, 3])
def test_lines_are_status_replies_in_both_protocols(server, resp):
    m = server.raw()
    m.call("HELLO", str(resp))
    m.call("MONITOR")
    with server.raw() as o:
        o.call("PING")
    raw = _lines(m, 1)[0]
    m.close()
    assert raw.startswith(b"+") and raw.endswith(b'"PING"\r\n')
