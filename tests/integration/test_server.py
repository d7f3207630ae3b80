"""Server commands: TIME, SHUTDOWN (and shutdown by signal), DEBUG and its
gate, MEMORY."""

import os
import re
import signal
import socket
import time

import pytest

from support.resp import ErrorReply, RawConn

DEBUG_REFUSED = (b"ERR DEBUG command not allowed. If the enable-debug-command option is set to "
                 b"\"local\", you can run it from a local connection, otherwise you need to set "
                 b"this option in the configuration file, and then restart the server.")
ZERO_DIGEST = b"0" * 40


def _wait_exit(srv, timeout=10.0):
    srv.proc.wait(timeout)
    return srv.proc.returncode


def _unix_conn(path, timeout=5.0):
    """A RawConn over a Unix socket."""
    conn = RawConn.__new__(RawConn)
    conn.host, conn.port, conn.timeout = path, 0, timeout
    conn.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.sock.settimeout(timeout)
    conn.sock.connect(path)
    from support.resp import _Buffer
    conn._buf = _Buffer(fill=conn._recv_into)
    conn._deadline = None
    return conn


# ---- TIME ----

def test_time_replies_unix_seconds_and_microseconds_as_two_bulk_strings(raw):
    before = time.time()
    secs, usecs = raw.call("TIME")
    after = time.time()
    assert secs.isdigit() and usecs.isdigit()
    t = int(secs) + int(usecs) / 1e6
    assert before - 1 <= t <= after + 1
    assert 0 <= int(usecs) < 1_000_000


# ---- SHUTDOWN and signals ----

def test_shutdown_closes_the_connection_without_a_reply_and_exits_with_status_0(server_factory):
    srv = server_factory()
    with srv.raw() as conn:
        conn.send_command("SHUTDOWN")
        assert conn.wait_closed(10)
    assert _wait_exit(srv) == 0
    assert "ready to exit" in srv.log()


@pytest.mark.parametrize("args", [["NOSAVE"], ["nosave", "now"], ["NOW", "FORCE"], ["NOSAVE", "NOW", "FORCE"]])
def test_shutdown_with_nosave_now_and_force_exits_cleanly(server_factory, args):
    srv = server_factory()
    with srv.raw() as conn:
        conn.send_command("SHUTDOWN", *args)
        assert conn.wait_closed(10)
    assert _wait_exit(srv) == 0


def test_shutdown_removes_the_pidfile_and_the_unix_socket(server_factory, tmp_path):
    pidfile = tmp_path / "tern.pid"
    sock = tmp_path / "tern.sock"
    srv = server_factory("--pidfile", str(pidfile), "--unixsocket", str(sock))
    assert pidfile.read_text().strip() == str(srv.pid)
    assert sock.exists()
    with srv.raw() as conn:
        conn.send_command("SHUTDOWN", "NOSAVE")
        assert conn.wait_closed(10)
    assert _wait_exit(srv) == 0
    assert not pidfile.exists() and not sock.exists()


def test_shutdown_save_fails_without_persistence_and_the_server_keeps_running(server_factory):
    srv = server_factory()
    with srv.raw() as conn:
        assert conn.call("SET", "k", "v") == b"OK"
        assert conn.call("SHUTDOWN", "SAVE") == b"ERR Errors trying to SHUTDOWN. Check logs."
        assert conn.call("GET", "k") == b"v"
    assert srv.alive()
    assert "Error trying to save the DB, can't exit." in srv.log()


def test_shutdown_save_force_exits_even_though_the_save_fails(server_factory):
    srv = server_factory()
    with srv.raw() as conn:
        conn.send_command("SHUTDOWN", "SAVE", "FORCE")
        assert conn.wait_closed(10)
    assert _wait_exit(srv) == 0
    assert "Exit anyway" in srv.log()


def test_shutdown_abort_with_no_shutdown_in_progress_is_an_error(raw):
    assert raw.call("SHUTDOWN", "ABORT") == b"ERR No shutdown in progress."


@pytest.mark.parametrize("sig,name", [(signal.SIGTERM, "SIGTERM"), (signal.SIGINT, "SIGINT")])
def test_a_termination_signal_shuts_down_cleanly_with_status_0(server_factory, tmp_path, sig, name):
    pidfile = tmp_path / "tern.pid"
    srv = server_factory("--pidfile", str(pidfile))
    with srv.raw() as conn:
        assert conn.call("SET", "k", "v") == b"OK"
        os.kill(srv.pid, sig)
        assert conn.wait_closed(10)
    assert _wait_exit(srv) == 0
    assert f"Received {name} scheduling shutdown" in srv.log()
    assert not pidfile.exists()


