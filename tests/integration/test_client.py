"""CLIENT: the CLIENT LIST line, KILL in both forms, names, SETINFO, REPLY,
NO-EVICT."""

import os
import re
import socket
import time

from support.resp import _Buffer, RawConn

REDIS_70_FIELDS = ["id", "addr", "laddr", "fd", "name", "age", "idle", "flags", "db", "sub",
                   "psub", "ssub", "multi", "qbuf", "qbuf-free", "argv-mem", "multi-mem", "rbs",
                   "rbp", "obl", "oll", "omem", "tot-mem", "events", "cmd", "user", "redir",
                   "resp"]


def _fields(line):
    line = line.decode() if isinstance(line, bytes) else line
    return dict(item.split("=", 1) for item in line.strip().split(" "))


def _keys(line):
    line = line.decode() if isinstance(line, bytes) else line
    return [item.split("=", 1)[0] for item in line.strip().split(" ")]


def _lines(reply):
    return [ln for ln in reply.decode().split("\n") if ln]


def _unix_conn(path):
    conn = RawConn.__new__(RawConn)
    conn.host, conn.port, conn.timeout = path, 0, 5.0
    conn.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.sock.settimeout(5.0)
    conn.sock.connect(path)
    conn._buf = _Buffer(fill=conn._recv_into)
    conn._deadline = None
    return conn


def test_client_info_has_exactly_redis_7_0_fields_in_order(raw, ref_server):
    assert _keys(raw.call("CLIENT", "INFO")) == REDIS_70_FIELDS
    with ref_server.raw() as ref:
        assert _keys(ref.call("CLIENT", "INFO")) == REDIS_70_FIELDS


def test_client_info_describes_the_calling_connection(server, raw):
    my_id = raw.call("CLIENT", "ID")
    raw.call("CLIENT", "SETNAME", "worker-1")
    raw.call("SELECT", "4")
    f = _fields(raw.call("CLIENT", "INFO"))
    assert f["id"] == str(my_id)
    assert f["name"] == "worker-1"
    assert f["db"] == "4"
    assert f["cmd"] == "client|info"
    assert f["flags"] == "N"
    assert f["multi"] == "-1"
    assert f["user"] == "default"
    assert f["resp"] == "2"
    assert f["events"] == "r"
    assert f["laddr"] == f"127.0.0.1:{server.port}"
    assert re.fullmatch(r"127\.0\.0\.1:\d+", f["addr"])
    assert f["argv-mem"] == str(len("client") + len("info"))
    assert int(f["tot-mem"]) > int(f["rbs"]) > 0


def test_client_list_shows_each_connections_last_command_oldest_first(server):
    a, b = server.raw(), server.raw()
    try:
        a.call("CLIENT", "SETNAME", "first")
        b.call("CLIENT", "SETNAME", "second")
        b.call("PING")
        ida, idb = a.call("CLIENT", "ID"), b.call("CLIENT", "ID")
        lines = [_fields(ln) for ln in _lines(a.call("CLIENT", "LIST"))]
        ids = [int(f["id"]) for f in lines]
        assert ids == sorted(ids)
        by_id = {int(f["id"]): f for f in lines}
        assert by_id[ida]["cmd"] == "client|list" and by_id[ida]["name"] == "first"
        assert by_id[idb]["cmd"] == "client|id" and by_id[idb]["name"] == "second"
    finally:
        a.close()
        b.close()


def test_client_list_id_returns_the_given_clients_in_argument_order(server, raw):
    other = server.raw()
    try:
        mine, theirs = raw.call("CLIENT", "ID"), other.call("CLIENT", "ID")
        out = _lines(raw.call("CLIENT", "LIST", "ID", theirs, 999999999, mine, theirs))
        assert [int(_fields(ln)["id"]) for ln in out] == [theirs, mine, theirs]
    finally:
        other.close()


def test_client_list_type_normal_lists_everyone_and_pubsub_no_one(raw):
    assert len(_lines(raw.call("CLIENT", "LIST", "TYPE", "normal"))) >= 1
    assert raw.call("CLIENT", "LIST", "TYPE", "pubsub") == b""


