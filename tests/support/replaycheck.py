"""Replays the propagation stream and compares datasets.

`run(binary, commands, seed)` starts a tern server, has it log its
propagation stream (DEBUG PROPAGATION-LOG, the same bytes an AOF holds)
while several connections throw the random workload of support.workload
at it concurrently, then starts a second, empty server, sends it the log,
and compares the two datasets: DEBUG DIGEST, and a canonical dump through
commands (values, exact TTLs, stream groups, consumers and pending
entries).  The replay must not produce a single error reply.

Active expiry is off on both servers, so a key expires only where the
stream says so (see the TTL rule in support.workload).

As a script (`make replay-long` runs it with 1,000,000 commands):
    /usr/bin/python3 tests/support/replaycheck.py --server build/tern-server \
        --commands 1000000 [--seed N]
"""

import argparse
import os
import random
import select
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from support import servers, workload  # noqa: E402
from support.resp import encode_command  # noqa: E402

BATCH = 500  # commands per connection between two waits for its replies


class Pipe:
    """A raw connection fed in batches: each batch ends with ECHO <marker>
    and the connection counts as idle once the marker's reply came back."""

    def __init__(self, port, tag):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.marker = b"end-of-batch-%s-%016x" % (tag, random.getrandbits(64))
        self.expect = b"\r\n" + self.marker + b"\r\n"
        self.buf = bytearray()
        self.busy = False
        self.out = b""

    def fileno(self):
        return self.sock.fileno()

    def send(self, data):
        self.out = data + encode_command("ECHO", self.marker)
        self.busy = True

    def pump_write(self):
        if self.out:
            n = self.sock.send(self.out[: 1 << 20])
            self.out = self.out[n:]

    def pump_read(self):
        chunk = self.sock.recv(1 << 20)
        if not chunk:
            raise ConnectionError("server closed the connection")
        self.buf += chunk
        if self.buf.endswith(self.expect):
            self.busy = False
            self.buf.clear()
        elif len(self.buf) > 1 << 22:
            del self.buf[: -len(self.expect)]


def drive(pipes, batches):
    """Sends each pipe its next batch whenever it is idle, until `batches`
    (an iterator of bytes) is exhausted and every pipe is idle."""
    more = True
    while True:
        for p in pipes:
            if not p.busy and more:
                data = next(batches, None)
                if data is None:
                    more = False
                else:
                    p.send(data)
        live = [p for p in pipes if p.busy]
        if not live:
            return
        rd, wr, _ = select.select(live, [p for p in live if p.out], [], 30)
        if not rd and not wr:
            raise TimeoutError("no progress for 30 s")
        for p in wr:
            p.pump_write()
        for p in rd:
            p.pump_read()


def workload_batches(seed, commands):
    w = workload.Workload(seed)
    sent = 0
    while sent < commands:
        parts = []
        n = 0
        while n < BATCH:
            for cmd in w.commands():
                parts.append(encode_command(*cmd))
                n += 1
        sent += n
        yield b"".join(parts)


def stream_commands(data):
    """Yields (name, start, end) for each command of a RESP stream."""
    pos = 0
    while pos < len(data):
        start = pos
        end = data.index(b"\r\n", pos)
        argc = int(data[pos + 1 : end])
        pos = end + 2
        name = b""
        for j in range(argc):
            end = data.index(b"\r\n", pos)
            n = int(data[pos + 1 : end])
            if j == 0:
                name = data[end + 2 : end + 2 + n].upper()
            pos = end + 2 + n + 2
        yield name, start, pos


def file_batches(data, size=1 << 20):
    """The stream in chunks of about `size` bytes cut between commands."""
    start = 0
    for _, _, end in stream_commands(data):
        if end - start >= size:
            yield data[start:end]
            start = end
    if start < len(data):
        yield data[start:]


def stream_histogram(data):
    """Commands in a RESP stream by name: {b"SET": n, ...}."""
    hist = {}
    for name, _, _ in stream_commands(data):
        hist[name] = hist.get(name, 0) + 1
    return hist


def run(binary, commands, seed, conns=3, sanitized=False, log=print):
    """Returns (digest_original, digest_replay, dump differences, stats)."""
    a = servers.start_server(binary, servers.TERN_ARGS, name="original", sanitized=sanitized)
    b = None
    try:
        ca = a.client(decode_responses=False)
        ca.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "0")
        path = os.path.join(a.tmpdir, "stream.resp")
        ca.execute_command("DEBUG", "PROPAGATION-LOG", path)
        t0 = time.monotonic()
        pipes = [Pipe(a.port, b"%d" % j) for j in range(conns)]
        drive(pipes, workload_batches(seed, commands))
        for p in pipes:
            p.sock.close()
        ca.execute_command("DEBUG", "PROPAGATION-LOG", "OFF")
        t1 = time.monotonic()
        size = os.path.getsize(path)
        st = ca.info("stats")
        log(f"workload: {commands} commands (seed {seed}) in {t1 - t0:.1f}s, "
            f"{st['total_error_replies']} error replies, stream {size} bytes")

        b = servers.start_server(binary, servers.TERN_ARGS, name="replay", sanitized=sanitized)
        cb = b.client(decode_responses=False)
        cb.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "0")
        with open(path, "rb") as f:
            data = f.read()
        drive([Pipe(b.port, b"r")], file_batches(data))
        t2 = time.monotonic()
        errors = cb.info("stats")["total_error_replies"]
        log(f"replay: {t2 - t1:.1f}s, {errors} error replies")

        da, db = ca.execute_command("DEBUG", "DIGEST"), cb.execute_command("DEBUG", "DIGEST")
        dump_a, dump_b = workload.dump(a.raw(timeout=60)), workload.dump(b.raw(timeout=60))
        diffs = []
        for k in sorted(set(dump_a) | set(dump_b)):
            if dump_a.get(k) != dump_b.get(k):
                diffs.append((k, dump_a.get(k), dump_b.get(k)))
        stats = {"keys": len(dump_a), "errors": errors, "stream_bytes": size,
                 "stream": stream_histogram(data)}
        return da, db, diffs, stats
    finally:
        problems = a.stop()
        if b:
            problems += b.stop()
        if problems:
            raise AssertionError("\n".join(problems))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--server", required=True)
    p.add_argument("--commands", type=int, default=1_000_000)
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--conns", type=int, default=3)
    a = p.parse_args(argv)
    seed = a.seed if a.seed is not None else random.randrange(1 << 30)
    da, db, diffs, stats = run(os.path.abspath(a.server), a.commands, seed, a.conns)
    print(f"keys {stats['keys']}, digest original {da.decode()} replay {db.decode()}")
    hist = sorted(stats["stream"].items(), key=lambda kv: -kv[1])
    print("stream: " + ", ".join(f"{k.decode()} {v}" for k, v in hist))
    for k, x, y in diffs[:20]:
        print(f"DIFF {k}:\n  original {x!r}\n  replay   {y!r}")
    ok = da == db and not diffs and stats["errors"] == 0
    print("OK: the replayed stream rebuilt the same dataset" if ok else f"FAILED (seed {seed})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
