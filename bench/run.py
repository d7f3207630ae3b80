#!/usr/bin/python3
"""Side-by-side benchmark of tern against redis-server, printing ratios.

Throughput: redis-benchmark (-c 50 -q --csv) runs each test of TESTS at
each pipeline depth against both servers in many short rounds, alternating
which server goes first (A B, B A, ...) so drift in machine load hits both
alike.  Reported per test: the median ops/s of each server and the median
of the per-round ratios tern/redis; then the geometric mean of the ratios.
Request counts are sized from a short calibration run against redis so
that each run lasts about --seconds.

Memory: on fresh servers, the growth of VmRSS after loading --keys keys
(16-byte names, 32-byte values, pipelined SETs) per key, and the ratio.

Both servers run with persistence off on free loopback ports and are
killed in a finally block; --max-seconds bounds the whole run.  See
bench/README.md.
"""

import argparse
import csv
import math
import os
import shlex
import socket
import statistics
import subprocess
import sys
import time
from collections import namedtuple

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tests"))

from support import servers  # noqa: E402
from support.resp import ErrorReply  # noqa: E402

KEYSPACE = "100000"

Bench = namedtuple("Bench", "name args probe")
# name:  what the table shows and --tests selects
# args:  redis-benchmark arguments choosing the workload (-t NAME, or a
#        literal command at the end, e.g. ["-r", KEYSPACE, "HSET", "h", "__rand_int__", "v"])
# probe: one command that must succeed on both servers first, or the test
#        is reported as unsupported instead of timing error replies
TESTS = [
    Bench("PING_INLINE", ["-t", "ping_inline"], ["PING"]),
    Bench("PING_MBULK", ["-t", "ping_mbulk"], ["PING"]),
    Bench("SET", ["-t", "set", "-r", KEYSPACE], ["SET", "bench:probe", "x"]),
    Bench("GET", ["-t", "get", "-r", KEYSPACE], ["GET", "bench:probe"]),
    Bench("INCR", ["-t", "incr", "-r", KEYSPACE], ["INCR", "bench:probe:n"]),
    Bench("MSET", ["-t", "mset", "-r", KEYSPACE], ["MSET", "bench:a", "1", "bench:b", "2"]),
]

SERVER_ARGS = ["--save", "", "--appendonly", "no"]


class BenchError(Exception):
    pass


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--server", required=True, help="tern-server binary")
    p.add_argument("--server-args", default="", help="extra arguments for tern, one string")
    p.add_argument("--redis", default=servers.REFERENCE_BINARY, help="reference redis-server")
    p.add_argument("--benchmark", default="/usr/bin/redis-benchmark", help="redis-benchmark binary")
    p.add_argument("--tests", help="comma-separated subset of: " + ",".join(b.name for b in TESTS))
    p.add_argument("--pipelines", default="1,16", help="comma-separated -P depths (default 1,16)")
    p.add_argument("--rounds", type=int, default=10, help="A/B rounds per test (default 10)")
    p.add_argument("--clients", type=int, default=50, help="redis-benchmark -c (default 50)")
    p.add_argument("--seconds", type=float, default=0.5,
                   help="target duration of one run, sets -n (default 0.5)")
    p.add_argument("--requests", type=int, help="fixed -n instead of calibrating")
    p.add_argument("--keys", type=int, default=1_000_000, help="keys for --memory (default 1e6)")
    mem = p.add_mutually_exclusive_group()
    mem.add_argument("--memory", action="store_true", help="run only the memory benchmark")
    mem.add_argument("--no-memory", action="store_true", help="skip the memory benchmark")
    p.add_argument("--quick", action="store_true", help="2 rounds of 0.2 s runs: a smoke check")
    p.add_argument("--max-seconds", type=float, default=300,
                   help="stop starting new runs after this long (default 300)")
    a = p.parse_args(argv)
    if a.quick:
        a.rounds, a.seconds = 2, 0.2
    try:
        a.pipelines = [int(x) for x in a.pipelines.split(",")]
    except ValueError:
        p.error("--pipelines takes numbers, e.g. 1,16")
    by_name = {b.name.lower(): b for b in TESTS}
    if a.tests:
        unknown = [t for t in a.tests.split(",") if t.lower() not in by_name]
        if unknown:
            p.error(f"unknown test(s) {','.join(unknown)}; known: {','.join(by_name).upper()}")
        a.tests = [by_name[t.lower()] for t in a.tests.split(",")]
    else:
        a.tests = list(TESTS)
    for b in (a.server, a.redis, a.benchmark):
        if not os.access(b, os.X_OK):
            p.error(f"{b} is not an executable file")
    return a


