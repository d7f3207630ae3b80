"""Transactions: MULTI/EXEC/DISCARD and optimistic locking with WATCH,
across connections (one-connection shapes and errors are in
tests/diff/cases/multi_*.txt)."""

import threading
import time

import pytest

from support.resp import encode_command


def _unknown(reply):
    return isinstance(reply, bytes) and reply.startswith(b"ERR unknown command")


def _skip_if_unknown(raw, *names):
    for name in names:
        info = raw.call("COMMAND", "INFO", name)
        if info == [None]:
            pytest.skip(f"{name} is not in this build yet")


def _run_exec(conn, *commands):
    """MULTI, queue 'commands' (each a tuple), EXEC; returns EXEC's reply."""
    assert conn.call("MULTI") == b"OK"
    for cmd in commands:
        assert conn.call(*cmd) == b"QUEUED"
    return conn.call("EXEC")


# ---- the inventory example ----


def test_inventory_example_decrements_stock_and_records_the_order(server, raw):
    raw.call("SET", "inventory:sku1", "10")
    assert raw.call("WATCH", "inventory:sku1") == b"OK"
    assert raw.call("MULTI") == b"OK"
    queued = [raw.call("DECRBY", "inventory:sku1", "1"), raw.call("LPUSH", "orders", "sku1")]
    if any(_unknown(r) for r in queued):
        raw.call("DISCARD")
        pytest.skip("DECRBY or LPUSH is not in this build yet")
    assert queued == [b"QUEUED", b"QUEUED"]
    assert raw.call("EXEC") == [9, 1]
    assert raw.call("GET", "inventory:sku1") == b"9"


def test_inventory_example_replies_nil_when_another_client_changed_the_stock(server, raw):
    _skip_if_unknown(raw, "decrby", "lpush")
    raw.call("SET", "inventory:sku1", "10")
    raw.call("WATCH", "inventory:sku1")
    raw.call("MULTI")
    raw.call("DECRBY", "inventory:sku1", "1")
    raw.call("LPUSH", "orders", "sku1")
    with server.raw() as other:
        assert other.call("DECRBY", "inventory:sku1", "3") == 7
    assert raw.call("EXEC") is None
    assert raw.call("GET", "inventory:sku1") == b"7"
    assert raw.call("LLEN", "orders") == 0


def test_inventory_flow_with_set_and_incr_commits_when_nobody_interferes(raw):
    raw.call("SET", "inventory:sku1", "10")
    raw.call("WATCH", "inventory:sku1")
    stock = int(raw.call("GET", "inventory:sku1"))
    assert _run_exec(raw, ("SET", "inventory:sku1", str(stock - 1)), ("INCR", "orders:count")) == [b"OK", 1]
    assert raw.call("GET", "inventory:sku1") == b"9"


def test_inventory_flow_with_set_and_incr_returns_nil_when_another_client_bought_first(server, raw):
    raw.call("SET", "inventory:sku1", "10")
    raw.call("WATCH", "inventory:sku1")
    stock = int(raw.call("GET", "inventory:sku1"))
    raw.call("MULTI")
    raw.call("SET", "inventory:sku1", str(stock - 1))
    raw.call("INCR", "orders:count")
    with server.raw() as other:
        assert other.call("SET", "inventory:sku1", "4") == b"OK"
    assert raw.call("EXEC") is None
    assert raw.call("GET", "inventory:sku1") == b"4"
    assert raw.call("GET", "orders:count") is None
    # The failed EXEC forgot the watch: retrying now succeeds.
    assert _run_exec(raw, ("INCR", "orders:count")) == [1]


# ---- what aborts a watched transaction ----


def _watch_then(server, raw, key, *action, setup=(("SET", "w", "1"),), expect_abort=True):
    for cmd in setup:
        raw.call(*cmd)
    raw.call("WATCH", key)
    with server.raw() as other:
        if action:
            other.call(*action)
    result = _run_exec(raw, ("PING",))
    assert result == (None if expect_abort else [b"PONG"]), f"after {action}"


