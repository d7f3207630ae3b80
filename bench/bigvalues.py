#!/usr/bin/python3
"""Big values side by side: SET and GET of one multi-megabyte string.

For each size, on a fresh tern and a fresh redis-server (in turn, never at
once, so they do not compete for the CPUs), one raw connection SETs a
value of that size and GETs it back, while a second connection (the
bystander) sends PING after PING and notes its slowest answer.  Measured
per operation and server:

- wall: from the first byte sent to the last byte of the reply received;
- server CPU: user+system seconds of the server process (/proc/PID/stat);
- peak RSS: VmHWM (reset through /proc/PID/clear_refs just before the
  operation) minus VmRSS before it, as a multiple of the value size, so
  1.00 means the server held exactly one copy at its peak;
- bystander: the worst PING round trip while the operation was in flight.

The value (pseudo-random bytes) is checked by SHA-1 after the GET.  The
client is plain Python over blocking sockets: its own cost shows in wall
time equally for both servers, and the server CPU column is unaffected.

    /usr/bin/python3 bench/bigvalues.py --server build/tern-server
    /usr/bin/python3 bench/bigvalues.py --server build/tern-server --sizes 16 --rounds 3

bench/run.py runs the same measurement as its `bigvalues` suite.
"""

import argparse
import hashlib
import multiprocessing
import os
import socket
import statistics
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tests"))

from support import servers  # noqa: E402

CLK_TCK = os.sysconf("SC_CLK_TCK")
MB = 1 << 20
SERVER_ARGS = ["--save", "", "--appendonly", "no"]
OPS = ("SET", "GET")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat", "rb") as f:
        fields = f.read().rsplit(b")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def status_kb(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {field} for pid {pid}")


def reset_peak(pid):
    """Make VmHWM start again from the current RSS (Linux clear_refs 5)."""
    with open(f"/proc/{pid}/clear_refs", "w") as f:
        f.write("5")


def make_value(size):
    """`size` pseudo-random bytes (a random megabyte, each copy varied)."""
    if size <= MB:
        return os.urandom(size)
    block = bytearray(os.urandom(MB))
    parts = []
    for j in range(size // MB):
        block[:8] = j.to_bytes(8, "little")
        parts.append(bytes(block))
    parts.append(os.urandom(size % MB))
    return b"".join(parts)


def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=120)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def read_line(sock, buf):
    while b"\r\n" not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            raise RuntimeError("connection closed")
        buf += chunk
    line, _, rest = bytes(buf).partition(b"\r\n")
    del buf[:]
    buf += rest
    return line


def _bystander(port, pipe):
    """Child process: PING in a loop while told to run, report the worst."""
    sock = connect(port)
    buf = bytearray()
    running, worst, count = False, 0.0, 0
    while True:
        if pipe.poll(0 if running else None):
            msg = pipe.recv()
            if msg == "start":
                running, worst, count = True, 0.0, 0
            elif msg == "stop":
                running = False
                pipe.send((worst, count))
            else:
                break
        if not running:
            continue
        t0 = time.perf_counter()
        sock.sendall(b"PING\r\n")
        if read_line(sock, buf) != b"+PONG":
            raise RuntimeError("bystander: unexpected reply")
        worst = max(worst, time.perf_counter() - t0)
        count += 1
        time.sleep(0.001)
    sock.close()


class Bystander:
    """A second client, in a process of its own (so the measuring client
    does not delay it), sending PING in a loop and noting the worst round
    trip between start() and stop()."""

    def __init__(self, port):
        self.pipe, child = multiprocessing.Pipe()
        self.proc = multiprocessing.Process(target=_bystander, args=(port, child), daemon=True)
        self.proc.start()

    def start(self):
        self.pipe.send("start")

    def stop(self):
        self.pipe.send("stop")
        return self.pipe.recv()

    def close(self):
        self.pipe.send("quit")
        self.proc.join(5)
        if self.proc.is_alive():
            self.proc.kill()


def timed(server, op, fn, by):
    """Run fn() as operation `op`; return its measurements."""
    pid = server.pid
    rss0 = status_kb(pid, "VmRSS")
    reset_peak(pid)
    cpu0 = cpu_seconds(pid)
    by.start()
    t0 = time.perf_counter()
    fn()
    wall = time.perf_counter() - t0
    worst, pings = by.stop()
    return {"wall": wall, "cpu": cpu_seconds(pid) - cpu0,
            "peak": status_kb(pid, "VmHWM") - rss0, "ping": worst, "pings": pings}