def start(a, name):
    if name == "tern":
        return servers.start_server(a.server, SERVER_ARGS + shlex.split(a.server_args), name=name)
    return servers.start_server(a.redis, SERVER_ARGS, name=name)


def stop_all(started):
    for s in started:
        problems = s.stop()
        if problems:
            log("\n".join(problems))


def probe(server, bench):
    """Return None if `bench.probe` works on `server`, else the error text."""
    with server.raw() as conn:
        reply = conn.call(*bench.probe)
        conn.call("FLUSHALL")
    return reply.decode(errors="replace") if isinstance(reply, ErrorReply) else None


def run_benchmark(a, server, bench, pipeline, requests):
    """One redis-benchmark run; return ops/s."""
    argv = [a.benchmark, "-h", server.host, "-p", str(server.port), "-c", str(a.clients),
            "-n", str(requests), "-P", str(pipeline), "-q", "--csv"] + bench.args
    limit = max(60.0, 40 * a.seconds)
    try:
        res = subprocess.run(argv, capture_output=True, text=True, timeout=limit)
    except subprocess.TimeoutExpired:
        raise BenchError(f"{bench.name} P{pipeline} on {server.name}: no result within {limit:.0f}s")
    errors = [ln for ln in res.stderr.splitlines() if ln.strip() and not ln.startswith("WARN")]
    rows = [r for r in csv.reader(res.stdout.splitlines()) if len(r) >= 2 and r[0] != "test"]
    if res.returncode != 0 or errors or not rows:
        raise BenchError(f"{bench.name} P{pipeline} on {server.name}: redis-benchmark exited "
                         f"{res.returncode}\n  {' '.join(argv)}\n  " +
                         "\n  ".join((errors or res.stdout.splitlines())[:5]))
    if not server.alive():
        raise BenchError(f"{server.name} died during {bench.name} P{pipeline}:\n"
                         f"{server.log()[-2000:]}")
    return float(rows[0][1])


def throughput(a, tern, redis, deadline):
    """Probe, calibrate and run all rounds.

    Returns (combos, sizes, results, rounds_done, unsupported, error): the
    (Bench, pipeline) pairs run, -n for each, per-pair lists of ops/s and
    ratios, and the BenchError that cut the rounds short, if any.
    """
    combos, unsupported = [], []
    for bench in a.tests:
        missing = [(s.name, err) for s in (tern, redis) if (err := probe(s, bench))]
        if missing:
            unsupported.append((bench.name, missing))
            continue
        combos.extend((bench, p) for p in a.pipelines)
    for name, missing in unsupported:
        log(f"skipping {name}: " + "; ".join(f"{n} replied {e!r}" for n, e in missing))

    sizes = {}
    for bench, p in combos:
        if a.requests:
            sizes[bench.name, p] = a.requests
            continue
        trial = 1000 * min(p, 10) * (2 if a.seconds >= 0.5 else 1)
        rps = run_benchmark(a, redis, bench, p, trial)
        sizes[bench.name, p] = int(min(max(rps * a.seconds, 1000), 5_000_000))

    results = {(b.name, p): {"tern": [], "redis": [], "ratio": []} for b, p in combos}
    done_rounds, error = 0, None
    for r in range(a.rounds):
        log(f"round {r + 1}/{a.rounds}")
        try:
            for k, (bench, p) in enumerate(combos):
                if time.monotonic() > deadline:
                    raise TimeoutError
                order = (tern, redis) if (r + k) % 2 == 0 else (redis, tern)
                got = {s.name: run_benchmark(a, s, bench, p, sizes[bench.name, p]) for s in order}
                res = results[bench.name, p]
                res["tern"].append(got["tern"])
                res["redis"].append(got["redis"])
                res["ratio"].append(got["tern"] / got["redis"])
        except BenchError as e:
            error = e
            break
        except TimeoutError:
            log(f"--max-seconds reached: stopping in round {r + 1}")
            break
        done_rounds += 1
    return combos, sizes, results, done_rounds, unsupported, error