@pytest.mark.parametrize("action", [
    ("SET", "w", "2"),
    ("SET", "w", "1"),            # same value is still a write
    ("INCR", "w"),
    ("DEL", "w"),
    ("SET", "w", "1", "PX", "100000"),
    ("FLUSHDB",),
    ("FLUSHALL",),
    ("FLUSHALL", "ASYNC"),
])
def test_a_change_by_another_client_aborts_exec(server, raw, action):
    _watch_then(server, raw, "w", *action)


@pytest.mark.parametrize("action", [
    ("GET", "w"),
    ("SET", "other", "1"),
    ("DEL", "missing"),
    ("SET", "w", "2", "NX"),      # refused: no change
    ("SET", "w", "2", "XX", "GET", "PX", "0"),  # error: no change
])
def test_reads_and_changes_to_other_keys_do_not_abort_exec(server, raw, action):
    _watch_then(server, raw, "w", *action, expect_abort=False)


def test_creating_a_watched_missing_key_aborts_exec(server, raw):
    _watch_then(server, raw, "nokey", "SET", "nokey", "1", setup=())


def test_flushing_while_only_missing_keys_are_watched_does_not_abort(server, raw):
    _watch_then(server, raw, "nokey", "FLUSHALL", setup=(), expect_abort=False)


def test_flushing_another_db_does_not_abort(server, raw):
    raw.call("SET", "w", "1")
    raw.call("WATCH", "w")
    with server.raw() as other:
        other.call("SELECT", "9")
        other.call("SET", "w", "1")
        other.call("FLUSHDB")
    assert _run_exec(raw, ("PING",)) == [b"PONG"]


def test_a_watched_key_that_expires_before_exec_aborts_it_even_unread(raw):
    raw.call("SET", "ttl", "v", "PX", "60")
    raw.call("WATCH", "ttl")
    time.sleep(0.15)
    assert _run_exec(raw, ("PING",)) is None


def test_a_watched_key_removed_by_the_active_expiry_cycle_aborts_exec(server_factory):
    # The expired event tells when the cycle removed the key, without any
    # client touching it.
    srv = server_factory("--notify-keyspace-events", "Ex", "--hz", "50")
    with srv.raw() as c, srv.raw() as events:
        events.call("SUBSCRIBE", "__keyevent@0__:expired")
        c.call("SET", "ttl", "v", "PX", "30")
        c.call("WATCH", "ttl")
        assert events.read_reply(timeout=3).value == [b"message", b"__keyevent@0__:expired", b"ttl"]
        assert _run_exec(c, ("PING",)) is None


def test_a_key_already_expired_when_watched_counts_as_missing(server, raw):
    raw.call("SET", "gone", "v", "PX", "10")
    time.sleep(0.05)
    raw.call("WATCH", "gone")
    with server.raw() as other:
        assert other.call("GET", "gone") is None  # lazily removed: no logical change
    assert _run_exec(raw, ("PING",)) == [b"PONG"]
    raw.call("SET", "gone", "v", "PX", "10")
    time.sleep(0.05)
    raw.call("WATCH", "gone")
    with server.raw() as other:
        other.call("SET", "gone", "back")  # but bringing it back is a change
    assert _run_exec(raw, ("PING",)) is None


def test_swapdb_aborts_exec_for_keys_that_move(server, raw):
    _skip_if_unknown(raw, "swapdb")
    raw.call("SET", "w", "1")
    raw.call("WATCH", "w")
    with server.raw() as other:
        assert other.call("SWAPDB", "0", "1") == b"OK"
        other.call("SWAPDB", "0", "1")
    assert _run_exec(raw, ("PING",)) is None


def test_rename_aborts_exec_for_both_keys(server, raw):
    _skip_if_unknown(raw, "rename")
    for watched in ("src", "dst"):
        raw.call("FLUSHALL")
        raw.call("SET", "src", "1")
        raw.call("WATCH", watched)
        with server.raw() as other:
            assert other.call("RENAME", "src", "dst") == b"OK"
        assert _run_exec(raw, ("PING",)) is None, watched


