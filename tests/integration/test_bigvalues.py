"""Big values: multi-megabyte arguments and replies (issue 17).

A bulk of 32 KB or more is read into a buffer of its final size once 1/32
of it has arrived, and SET keeps that buffer as the value; a GET of a value
of 64 KB or more is sent from the value itself, which then stays alive and
unchanged for that reply whatever other clients do to the key (writers copy
it first).  These tests check the bytes, digest by digest, on every path:
values split across many writes, big arguments before others, several in
one command, commands other than SET, and a reader that has not read its
reply yet while the key is changed or deleted.  Timing is the business of
bench/bigvalues.py, not of these tests.
"""

import hashlib
import os
import socket
import time

import pytest

from conftest import SANITIZED

MB = 1 << 20


def connect(server):
    s = socket.create_connection((server.host, server.port), timeout=60)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def value_of(size, seed=0):
    """`size` bytes that differ per megabyte (so a misplaced block shows)."""
    block = bytearray(os.urandom(min(size, MB)))
    if size <= MB:
        return bytes(block)
    parts = []
    for j in range(size // MB):
        block[:8] = (j + seed * 100003).to_bytes(8, "little")
        parts.append(bytes(block))
    parts.append(bytes(block[: size % MB]))
    return b"".join(parts)


def command(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out += [b"$%d\r\n" % len(a), a, b"\r\n"]
    return out


def send(sock, parts, pause_every=None):
    """Send the pieces of a command; with `pause_every`, in slices of that
    many bytes with a short pause between (the server sees many reads)."""
    for p in parts:
        if pause_every is None or len(p) <= pause_every:
            sock.sendall(p)
            continue
        view = memoryview(p)
        for off in range(0, len(p), pause_every):
            sock.sendall(view[off : off + pause_every])
            time.sleep(0.002)


class Reader:
    def __init__(self, sock):
        self.sock, self.buf = sock, bytearray()

    def line(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(1 << 16)
            assert chunk, "connection closed"
            self.buf += chunk
        i = self.buf.index(b"\r\n")
        line = bytes(self.buf[:i])
        del self.buf[: i + 2]
        return line

    def fill(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(4 * MB)
            assert chunk, "connection closed"
            self.buf += chunk

    def bulk_digest(self):
        """Read one bulk reply; return (length, sha1 of its bytes) or None."""
        head = self.line()
        assert head[:1] == b"$", head[:100]
        n = int(head[1:])
        if n < 0:
            return None
        h, need = hashlib.sha1(), n
        while need:
            self.fill(1)
            take = min(need, len(self.buf))
            h.update(self.buf[:take])
            del self.buf[:take]
            need -= take
        self.fill(2)
        assert self.buf[:2] == b"\r\n"
        del self.buf[:2]
        return n, h.hexdigest()


def sha(b):
    return hashlib.sha1(b).hexdigest()


def roundtrip(server, size, pause_every=None):
    value = value_of(size)
    s = connect(server)
    r = Reader(s)
    try:
        send(s, command("SET", "big:rt", value), pause_every)
        assert r.line() == b"+OK"
        send(s, command("STRLEN", "big:rt"))
        assert r.line() == b":%d" % size
        send(s, command("GET", "big:rt"))
        assert r.bulk_digest() == (size, sha(value))
        send(s, command("DEL", "big:rt"))
        assert r.line() == b":1"
    finally:
        s.close()


def test_a_1mb_value_sent_in_small_slices_comes_back_byte_for_byte(server):
    roundtrip(server, MB, pause_every=100_000)


def test_a_64mb_value_comes_back_byte_for_byte(server):
    roundtrip(server, 64 * MB)


@pytest.mark.skipif(SANITIZED, reason="256 MB under ASan costs minutes; the plain run covers it")
def test_a_256mb_value_comes_back_byte_for_byte(server):
    roundtrip(server, 256 * MB)


def test_big_arguments_anywhere_in_a_command_keep_the_arguments_after_them(server):
    a, b = value_of(3 * MB, 1), value_of(200_000, 2)
    s = connect(server)
    r = Reader(s)
    try:
        # Two big values in one MSET, then a big value followed by options.
        send(s, command("MSET", "big:a", a, "big:b", b), pause_every=65536)
        assert r.line() == b"+OK"
        send(s, command("SET", "big:c", a, "PX", "100000", "GET"), pause_every=65536)
        assert r.line() == b"$-1"
        for key, v in (("big:a", a), ("big:b", b), ("big:c", a)):
            send(s, command("GET", key))
            assert r.bulk_digest() == (len(v), sha(v))
        send(s, command("PTTL", "big:c"))
        assert 0 < int(r.line()[1:]) <= 100000
        # A command that copies its argument (a list element), pipelined
        # with the next command.
        s.sendall(b"".join(command("RPUSH", "big:l", b) + command("PING")))
        assert r.line() == b":1"
        assert r.line() == b"+PONG"
        send(s, command("LINDEX", "big:l", 0))
        assert r.bulk_digest() == (len(b), sha(b))
        send(s, command("DEL", "big:a", "big:b", "big:c", "big:l"))
        assert r.line() == b":4"
    finally:
        s.close()


def test_append_of_100000_chunks_of_1kb_builds_the_whole_value(server):
    s = connect(server)
    r = Reader(s)
    h = hashlib.sha1()
    try:
        for batch in range(100):
            chunks = [os.urandom(1024) for _ in range(1000)]
            for c in chunks:
                h.update(c)
            s.sendall(b"".join(b"".join(command("APPEND", "big:app", c)) for c in chunks))
            for j in range(1000):
                assert r.line() == b":%d" % ((batch * 1000 + j + 1) * 1024)
        send(s, command("GET", "big:app"))
        assert r.bulk_digest() == (100_000 * 1024, h.hexdigest())
        send(s, command("DEL", "big:app"))
        assert r.line() == b":1"
    finally:
        s.close()


@pytest.mark.parametrize("change", [
    ["APPEND", "big:cow", "tail"],
    ["SETRANGE", "big:cow", 10, "xyz"],
    ["SETBIT", "big:cow", 7, 1],
    ["DEL", "big:cow"],
    ["SET", "big:cow", "small"],
    ["GETDEL", "big:cow"],
    ["FLUSHALL"],
    ["FLUSHALL", "ASYNC"],
])
def test_a_reply_not_yet_read_keeps_the_value_as_it_was_when_asked(server, change):
    value = value_of(8 * MB, 3)
    writer = connect(server)
    w = Reader(writer)
    slow = connect(server)
    slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    try:
        send(writer, command("SET", "big:cow", value))
        assert w.line() == b"+OK"
        # Two GETs queued on a reader that reads nothing yet: most of both
        # replies wait in the server, referring to the value.
        slow.sendall(b"".join(command("GET", "big:cow") * 2))
        send(writer, command("PING"))  # the GETs ran before this answer
        assert w.line() == b"+PONG"
        send(writer, command(*change))
        reply = w.line()
        if change[0] == "GETDEL":
            assert reply == b"$%d" % len(value)
            w.buf.clear()
            writer.close()
            writer = connect(server)
            w = Reader(writer)
        r = Reader(slow)
        assert r.bulk_digest() == (len(value), sha(value))
        assert r.bulk_digest() == (len(value), sha(value))
        # The key itself has the change.
        send(writer, command("STRLEN", "big:cow"))
        n = int(w.line()[1:])
        expect = {"APPEND": len(value) + 4, "SETRANGE": len(value), "SETBIT": len(value),
                  "SET": 5}.get(change[0], 0)
        assert n == expect
        if change[0] == "SETRANGE":
            send(writer, command("GETRANGE", "big:cow", 8, 15))
            assert w.line() == b"$8"
            assert w.line() == value[8:10] + b"xyz" + value[13:16]
        send(writer, command("DEL", "big:cow"))
        w.line()
    finally:
        writer.close()
        slow.close()


def test_a_client_that_disconnects_before_reading_a_big_reply_frees_it(server):
    value = value_of(4 * MB, 4)
    s = connect(server)
    r = Reader(s)
    send(s, command("SET", "big:gone", value))
    assert r.line() == b"+OK"
    slow = connect(server)
    slow.sendall(b"".join(command("GET", "big:gone")))
    send(s, command("DEL", "big:gone"))
    assert r.line() == b":1"
    slow.close()
    send(s, command("PING"))
    assert r.line() == b"+PONG"
    s.close()


def test_client_list_counts_a_big_argument_being_received_in_qbuf(server):
    s = connect(server)
    watcher = server.raw()
    try:
        s.sendall(b"*3\r\n$3\r\nSET\r\n$8\r\nbig:part\r\n$%d\r\n" % (4 * MB))
        s.sendall(b"y" * (1 * MB))
        deadline = time.monotonic() + 10
        while True:
            lines = watcher.call("CLIENT", "LIST").decode().splitlines()
            qbufs = [int(f.split("=")[1]) for ln in lines for f in ln.split()
                     if f.startswith("qbuf=")]
            if any(q >= MB for q in qbufs) or time.monotonic() > deadline:
                break
            time.sleep(0.01)
        assert any(q >= MB for q in qbufs), lines
        s.sendall(b"y" * (3 * MB) + b"\r\n")
        r = Reader(s)
        assert r.line() == b"+OK"
        assert watcher.call("STRLEN", "big:part") == 4 * MB
        assert watcher.call("DEL", "big:part") == 1
    finally:
        s.close()
        watcher.close()


def test_the_query_buffer_limit_counts_a_detached_big_argument(server_factory):
    srv = server_factory("--client-query-buffer-limit", "2mb")
    s = connect(srv)
    s.sendall(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3000000\r\n")
    try:
        for _ in range(30):
            s.sendall(b"z" * 100_000)
            time.sleep(0.002)
    except (BrokenPipeError, ConnectionResetError):
        pass
    s.settimeout(10)
    try:
        got = s.recv(100)
    except ConnectionResetError:
        got = b""
    assert got == b""
    s.close()
    assert "Closing client that reached max query buffer length" in srv.log()
    with srv.raw() as c:
        assert c.call("EXISTS", "k") == 0


def test_a_big_set_held_by_client_pause_runs_whole_after_unpause(server_factory):
    from support.blocking import blocked_count

    srv = server_factory()
    ctl = srv.raw()
    a, b = value_of(2 * MB, 5), value_of(300_000, 6)
    s = connect(srv)
    r = Reader(s)
    try:
        assert ctl.call("CLIENT", "PAUSE", "100000", "WRITE") == b"OK"
        # Both bulks are read into buffers of their own before the command
        # is complete; the pause then puts them back into the query buffer.
        send(s, command("MSET", "big:p1", a, "big:p2", b) + command("PING"), pause_every=65536)
        deadline = time.monotonic() + 10
        while blocked_count(ctl) != 1:
            assert time.monotonic() < deadline, "the MSET was never held"
            time.sleep(0.005)
        assert ctl.call("EXISTS", "big:p1") == 0
        assert ctl.call("CLIENT", "UNPAUSE") == b"OK"
        assert r.line() == b"+OK"
        assert r.line() == b"+PONG"
        for key, v in (("big:p1", a), ("big:p2", b)):
            send(s, command("GET", key))
            assert r.bulk_digest() == (len(v), sha(v))
    finally:
        ctl.call("CLIENT", "UNPAUSE")
        ctl.close()
        s.close()