def set_get(server, size, value, digest):
    """One SET and one GET of `value` on `server`; returns {op: measures}."""
    by = Bystander(server.port)
    sock = connect(server.port)
    buf = bytearray()
    out = {}
    try:
        def do_set():
            sock.sendall(b"*3\r\n$3\r\nSET\r\n$7\r\nbig:key\r\n$%d\r\n" % size)
            sock.sendall(value)
            sock.sendall(b"\r\n")
            reply = read_line(sock, buf)
            if reply != b"+OK":
                raise RuntimeError(f"{server.name}: SET replied {reply[:80]!r}")

        got = bytearray(size + 2)

        def do_get():
            sock.sendall(b"*2\r\n$3\r\nGET\r\n$7\r\nbig:key\r\n")
            head = read_line(sock, buf)
            if head != b"$%d" % size:
                raise RuntimeError(f"{server.name}: GET replied {head[:80]!r}")
            view = memoryview(got)
            have = len(buf)
            view[:have] = buf
            del buf[:]
            while have < size + 2:
                n = sock.recv_into(view[have:])
                if n == 0:
                    raise RuntimeError("connection closed during GET")
                have += n

        out["SET"] = timed(server, "SET", do_set, by)
        out["GET"] = timed(server, "GET", do_get, by)
        if hashlib.sha1(memoryview(got)[:size]).digest() != digest or got[size:] != b"\r\n":
            raise RuntimeError(f"{server.name}: GET returned different bytes")
        out["GET"]["rss"] = status_kb(server.pid, "VmRSS")
    finally:
        sock.close()
        by.close()
    return out


def measure(tern, redis, sizes_mb, rounds=1, tern_args=(), log=print):
    """{size_mb: {server: {op: {measure: median}}}} for both servers."""
    results = {}
    for mb in sizes_mb:
        size = mb * MB
        value = make_value(size)
        digest = hashlib.sha1(value).digest()
        runs = {"tern": [], "redis": []}
        for r in range(rounds):
            order = ("tern", "redis") if r % 2 == 0 else ("redis", "tern")
            for name in order:
                binary = tern if name == "tern" else redis
                args = SERVER_ARGS + (list(tern_args) if name == "tern" else [])
                s = servers.start_server(binary, args, name=name)
                try:
                    runs[name].append(set_get(s, size, value, digest))
                finally:
                    problems = s.stop()
                    if problems:
                        log("\n".join(problems))
        del value
        results[mb] = {
            name: {op: {k: statistics.median(run[op][k] for run in rs)
                        for k in ("wall", "cpu", "peak", "ping")} for op in OPS}
            for name, rs in runs.items()}
        for op in OPS:
            t, rd = results[mb]["tern"][op], results[mb]["redis"][op]
            log(f"{op} {mb} MB: tern wall {t['wall']:.3f}s cpu {t['cpu']:.2f}s "
                f"peak {t['peak'] / size:.2f}x ping {t['ping'] * 1e3:.1f}ms | redis wall "
                f"{rd['wall']:.3f}s cpu {rd['cpu']:.2f}s peak {rd['peak'] / size:.2f}x "
                f"ping {rd['ping'] * 1e3:.1f}ms")
    return results


def ratio(a, b):
    return a / b if b > 0 else float("inf") if a > 0 else 1.0


def print_table(results):
    """Print the side-by-side table; return [(label, wall ratio, cpu ratio)]."""
    print("big values: one SET / GET of a string of the given size on a fresh server; "
          "ratios tern/redis (<1: tern cheaper); peak = extra RSS at the peak / value size; "
          "ping = a bystander's worst PING round trip during the operation")
    print(f"{'test':<14}{'tern s':>8}{'redis s':>9}{'wall':>6}{'tern cpu':>10}{'redis cpu':>10}"
          f"{'cpu':>6}{'peak t/r':>11}{'ping ms t/r':>14}")
    rows = []
    for mb, res in results.items():
        size = mb * MB
        for op in OPS:
            t, r = res["tern"][op], res["redis"][op]
            label = f"{op}_{mb}MB"
            w, c = ratio(t["wall"], r["wall"]), ratio(t["cpu"], r["cpu"])
            rows.append((label, w, c, t, r))
            print(f"{label:<14}{t['wall']:>8.3f}{r['wall']:>9.3f}{w:>6.2f}{t['cpu']:>10.2f}"
                  f"{r['cpu']:>10.2f}{c:>6.2f}"
                  f"{t['peak'] / size:>6.2f}/{r['peak'] / size:<4.2f}"
                  f"{t['ping'] * 1e3:>8.1f}/{r['ping'] * 1e3:<5.1f}")
    return rows


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--server", required=True, help="tern-server binary")
    p.add_argument("--redis", default=servers.REFERENCE_BINARY)
    p.add_argument("--sizes", default="1,16,64,256", help="value sizes in MB (default 1,16,64,256)")
    p.add_argument("--rounds", type=int, default=1, help="runs per size and server (median)")
    p.add_argument("--server-args", default="", help="extra tern arguments, one string")
    a = p.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)
    sizes = [int(x) for x in a.sizes.split(",")]
    res = measure(os.path.abspath(a.server), a.redis, sizes, a.rounds, a.server_args.split(),
                  log=lambda m: print(m, file=sys.stderr, flush=True))
    print_table(res)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