def test_watch_is_per_db(server, raw):
    raw.call("SELECT", "3")
    raw.call("WATCH", "w")
    with server.raw() as other:
        other.call("SET", "w", "in db 0")
    assert _run_exec(raw, ("PING",)) == [b"PONG"]
    raw.call("WATCH", "w")
    with server.raw() as other:
        other.call("SELECT", "3")
        other.call("SET", "w", "in db 3")
    assert _run_exec(raw, ("PING",)) is None


def test_every_watcher_of_a_key_is_aborted(server, raw):
    watchers = [server.raw() for _ in range(3)]
    try:
        for w in watchers:
            w.call("WATCH", "shared", "own")
        raw.call("SET", "shared", "x")
        for w in watchers:
            assert _run_exec(w, ("PING",)) is None
    finally:
        for w in watchers:
            w.close()


def test_a_client_that_disconnects_while_watching_leaves_no_trace(server, raw):
    for _ in range(3):
        c = server.raw()
        c.call("WATCH", "k1", "k2", "k3")
        c.call("MULTI")
        c.call("SET", "k1", "queued")
        c.close()
    raw.call("SET", "k1", "after")  # touches the watch tables of gone clients
    assert raw.call("WATCH", "k1") == b"OK"
    assert _run_exec(raw, ("GET", "k1")) == [b"after"]


def test_unwatch_and_discard_forget_watched_keys(server, raw):
    raw.call("WATCH", "w")
    raw.call("UNWATCH")
    raw.call("SET", "w", "x")
    assert _run_exec(raw, ("PING",)) == [b"PONG"]
    raw.call("WATCH", "w")
    raw.call("MULTI")
    assert raw.call("DISCARD") == b"OK"
    raw.call("SET", "w", "y")
    assert _run_exec(raw, ("PING",)) == [b"PONG"]


# ---- queueing ----


def test_queueing_errors_make_exec_fail_with_execabort_and_nothing_runs(raw):
    raw.call("MULTI")
    assert raw.call("SET", "a", "1") == b"QUEUED"
    assert raw.call("NOSUCH", "x").startswith(b"ERR unknown command 'NOSUCH'")
    assert raw.call("GET") == b"ERR wrong number of arguments for 'get' command"
    assert raw.call("EXEC") == b"EXECABORT Transaction discarded because of previous errors."
    assert raw.call("GET", "a") is None


def test_runtime_errors_inside_exec_do_not_roll_back(raw):
    raw.call("SET", "text", "abc")
    got = _run_exec(raw, ("SET", "a", "1"), ("INCR", "text"), ("INCR", "a"))
    assert got == [b"OK", b"ERR value is not an integer or out of range", 2]
    assert raw.call("GET", "a") == b"2"


def test_queued_arguments_survive_the_query_buffer_being_reused(raw):
    big = b"v" * (200 * 1024)
    raw.call("MULTI")
    # A big argument split over several writes, then more commands: the
    # query buffer is consumed and refilled many times before EXEC.
    frame = encode_command("SET", "big", big)
    for i in range(0, len(frame), 7000):
        raw.send(frame[i:i + 7000])
        time.sleep(0.001)
    assert raw.read_reply().value == b"QUEUED"
    for j in range(50):
        assert raw.call("SET", f"k{j}", f"value-{j}" * 100) == b"QUEUED"
    got = raw.call("EXEC")
    assert got == [b"OK"] * 51
    assert raw.call("GET", "big") == big
    assert raw.call("GET", "k49") == b"value-49" * 100


def test_a_thousand_queued_commands_run_in_order(raw):
    raw.send(encode_command("MULTI") + encode_command("INCR", "n") * 1000 + encode_command("EXEC"))
    assert raw.read_reply().value == b"OK"
    for _ in range(1000):
        assert raw.read_reply().value == b"QUEUED"
    assert raw.read_reply(timeout=10).value == list(range(1, 1001))


def test_nothing_interleaves_with_a_running_exec(server, raw):
    # Another client hammers the same counter while our EXEC runs: the
    # values EXEC sees must still be consecutive.
    n = 2000
    raw.call("SET", "ctr", "0")
    raw.call("MULTI")
    raw.send(encode_command("INCR", "ctr") * n)
    for _ in range(n):
        assert raw.read_reply().value == b"QUEUED"
    other = server.raw()
    other.send(encode_command("INCR", "ctr") * n)  # keep the server busy with it too

    def drain():
        for _ in range(n):
            other.read_reply(timeout=10)

    t = threading.Thread(target=drain)
    t.start()
    got = raw.call("EXEC", timeout=10)
    t.join()
    other.close()
    assert got == list(range(got[0], got[0] + n))
    assert raw.call("GET", "ctr") == str(2 * n).encode()