def print_throughput(a, combos, sizes, results, rounds):
    print(f"\nthroughput: redis-benchmark -c {a.clients}, {rounds} full interleaved A/B round(s); "
          "ratio = median of per-round tern/redis")
    print(f"{'test':<14}{'P':>4}{'requests':>11}{'tern ops/s':>14}{'redis ops/s':>14}"
          f"{'ratio':>8}  {'min..max':<12}{'runs':>4}")
    ratios = []
    for bench, p in combos:
        res = results[bench.name, p]
        if not res["ratio"]:
            continue
        ratio = statistics.median(res["ratio"])
        ratios.append(ratio)
        tern_ops, redis_ops = statistics.median(res["tern"]), statistics.median(res["redis"])
        print(f"{bench.name:<14}{p:>4}{sizes[bench.name, p]:>11,}{tern_ops:>14,.0f}"
              f"{redis_ops:>14,.0f}{ratio:>8.2f}  "
              f"{min(res['ratio']):.2f}..{max(res['ratio']):.2f}{len(res['ratio']):>6}")
    if ratios:
        gmean = math.exp(sum(math.log(x) for x in ratios) / len(ratios))
        print(f"geometric mean of {len(ratios)} ratios (tern/redis): {gmean:.2f}")


def rss_bytes(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise BenchError(f"no VmRSS for pid {pid}")


def load_keys(server, nkeys, batch=10_000):
    """SET `nkeys` keys (16-byte names, 32-byte values) in pipelined batches."""
    with socket.create_connection((server.host, server.port), timeout=60) as sock:
        for start_at in range(0, nkeys, batch):
            end = min(nkeys, start_at + batch)
            sock.sendall(b"".join(b"*3\r\n$3\r\nSET\r\n$16\r\nkey:%012d\r\n$32\r\nval:%028d\r\n"
                                  % (i, i) for i in range(start_at, end)))
            expect = b"+OK\r\n" * (end - start_at)
            got = bytearray()
            while len(got) < len(expect):
                chunk = sock.recv(1 << 20)
                if not chunk:
                    raise BenchError(f"{server.name} closed the connection while loading keys")
                got += chunk
            if got != expect:
                first = next(i for i in range(len(expect)) if got[i] != expect[i])
                raise BenchError(f"{server.name} replied {bytes(got[first:first + 100])!r} to a SET")


def memory(a, started):
    print(f"\nmemory: {a.keys:,} keys, 16-byte names, 32-byte values; RSS growth per key")
    per_key = {}
    for name in ("tern", "redis"):
        s = start(a, name)
        started.append(s)
        before = rss_bytes(s.pid)
        t0 = time.monotonic()
        load_keys(s, a.keys)
        took = time.monotonic() - t0
        after = rss_bytes(s.pid)
        with s.raw() as conn:
            dbsize = conn.call("DBSIZE")
        if isinstance(dbsize, int) and dbsize != a.keys:
            raise BenchError(f"{name}: DBSIZE is {dbsize} after loading {a.keys} keys")
        per_key[name] = (after - before) / a.keys
        print(f"  {name:<6}{per_key[name]:>8.1f} bytes/key   (RSS {before / 2**20:.1f} MB -> "
              f"{after / 2**20:.1f} MB, loaded in {took:.1f}s)")
        stop_all([s])
        started.remove(s)
    if per_key["redis"] > 0:
        print(f"  ratio tern/redis: {per_key['tern'] / per_key['redis']:.2f}")


def main(argv):
    a = parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)  # keep results and progress in order
    t0 = time.monotonic()
    # Leave room for the memory phase (a few seconds per million keys).
    reserve = 0 if a.no_memory else 30 + 20 * a.keys / 1e6
    deadline = t0 + max(a.max_seconds - reserve, 10)
    started = []
    failed = False
    try:
        if not a.memory:
            tern = start(a, "tern")
            started.append(tern)
            redis = start(a, "redis")
            started.append(redis)
            print(f"tern: {a.server} (port {tern.port})   redis: {a.redis} (port {redis.port})")
            combos, sizes, results, rounds, unsupported, error = throughput(a, tern, redis, deadline)
            print_throughput(a, combos, sizes, results, rounds)
            if unsupported:
                print("not run (probe command failed): " + ", ".join(n for n, _ in unsupported))
            if error:
                print(f"\nFAILED: {error}")
                return 1
            stop_all(started)
            started.clear()
        if not a.no_memory:
            memory(a, started)
    except (BenchError, servers.ServerError, OSError) as e:
        print(f"\nFAILED: {e}")
        failed = True
    finally:
        stop_all(started)
    print(f"\ntotal {time.monotonic() - t0:.0f}s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
