"""Helpers for tests of blocking commands: wait until the server has really
parked a client instead of guessing with a sleep, so a following write from
another connection cannot overtake the blocking command."""
import time


def blocked_count(info_conn):
    """INFO clients' blocked_clients, read over `info_conn`."""
    text = info_conn.call("INFO", "clients")
    for line in text.split(b"\r\n"):
        if line.startswith(b"blocked_clients:"):
            return int(line.split(b":", 1)[1])
    raise AssertionError("INFO clients has no blocked_clients field")


def send_blocking(info_conn, conn, *command, timeout=5.0):
    """Sends `command` on `conn` and returns once the server counts one more
    blocked client (the command must block)."""
    before = blocked_count(info_conn)
    conn.send_command(*command)
    deadline = time.monotonic() + timeout
    while blocked_count(info_conn) <= before:
        if time.monotonic() > deadline:
            raise AssertionError(f"{command!r} did not block within {timeout}s")
        time.sleep(0.002)


def open_blocked(server, *command):
    """A new raw connection to `server` that sent `command`, returned once
    the server has parked it (the command must block)."""
    conn = server.raw()
    info = server.raw()
    try:
        send_blocking(info, conn, *command)
    finally:
        info.close()
    return conn