def test_exec_replies_a_null_in_resp3_and_an_array_in_resp2(server, raw):
    with server.raw() as c3:
        c3.call("HELLO", "3")
        c3.call("WATCH", "w")
        raw.call("SET", "w", "x")
        c3.call("MULTI")
        c3.send_command("EXEC")
        assert c3.read_reply().raw == b"_\r\n"
    raw.call("WATCH", "w")
    raw.call("SET", "w", "y")
    raw.call("MULTI")
    raw.send_command("EXEC")
    assert raw.read_reply().raw == b"*-1\r\n"


def test_reset_discards_the_transaction_and_the_watches(server, raw):
    raw.call("WATCH", "w")
    raw.call("MULTI")
    raw.call("SET", "w", "queued")
    assert raw.call("RESET") == b"RESET"
    assert raw.call("EXEC") == b"ERR EXEC without MULTI"
    with server.raw() as other:
        other.call("SET", "w", "changed")
    assert _run_exec(raw, ("GET", "w")) == [b"changed"]


# ---- like redis: two-client races compared byte for byte ----


def _race_scenario(srv):
    out = []
    with srv.raw() as a, srv.raw() as b:
        a.call("FLUSHALL")
        for step in [(a, "SET", "stock", "5"), (a, "WATCH", "stock"), (a, "MULTI"),
                     (a, "INCR", "stock"), (b, "INCR", "stock"), (a, "EXEC"),
                     (a, "WATCH", "stock"), (b, "GET", "stock"), (a, "MULTI"),
                     (a, "INCR", "stock"), (a, "EXEC"),
                     (a, "WATCH", "stock", "other"), (b, "DEL", "stock"), (a, "MULTI"),
                     (a, "EXEC"), (a, "WATCH", "stock"), (b, "FLUSHALL"), (a, "MULTI"),
                     (a, "EXEC"), (b, "SET", "stock", "1"), (a, "WATCH", "stock"),
                     (b, "FLUSHALL"), (a, "MULTI"), (a, "NOSUCH"), (a, "EXEC")]:
            conn, args = step[0], step[1:]
            conn.send_command(*args)
            out.append(conn.read_reply().raw)
    return out


def test_watch_races_between_two_clients_reply_like_redis(server, ref_server):
    assert _race_scenario(server) == _race_scenario(ref_server)


def test_over_maxmemory_exec_of_a_write_fails_and_exec_of_reads_runs(server_factory):
    # noeviction: once used memory passes maxmemory, a transaction holding a
    # command that may grow the dataset is refused at EXEC, reads are not.
    srv = server_factory()
    conn, admin = srv.raw(), srv.raw()
    conn.call("SET", "k", "v")
    assert conn.call("MULTI") == b"OK"
    assert conn.call("SET", "x", "1") == b"QUEUED"
    assert admin.call("CONFIG", "SET", "maxmemory", "1") == b"OK"
    assert conn.call("EXEC").startswith(b"EXECABORT Transaction discarded because of: OOM")
    assert admin.call("CONFIG", "SET", "maxmemory", "0") == b"OK"
    conn.call("MULTI")
    conn.call("GET", "k")
    conn.call("PING")
    admin.call("CONFIG", "SET", "maxmemory", "1")
    assert conn.call("EXEC") == [b"v", b"PONG"]
    # Queueing itself is refused, DISCARD still works and ends MULTI.
    conn.call("MULTI")
    assert conn.call("GET", "k").startswith(b"OOM command not allowed")
    assert conn.call("DISCARD") == b"OK"
    assert conn.call("PING") == b"PONG"
    admin.call("CONFIG", "SET", "maxmemory", "0")
    assert conn.call("SET", "x", "1") == b"OK"
    conn.close()
    admin.close()
