"""Connection limits and the memory a connection may cost.

proto-max-bulk-len, client-query-buffer-limit, the pre-AUTH caps of a
server with requirepass, and maxclients: each is checked against tern and,
where it documents Redis behaviour, against the reference redis-server
with the same arguments (the `flavour` parameter).  The last test holds
the design promise that a client announcing a 512 MB argument and then
going quiet costs a few KB, not the announced size.
"""

import os
import resource
import socket
import time

import pytest

from support import servers
from support.resp import ConnectionClosed, encode_command


@pytest.fixture(params=["tern", "redis"])
def flavoured(request, server_factory):
    """start(*args) -> a tern or a reference server with those arguments."""
    if request.param == "redis" and not os.access(servers.REFERENCE_BINARY, os.X_OK):
        pytest.skip("no reference redis-server")

    def start(*args):
        if request.param == "tern":
            return server_factory(*args)
        return server_factory(*args, binary=servers.REFERENCE_BINARY)

    return start


def assert_error_then_close(conn, data, error):
    conn.send(data)
    assert conn.read_reply().raw == b"-" + error + b"\r\n"
    assert conn.wait_closed()


def closed_without_reply(sock, timeout=5.0):
    """True if the peer closed (FIN or RST) without sending a byte."""
    sock.settimeout(timeout)
    try:
        return sock.recv(100) == b""
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


# ---- proto-max-bulk-len --------------------------------------------------------


def test_proto_max_bulk_len_rejects_one_byte_more_than_the_limit(flavoured):
    srv = flavoured("--proto-max-bulk-len", "1mb")
    with srv.raw() as conn:
        assert_error_then_close(conn, b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1048577\r\n",
                                b"ERR Protocol error: invalid bulk length")
    with srv.raw() as conn:
        value = b"b" * 1048576
        assert conn.call("SET", "k", value) == b"OK"
        assert conn.call("GET", "k") == value


# ---- client-query-buffer-limit -------------------------------------------------