def test_client_list_shows_resp3_unix_socket_and_no_evict(server_factory):
    # A short path: addr holds at most 63 bytes (Redis: 77), longer ones are cut.
    sock = f"/tmp/tern-{os.getpid()}-{time.monotonic_ns() % 100000}.sock"
    srv = server_factory("--unixsocket", sock)
    conn = _unix_conn(sock)
    try:
        conn.call("HELLO", "3")
        conn.call("CLIENT", "NO-EVICT", "on")
        f = _fields(conn.call("CLIENT", "INFO"))
        assert f["resp"] == "3"
        assert f["flags"] == "Ue"
        assert f["addr"] == f"{sock}:0" and f["laddr"] == f"{sock}:0"
        assert conn.call("CLIENT", "NO-EVICT", "off") == b"OK"
        assert _fields(conn.call("CLIENT", "INFO"))["flags"] == "U"
    finally:
        conn.close()


def test_redis_py_parses_client_list_and_client_info(server):
    c = server.client()
    c.client_setname("pyclient")
    info = c.client_info()
    assert info["name"] == "pyclient"
    assert any(entry["name"] == "pyclient" for entry in c.client_list())
    assert c.client_getname() == "pyclient"
    assert c.client_id() == int(info["id"])


def test_client_ids_increase_with_each_connection(server):
    conns = [server.raw() for _ in range(3)]
    try:
        ids = [c.call("CLIENT", "ID") for c in conns]
        assert ids == sorted(ids) and len(set(ids)) == 3
    finally:
        for c in conns:
            c.close()


# ---- KILL ----

def test_client_kill_id_closes_another_connection_and_counts_it(server, raw):
    victim = server.raw()
    vid = victim.call("CLIENT", "ID")
    assert raw.call("CLIENT", "KILL", "ID", vid) == 1
    assert victim.wait_closed(5)
    assert raw.call("CLIENT", "KILL", "ID", vid) == 0


def test_client_kill_old_form_by_address_replies_ok(server, raw):
    victim = server.raw()
    addr = _fields(victim.call("CLIENT", "INFO"))["addr"]
    assert raw.call("CLIENT", "KILL", addr) == b"OK"
    assert victim.wait_closed(5)
    assert raw.call("CLIENT", "KILL", addr) == b"ERR No such client"


def test_client_kill_old_form_may_kill_the_caller_after_its_reply(server):
    conn = server.raw()
    addr = _fields(conn.call("CLIENT", "INFO"))["addr"]
    assert conn.call("CLIENT", "KILL", addr) == b"OK"
    assert conn.wait_closed(5)


def test_client_kill_new_form_spares_the_caller_unless_skipme_no(server):
    conn = server.raw()
    addr = _fields(conn.call("CLIENT", "INFO"))["addr"]
    assert conn.call("CLIENT", "KILL", "ADDR", addr) == 0
    assert conn.call("CLIENT", "KILL", "ADDR", addr, "SKIPME", "yes") == 0
    assert conn.call("CLIENT", "KILL", "ADDR", addr, "SKIPME", "no") == 1
    assert conn.wait_closed(5)