def test_shutdown_from_several_pipelined_clients_is_clean(server_factory):
    # Other clients still connected, with pending output, are freed too.
    srv = server_factory()
    others = [srv.raw() for _ in range(3)]
    for o in others:
        o.send_command("SET", "k", "v" * 100000)
        o.read_reply()
        o.send(b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n" * 5)
    with srv.raw() as conn:
        conn.send_command("SHUTDOWN", "NOSAVE")
        assert conn.wait_closed(10)
    assert _wait_exit(srv) == 0
    for o in others:
        o.close()


# ---- DEBUG gate ----

def test_debug_is_refused_when_enable_debug_command_is_no(server_factory):
    srv = server_factory("--enable-debug-command", "no")
    with srv.raw() as conn:
        assert conn.call("DEBUG", "SLEEP", "0") == DEBUG_REFUSED
        assert conn.call("DEBUG", "HELP") == DEBUG_REFUSED
        # The arity check comes first, as in Redis; all three count as rejected.
        assert conn.call("DEBUG") == b"ERR wrong number of arguments for 'debug' command"
        stats = conn.call("INFO", "commandstats").decode()
        assert re.search(r"cmdstat_debug:calls=0,.*rejected_calls=3,failed_calls=0", stats)


def test_debug_local_is_allowed_from_loopback_and_unix_socket_connections(server_factory, tmp_path):
    sock = str(tmp_path / "t.sock")
    srv = server_factory("--enable-debug-command", "local", "--unixsocket", sock)
    with srv.raw() as conn:
        assert conn.call("DEBUG", "SLEEP", "0") == b"OK"
    conn = _unix_conn(sock)
    try:
        assert conn.call("DEBUG", "SLEEP", "0") == b"OK"
    finally:
        conn.close()


def test_enable_debug_command_cannot_be_changed_at_runtime(raw):
    assert raw.call("CONFIG", "SET", "enable-debug-command", "no") == (
        b"ERR CONFIG SET failed (possibly related to argument 'enable-debug-command') - "
        b"can't set immutable config")


def test_debug_is_listed_with_redis_flags(raw):
    info = raw.call("COMMAND", "INFO", "debug")[0]
    assert info[1] == -2
    assert set(info[2]) >= {b"admin", b"noscript", b"loading", b"stale"}


# ---- DEBUG subcommands ----

def test_debug_sleep_blocks_the_server_for_the_given_time(raw):
    start = time.monotonic()
    assert raw.call("DEBUG", "SLEEP", "0.2") == b"OK"
    assert time.monotonic() - start >= 0.18


def test_debug_object_describes_encoding_lru_and_serialized_length(raw):
    raw.call("SET", "s", "hello")
    raw.call("SET", "n", "123")
    raw.call("SET", "r", "x" * 100)
    pat = (rb"Value at:0x[0-9a-f]+ refcount:(\d+) encoding:(\w+) serializedlength:(\d+) "
           rb"lru:(\d+) lru_seconds_idle:(\d+)")
    m = re.fullmatch(pat, raw.call("DEBUG", "OBJECT", "s"))
    assert m and m.group(1) == b"1" and m.group(2) == b"embstr" and m.group(3) == b"6"
    m = re.fullmatch(pat, raw.call("DEBUG", "OBJECT", "n"))
    assert m and m.group(1) == b"2147483647" and m.group(2) == b"int" and m.group(3) == b"2"
    m = re.fullmatch(pat, raw.call("DEBUG", "OBJECT", "r"))
    assert m and m.group(2) == b"raw" and m.group(3) == b"102"  # uncompressed length
    assert raw.call("DEBUG", "OBJECT", "missing") == b"ERR no such key"


def test_debug_digest_of_an_empty_dataset_is_forty_zeros(raw):
    assert raw.call("DEBUG", "DIGEST") == ZERO_DIGEST
    assert raw.call("DEBUG", "DIGEST-VALUE", "missing") == [ZERO_DIGEST]


def _fill(conn, order):
    for k in order:
        conn.call("SET", k, f"value-of-{k}")
    conn.call("SELECT", "5")
    conn.call("SET", "other-db", "x")
    conn.call("SELECT", "0")


def test_debug_digest_is_equal_for_equal_datasets_built_in_any_order(server_factory):
    a, b = server_factory(), server_factory()
    keys = [f"k{i}" for i in range(200)]
    with a.raw() as ca, b.raw() as cb:
        _fill(ca, keys)
        _fill(cb, list(reversed(keys)))
        da, db = ca.call("DEBUG", "DIGEST"), cb.call("DEBUG", "DIGEST")
        assert re.fullmatch(rb"[0-9a-f]{40}", da) and da != ZERO_DIGEST
        assert da == db
        # Any change shows: a value, a key's db, a TTL, a deleted key.
        cb.call("SET", "k7", "changed")
        assert cb.call("DEBUG", "DIGEST") != da
        cb.call("SET", "k7", "value-of-k7")
        assert cb.call("DEBUG", "DIGEST") == da
        cb.call("SET", "k7", "value-of-k7", "EX", "1000")
        assert cb.call("DEBUG", "DIGEST") != da
        cb.call("SET", "k7", "value-of-k7")
        cb.call("SELECT", "1")
        cb.call("SET", "k7", "value-of-k7")
        assert cb.call("DEBUG", "DIGEST") != da


def test_debug_digest_value_depends_on_the_value_not_the_key(raw):
    raw.call("SET", "a", "same")
    raw.call("SET", "b", "same")
    raw.call("SET", "c", "different")
    da, db, dc, dm = raw.call("DEBUG", "DIGEST-VALUE", "a", "b", "c", "missing")
    assert da == db and da != dc and dm == ZERO_DIGEST
    # An int-encoded value digests like the same text stored as a string.
    raw.call("SET", "i", "12345")
    raw.call("SET", "t", "12345", "KEEPTTL")
    assert raw.call("DEBUG", "DIGEST-VALUE", "i") == raw.call("DEBUG", "DIGEST-VALUE", "t")


def test_debug_set_active_expire_0_keeps_expired_keys_until_touched(raw):
    assert raw.call("DEBUG", "SET-ACTIVE-EXPIRE", "0") == b"OK"
    try:
        raw.call("SET", "short", "v", "PX", "20")
        time.sleep(0.4)
        assert b"db0:keys=1," in raw.call("INFO", "keyspace")
        assert raw.call("GET", "short") is None  # lazy expiry still works
        assert b"db0:" not in raw.call("INFO", "keyspace")
    finally:
        assert raw.call("DEBUG", "SET-ACTIVE-EXPIRE", "1") == b"OK"
    raw.call("SET", "short", "v", "PX", "20")
    deadline = time.monotonic() + 5
    while b"db0:" in raw.call("INFO", "keyspace"):
        assert time.monotonic() < deadline, "active expiry did not remove the key"
        time.sleep(0.05)


def test_debug_log_writes_the_message_to_the_server_log(server, raw):
    assert raw.call("DEBUG", "LOG", "marker-4711 from the test") == b"OK"
    deadline = time.monotonic() + 5
    while "DEBUG LOG: marker-4711 from the test" not in server.log():
        assert time.monotonic() < deadline
        time.sleep(0.02)


def test_debug_populate_creates_keys_with_a_prefix_and_a_size(raw):
    assert raw.call("DEBUG", "POPULATE", "100") == b"OK"
    assert b"db0:keys=100," in raw.call("INFO", "keyspace")
    assert raw.call("GET", "key:99") == b"value:99"
    assert raw.call("DEBUG", "POPULATE", "2", "big", "1000") == b"OK"
    assert raw.call("GET", "big:1") == b"value:1" + b"\0" * 993


def test_debug_protocol_in_resp3_sends_every_type(raw):
    raw.call("HELLO", "3")
    assert raw.call("DEBUG", "PROTOCOL", "double") == 3.141
    assert raw.call("DEBUG", "PROTOCOL", "true") is True
    assert raw.call("DEBUG", "PROTOCOL", "map") == {0: False, 1: True, 2: False}
    assert raw.call("DEBUG", "PROTOCOL", "bignum") == 1234567999999999999999999999999999999
    attrib = raw.call("DEBUG", "PROTOCOL", "attrib")
    assert attrib.attributes == {b"key-popularity": [b"key:123", 90]}
    assert attrib.value == b"Some real reply following the attribute"
    assert raw.call("DEBUG", "PROTOCOL", "push") == [b"server-cpu-usage", 42]
    assert raw.read_reply().value == b"Some real reply following the push reply"


# ---- MEMORY ----

def test_memory_usage_grows_with_the_value_and_is_nil_for_a_missing_key(raw):
    raw.call("SET", "small", "x")
    raw.call("SET", "large", "x" * 10000)
    small = raw.call("MEMORY", "USAGE", "small")
    large = raw.call("MEMORY", "USAGE", "large")
    assert 0 < small < 100
    assert 10000 <= large < 11000
    assert raw.call("MEMORY", "USAGE", "missing") is None
    assert raw.call("MEMORY", "USAGE", "large", "SAMPLES", "0") == large


def test_memory_stats_reports_totals_and_per_db_overhead(server):
    c = server.client()
    c.flushall()
    c.set("a", "1")
    stats = c.memory_stats()
    assert stats["keys.count"] == 1
    assert stats["total.allocated"] >= stats["startup.allocated"] > 0
    assert stats["peak.allocated"] >= stats["total.allocated"]
    assert "db.0" in stats and "overhead.hashtable.main" in stats["db.0"]


def test_memory_doctor_and_malloc_stats_reply_text(raw):
    assert raw.call("MEMORY", "DOCTOR").startswith(b"Hi Sam")
    assert len(raw.call("MEMORY", "MALLOC-STATS")) > 0
    assert raw.call("MEMORY", "PURGE") == b"OK"