def test_a_client_past_the_query_buffer_limit_is_closed_without_a_reply(flavoured):
    srv = flavoured("--client-query-buffer-limit", "1mb")
    bystander = srv.raw()
    assert bystander.call("PING") == b"PONG"
    s = socket.create_connection((srv.host, srv.port))
    s.sendall(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1500000\r\n")
    try:
        for _ in range(75):
            s.sendall(b"x" * 20000)
            time.sleep(0.001)
    except (BrokenPipeError, ConnectionResetError):
        pass
    assert closed_without_reply(s)
    s.close()
    assert "Closing client that reached max query buffer length" in srv.log()
    assert bystander.call("PING") == b"PONG"
    assert bystander.call("GET", "k") is None
    info = bystander.call("INFO", "stats")
    if isinstance(info, bytes) and b"client_query_buffer_limit_disconnections" in info:
        assert b"client_query_buffer_limit_disconnections:1\r\n" in info
    bystander.close()


def test_pipelined_commands_larger_than_the_query_buffer_limit_are_all_served(flavoured):
    # The limit is on bytes waiting to be parsed, not on a write's size.
    srv = flavoured("--client-query-buffer-limit", "1mb")
    with srv.raw() as conn:
        n = 100_000  # 1.4 MB of PINGs in one write
        conn.send(b"*1\r\n$4\r\nPING\r\n" * n)
        for _ in range(n):
            assert conn.read_reply().raw == b"+PONG\r\n"


# ---- requirepass: what an unauthenticated client may send --------------------


def test_before_auth_more_than_ten_arguments_is_a_protocol_error(flavoured):
    srv = flavoured("--requirepass", "pw")
    with srv.raw() as conn:
        assert_error_then_close(conn, encode_command("SET", *["a"] * 10),
                                b"ERR Protocol error: unauthenticated multibulk length")
    with srv.raw() as conn:
        conn.send(encode_command("SET", *["a"] * 9))
        assert conn.read_reply().raw == b"-NOAUTH Authentication required.\r\n"


def test_before_auth_a_bulk_over_16k_is_a_protocol_error(flavoured):
    srv = flavoured("--requirepass", "pw")
    with srv.raw() as conn:
        assert_error_then_close(conn, encode_command("SET", "k", "v" * 16385),
                                b"ERR Protocol error: unauthenticated bulk length")
    with srv.raw() as conn:
        conn.send(encode_command("SET", "k", "v" * 16384))
        assert conn.read_reply().raw == b"-NOAUTH Authentication required.\r\n"


def test_before_auth_inline_commands_have_no_argument_cap(flavoured):
    srv = flavoured("--requirepass", "pw")
    with srv.raw() as conn:
        conn.send(b"SET a b c d e f g h i j k l m n\r\n")
        assert conn.read_reply().raw == b"-NOAUTH Authentication required.\r\n"
        assert conn.call("PING") == b"NOAUTH Authentication required."


def test_after_auth_the_pre_auth_caps_are_gone(flavoured):
    srv = flavoured("--requirepass", "pw")
    with srv.raw() as conn:
        assert conn.call("AUTH", "pw") == b"OK"
        assert conn.call("SET", "k", "v" * 20000) == b"OK"
        assert conn.call("SET", "k", "v", *["NX", "XX"] * 5) == b"ERR syntax error"
        assert len(conn.call("GET", "k")) == 20000


# ---- maxclients ----------------------------------------------------------------


def test_maxclients_refuses_the_next_connection_with_the_redis_error(flavoured):
    srv = flavoured("--maxclients", "3")
    held = [srv.raw() for _ in range(3)]
    for conn in held:
        assert conn.call("PING") == b"PONG"
    with srv.raw() as extra:
        assert extra.read_reply().raw == b"-ERR max number of clients reached\r\n"
        assert extra.wait_closed()
    held.pop().close()
    deadline = time.monotonic() + 5
    while True:  # the server notices the close on its next loop iteration
        with srv.raw() as again:
            again.send_command("PING")
            reply = again.read_reply().raw
            if reply == b"+PONG\r\n" or time.monotonic() > deadline:
                break
        time.sleep(0.02)
    assert reply == b"+PONG\r\n"
    for conn in held:
        conn.close()


# ---- memory: announced sizes cost nothing until bytes arrive ------------------


def vm_rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS line")


def test_a_thousand_clients_announcing_512mb_arguments_cost_only_a_few_mb(server_factory):
    srv = server_factory()
    n = 1000
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < n + 100:
        want = n + 100 if hard == resource.RLIM_INFINITY else min(hard, n + 100)
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
        if want < n + 100:
            pytest.skip(f"file descriptor limit {hard} is too low for {n} connections")
    watcher = srv.raw()
    assert watcher.call("SET", "warm", "up") == b"OK"
    before = vm_rss_kb(srv.pid)
    conns = []
    try:
        for _ in range(n):
            s = socket.create_connection((srv.host, srv.port))
            s.sendall(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$536870000\r\n")
            conns.append(s)
        # Each client's bytes are read by the time a later PING is answered
        # twice (every ready socket is served in a loop iteration).
        time.sleep(0.2)
        assert watcher.call("PING") == b"PONG"
        assert watcher.call("PING") == b"PONG"
        grown_mb = (vm_rss_kb(srv.pid) - before) / 1024
        limit_mb = 60 if srv.sanitized else 30  # ASan adds redzones and shadow pages
        assert grown_mb < limit_mb, f"{n} idle clients grew RSS by {grown_mb:.1f} MB"
        # They are still there and still waiting for their argument.
        assert watcher.call("GET", "k") is None
    finally:
        for s in conns:
            s.close()
    watcher.close()


def test_config_set_maxclients_grows_the_event_loop_so_more_clients_are_served(server_factory):
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 400:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(4096, hard), hard))
    srv = server_factory("--maxclients", "10")
    admin = srv.raw()
    assert admin.call("CONFIG", "SET", "maxclients", "300") == b"OK"
    conns = [srv.raw() for _ in range(200)]
    try:
        # Their fds run past the 10 + 128 slots the loop started with.
        assert all(c.call("PING") == b"PONG" for c in conns)
        assert admin.call("CONFIG", "GET", "maxclients") == [b"maxclients", b"300"]
    finally:
        for c in conns:
            c.close()