def test_client_kill_laddr_type_and_user_filters(server_factory):
    srv = server_factory()
    me, a, b = srv.raw(), srv.raw(), srv.raw()
    # A PING on each makes sure the server has accepted them before KILL runs.
    for conn in (me, a, b):
        assert conn.call("PING") == b"PONG"
    laddr = f"127.0.0.1:{srv.port}"
    assert me.call("CLIENT", "KILL", "LADDR", "127.0.0.1:1") == 0
    assert me.call("CLIENT", "KILL", "TYPE", "pubsub") == 0
    assert me.call("CLIENT", "KILL", "LADDR", laddr, "TYPE", "normal", "USER", "default") == 2
    assert a.wait_closed(5) and b.wait_closed(5)
    assert me.call("PING") == b"PONG"
    c = srv.raw()
    assert c.call("PING") == b"PONG"
    assert me.call("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "no") == 2
    assert c.wait_closed(5) and me.wait_closed(5)


def test_killed_clients_disappear_from_client_list(server, raw):
    victim = server.raw()
    vid = victim.call("CLIENT", "ID")
    raw.call("CLIENT", "KILL", "ID", vid)
    ids = [int(_fields(ln)["id"]) for ln in _lines(raw.call("CLIENT", "LIST"))]
    assert vid not in ids


# ---- names and SETINFO ----

def test_client_setname_rejects_spaces_and_non_printable_bytes(raw):
    err = b"ERR Client names cannot contain spaces, newlines or special characters."
    for bad in ["a b", "a\nb", "\x00", "\x7f", "caf\u00e9"]:
        assert raw.call("CLIENT", "SETNAME", bad) == err
    assert raw.call("CLIENT", "GETNAME") is None
    assert raw.call("CLIENT", "SETNAME", "ok-name") == b"OK"
    assert raw.call("CLIENT", "SETNAME", "") == b"OK"
    assert raw.call("CLIENT", "GETNAME") is None


def test_client_setinfo_accepts_lib_name_and_lib_ver_as_redis_7_2_does(raw):
    assert raw.call("CLIENT", "SETINFO", "LIB-NAME", "redis-py") == b"OK"
    assert raw.call("CLIENT", "SETINFO", "lib-ver", "5.0.1") == b"OK"
    assert raw.call("CLIENT", "SETINFO", "lib-name", "bad name") == (
        b"ERR lib-name cannot contain spaces, newlines or special characters.")
    assert raw.call("CLIENT", "SETINFO", "color", "red") == b"ERR Unrecognized option 'color'"
    assert raw.call("CLIENT", "SETINFO", "lib-name") == (
        b"ERR wrong number of arguments for 'client|setinfo' command")
    # The 7.0 line format has no lib fields.
    assert "lib-name" not in _fields(raw.call("CLIENT", "INFO"))


# ---- REPLY ----

def test_client_reply_off_silences_everything_until_on(raw):
    raw.send_command("CLIENT", "REPLY", "OFF")
    raw.send_command("SET", "k", "v")
    raw.send_command("NOSUCH")
    assert raw.call("CLIENT", "REPLY", "ON") == b"OK"
    assert raw.call("GET", "k") == b"v"


def test_client_reply_skip_silences_only_the_next_command(raw):
    raw.send_command("CLIENT", "REPLY", "SKIP")
    raw.send_command("ECHO", "skipped")
    assert raw.call("ECHO", "seen") == b"seen"


def test_client_help_starts_with_the_usual_header(raw):
    help_lines = raw.call("CLIENT", "HELP")
    assert help_lines[0] == b"CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
    assert help_lines[-2:] == [b"HELP", b"    Prints this help."]


def test_client_list_counts_subscriptions_of_each_kind(server, raw, ref_server):
    for srv in (server, ref_server):
        sub = srv.raw()
        try:
            sub.call("SUBSCRIBE", "c1", "c2")
            sub.read_reply()
            sub.call("PSUBSCRIBE", "p*")
            sub.call("SSUBSCRIBE", "s1")
            with srv.raw() as probe:
                theirs = _fields(probe.call("CLIENT", "LIST", "TYPE", "pubsub"))
            assert (theirs["sub"], theirs["psub"], theirs["ssub"]) == ("2", "1", "1"), srv
            assert theirs["flags"] == "P"
        finally:
            sub.close()


def test_client_list_multi_counts_queued_commands_and_their_memory(server, ref_server):
    for srv in (server, ref_server):
        with srv.raw() as conn, srv.raw() as probe:
            my_id = conn.call("CLIENT", "ID")

            def mine():
                return _fields(probe.call("CLIENT", "LIST", "ID", my_id))

            assert mine()["multi"] == "-1"
            conn.call("MULTI")
            assert mine()["multi"] == "0"
            conn.call("SET", "k", "v")
            conn.call("INCR", "n")
            f = mine()
            assert f["multi"] == "2" and f["flags"] == "x", srv
            assert int(f["multi-mem"]) >= len("setkvincrn")
            conn.call("DISCARD")
            f = mine()
            assert f["multi"] == "-1" and f["multi-mem"] == "0"
