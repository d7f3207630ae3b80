#!/usr/bin/python3
"""Side-by-side benchmark of tern against redis-server, printing ratios.

Tests are grouped in suites (core, collections, zset, pubsub, analytics:
bitmaps, HyperLogLog, GEO, SORT; scripting: EVALSHA and FCALL; bigvalues:
SET/GET of 1/16/256 MB values, see bigvalues.py), one per family of
commands, and come in two kinds (bigvalues is a third, measured by
bigvalues.py: wall time, server CPU, peak RSS and a bystander's worst PING
latency per operation):

Throughput: every test of the selected suites runs against both servers in
many short interleaved rounds, alternating which server goes first (A B,
B A, ...) so that drift in machine load hits both alike.  Most tests are a
redis-benchmark run (-c 50 -q --csv, at each --pipelines depth); the rest
are drivers in drivers.py (MULTI/EXEC transactions, pub/sub fan-out).
Reported per test: the median ops/s of each server and the median of the
per-round ratios tern/redis; then the geometric mean of the ratios, per
suite and overall.  redis-benchmark request counts are sized from a short
calibration run on both servers so that one A/B pair lasts about
2 x --seconds.  The zset tests run on 1,000,000-member sorted sets loaded
identically into both servers first.

Memory: on fresh servers, the growth of VmRSS after loading a dataset
(pipelined raw RESP, byte-identical for both) per item, the ratio, and the
OBJECT ENCODING of a sample key on each side.

A test whose probe commands fail on either server is listed as "not run
(unsupported)" instead of timing error replies.  Both servers run with
persistence off on free loopback ports and are killed by pid in a finally
block; rounds stop once another would overrun --max-seconds.  See
bench/README.md.
"""

import argparse
import csv
import hashlib
import math
import os
import platform
import resource
import shlex
import statistics
import subprocess
import sys
import time
from collections import namedtuple

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tests"))

from support import servers  # noqa: E402
from support.resp import ErrorReply  # noqa: E402

import bigvalues  # noqa: E402
import drivers  # noqa: E402

SUITES = ("core", "collections", "zset", "pubsub", "analytics", "scripting", "bigvalues")
KEYSPACE = "100000"
SERVER_ARGS = ["--save", "", "--appendonly", "no"]
# Zset throughput tests: myzset takes ZADD/ZINCRBY/ZRANGE/ZREVRANK, zpop
# only ZPOPMIN and is refilled before every ZPOPMIN run.
ZSET_KEY, ZPOP_KEY = "myzset", "zpop"

Bench = namedtuple("Bench", "name suite probe args driver pipelined preload prepare limit",
                   defaults=(None, None, True, (), None, None))
# name:      what the table shows and --tests selects
# suite:     one of SUITES
# probe:     commands that must all succeed on both servers first, or the
#            test is reported as unsupported instead of timing error replies
# args:      redis-benchmark arguments choosing the workload (-t NAME, or
#            options then a literal command, e.g. ["-r", N, "HSET", "h", "__rand_int__", "v"])
# driver:    instead of args, f(server, pipeline, seconds) -> (ops/s, server CPU fraction)
# pipelined: whether the test runs at each --pipelines depth
# preload:   datasets (see drivers.dataset) loaded into both servers first
# prepare:   "zpop": refill the ZPOPMIN key before every timed run
# limit:     at most this many requests per run (ZPOPMIN: the zset's size)

MemTest = namedtuple("MemTest", "name suite dataset count unit probe")

# One SET and one GET of a value of `size_mb` on fresh servers, with a
# bystander PING client (bench/bigvalues.py does the measuring).
BigTest = namedtuple("BigTest", "name suite size_mb")

# Scripting tests: a fixed-window rate limiter (INCR, EXPIRE on the first
# hit, compare) and a script of ten commands over five keys.  The probe
# loads them (SCRIPT LOAD survives the probe's FLUSHALL; FUNCTION LOAD is
# REPLACE so reruns work); EVALSHA then names them by SHA1.
RATE_LIMITER = ("local n = redis.call('INCR', KEYS[1]) "
                "if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end "
                "if n > tonumber(ARGV[2]) then return 0 end return 1")
TEN_COMMANDS = ("redis.call('SET', KEYS[1], ARGV[1]) redis.call('GET', KEYS[1]) "
                "redis.call('INCR', KEYS[2]) redis.call('HSET', KEYS[3], 'f', ARGV[1]) "
                "redis.call('HGET', KEYS[3], 'f') redis.call('LPUSH', KEYS[4], ARGV[1]) "
                "redis.call('LTRIM', KEYS[4], 0, 9) redis.call('SADD', KEYS[5], ARGV[1]) "
                "redis.call('SCARD', KEYS[5]) return redis.call('EXISTS', KEYS[1])")
BENCH_LIBRARY = ("#!lua name=benchlib\n"
                 "redis.register_function('ratelimit', function(KEYS, ARGV) " + RATE_LIMITER +
                 " end)\nredis.register_function('tencmds', function(KEYS, ARGV) " +
                 TEN_COMMANDS + " end)")


def sha1hex(text):
    return hashlib.sha1(text.encode()).hexdigest()


def catalog(a):
    """All tests, in suite order; sizes come from the options `a`."""
    z = str(a.zset_members)
    # variadic forms, as the loaders use them
    zprobe = [["ZADD", "bench:probe:z", "1", "a", "2", "b"]]
    pprobe = [["SUBSCRIBE", "bench:probe"], ["UNSUBSCRIBE", "bench:probe"],
              ["PUBLISH", "bench:probe", "x"]]
    scale = a.mem_scale
    fanout = lambda n: (lambda s, p, secs: drivers.fanout(s.host, s.port, s.pid, secs, n))  # noqa: E731
    return [
        Bench("PING_INLINE", "core", [["PING"]], ["-t", "ping_inline"]),
        Bench("PING_MBULK", "core", [["PING"]], ["-t", "ping_mbulk"]),
        Bench("SET", "core", [["SET", "bench:probe", "x"]], ["-t", "set", "-r", KEYSPACE]),
        Bench("GET", "core", [["GET", "bench:probe"]], ["-t", "get", "-r", KEYSPACE]),
        Bench("INCR", "core", [["INCR", "bench:probe:n"]], ["-t", "incr", "-r", KEYSPACE]),
        Bench("MSET", "core", [["MSET", "bench:a", "1", "bench:b", "2"]],
              ["-t", "mset", "-r", KEYSPACE]),
        Bench("MULTI_INCR5", "core", [["MULTI"], ["INCR", "bench:probe:n"], ["EXEC"]],
              driver=lambda s, p, secs: drivers.transactions(s.host, s.port, s.pid, secs,
                                                             conns=a.clients, depth=p)),
        MemTest("MEM_STRINGS", "core", "strings", int(1_000_000 * scale), "key",
                [["SET", "bench:probe", "x"]]),

        Bench("LPUSH", "collections", [["LPUSH", "bench:probe", "x"]], ["-t", "lpush"]),
        Bench("RPUSH", "collections", [["RPUSH", "bench:probe", "x"]], ["-t", "rpush"]),
        Bench("LPOP", "collections", [["LPOP", "bench:probe"]], ["-t", "lpop"]),
        Bench("RPOP", "collections", [["RPOP", "bench:probe"]], ["-t", "rpop"]),
        Bench("LRANGE_100", "collections", [["LPUSH", "bench:probe", "x"],
                                            ["LRANGE", "bench:probe", "0", "99"]],
              ["-t", "lrange_100"]),
        Bench("LRANGE_300", "collections", [["LPUSH", "bench:probe", "x"],
                                            ["LRANGE", "bench:probe", "0", "299"]],
              ["-t", "lrange_300"]),
        Bench("HSET", "collections", [["HSET", "bench:probe", "f", "v"]],
              ["-t", "hset", "-r", KEYSPACE]),
        Bench("SADD", "collections", [["SADD", "bench:probe", "x"]], ["-t", "sadd", "-r", KEYSPACE]),
        Bench("SPOP", "collections", [["SADD", "bench:probe", "x"], ["SPOP", "bench:probe"]],
              ["-t", "spop", "-r", KEYSPACE]),
        MemTest("MEM_HASHES", "collections", "hashes", int(100_000 * scale), "hash",
                [["HSET", "bench:probe", "f", "v", "g", "w"]]),
        MemTest("MEM_SETS", "collections", "sets", int(100_000 * scale), "set",
                [["SADD", "bench:probe", "1", "2"]]),
        MemTest("MEM_LIST", "collections", "list", int(1_000_000 * scale), "item",
                [["RPUSH", "bench:probe", "x", "y"], ["LLEN", "bench:probe"]]),

        Bench("ZADD", "zset", zprobe, ["-r", z, "ZADD", ZSET_KEY, "__rand_int__",
                                       "member:__rand_int__"], preload=(ZSET_KEY,)),
        Bench("ZINCRBY", "zset", zprobe + [["ZINCRBY", "bench:probe:z", "1", "a"]],
              ["-r", z, "ZINCRBY", ZSET_KEY, "1", "member:__rand_int__"], preload=(ZSET_KEY,)),
        Bench("ZPOPMIN", "zset", zprobe + [["ZCARD", "bench:probe:z"],
                                           ["ZPOPMIN", "bench:probe:z"]],
              ["ZPOPMIN", ZPOP_KEY], preload=(ZPOP_KEY,), prepare="zpop", limit=a.zset_members),
        Bench("ZRANGE_10", "zset", zprobe + [["ZRANGE", "bench:probe:z", "0", "9"]],
              ["ZRANGE", ZSET_KEY, "0", "9"], preload=(ZSET_KEY,)),
        Bench("ZREVRANK", "zset", zprobe + [["ZREVRANK", "bench:probe:z", "a"]],
              ["-r", z, "ZREVRANK", ZSET_KEY, "member:__rand_int__"], preload=(ZSET_KEY,)),
        MemTest("MEM_ZSET", "zset", "zset", int(1_000_000 * scale), "member",
                zprobe + [["ZCARD", "bench:probe:z"]]),

        Bench("FANOUT_100", "pubsub", pprobe, driver=fanout(100), pipelined=False),
        Bench("FANOUT_1000", "pubsub", pprobe, driver=fanout(1000), pipelined=False),

        # Datasets of fixed size (drivers.FIXED_DATASETS) loaded into both
        # servers first; see bench/README.md for their shapes.
        Bench("SETBIT", "analytics", [["SETBIT", "bench:probe", "7", "1"]],
              ["-r", "8000000", "SETBIT", "bench:bits", "__rand_int__", "1"]),
        Bench("BITCOUNT_1MB", "analytics", [["SETBIT", "bench:probe", "7", "1"],
                                            ["BITCOUNT", "bench:probe"]],
              ["BITCOUNT", drivers.BITMAP_KEY], preload=("bitmap1mb",)),
        Bench("PFADD", "analytics", [["PFADD", "bench:probe", "a"]],
              ["-r", "100000000", "PFADD", "bench:hll", "__rand_int__"]),
        Bench("PFCOUNT_10", "analytics", [["PFADD", "bench:probe", "a"],
                                          ["PFCOUNT", "bench:probe", "bench:probe2"]],
              ["PFCOUNT"] + drivers.HLL_KEYS, preload=("hll10",)),
        Bench("GEOADD", "analytics", [["GEOADD", "bench:probe", "13.1", "52.1", "m"]],
              ["-r", "1000000", "GEOADD", "bench:geo", "13.__rand_int__", "52.__rand_int__",
               "m:__rand_int__"]),
        Bench("GEOSEARCH_100", "analytics",
              [["GEOADD", "bench:probe", "13.1", "52.1", "m"],
               ["GEOSEARCH", "bench:probe", "FROMLONLAT", "13", "52", "BYRADIUS", "1", "km"]],
              ["GEOSEARCH", drivers.GEO_KEY, "FROMLONLAT", "13.5", "52.5", "BYRADIUS",
               drivers.GEO_RADIUS_KM, "km", "ASC"], preload=("geogrid",)),
        Bench("SORT_BY_1000", "analytics", [["RPUSH", "bench:probe", "1"],
                                            ["SORT", "bench:probe", "BY", "bench:w:*->weight"]],
              ["SORT", drivers.SORT_KEY, "BY", "bench:w:*->weight"], preload=("sortids",)),

        Bench("EVALSHA_RATELIMIT", "scripting", [["SCRIPT", "LOAD", RATE_LIMITER]],
              ["-r", KEYSPACE, "EVALSHA", sha1hex(RATE_LIMITER), "1", "rl:__rand_int__", "60",
               "1000000000"]),
        Bench("EVALSHA_10CMDS", "scripting", [["SCRIPT", "LOAD", TEN_COMMANDS]],
              ["-r", KEYSPACE, "EVALSHA", sha1hex(TEN_COMMANDS), "5", "s:__rand_int__",
               "n:__rand_int__", "h:__rand_int__", "l:__rand_int__", "z:__rand_int__", "v"]),
        Bench("FCALL_RATELIMIT", "scripting", [["FUNCTION", "LOAD", "REPLACE", BENCH_LIBRARY]],
              ["-r", KEYSPACE, "FCALL", "ratelimit", "1", "rl:__rand_int__", "60",
               "1000000000"]),
        Bench("FCALL_10CMDS", "scripting", [["FUNCTION", "LOAD", "REPLACE", BENCH_LIBRARY]],
              ["-r", KEYSPACE, "FCALL", "tencmds", "5", "s:__rand_int__", "n:__rand_int__",
               "h:__rand_int__", "l:__rand_int__", "z:__rand_int__", "v"]),

        BigTest("BIG_1MB", "bigvalues", 1),
        BigTest("BIG_16MB", "bigvalues", 16),
        BigTest("BIG_256MB", "bigvalues", 256),
    ]


# Rough seconds per big-value size and round (both servers, building the
# value and checking its digest included).
BIG_SECONDS = {1: 1, 16: 2, 256: 15}

# Rough seconds per memory test at --mem-scale 1 (build the data once, load
# it into both servers), doubled when reserving time for the memory phase.
MEM_SECONDS = {"strings": 4, "hashes": 2, "sets": 1.5, "list": 1, "zset": 3.5}


class BenchError(Exception):
    pass


class FatalError(Exception):
    pass


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--server", required=True, help="tern-server binary")
    p.add_argument("--server-args", default="", help="extra arguments for tern, one string")
    p.add_argument("--redis", default=servers.REFERENCE_BINARY, help="reference redis-server")
    p.add_argument("--benchmark", default="/usr/bin/redis-benchmark", help="redis-benchmark binary")
    p.add_argument("--suite", default="all",
                   help="comma-separated suites: " + ",".join(SUITES) + " or all (default)")
    p.add_argument("--tests", help="comma-separated test names (see the tables), within --suite")
    p.add_argument("--pipelines", default="1,16", help="comma-separated -P depths (default 1,16)")
    p.add_argument("--rounds", type=int, default=10, help="A/B rounds at most (default 10)")
    p.add_argument("--clients", type=int, default=50,
                   help="connections per throughput run (default 50)")
    p.add_argument("--seconds", type=float, default=0.5,
                   help="target duration of one run (default 0.5)")
    p.add_argument("--requests", type=int, help="fixed -n instead of calibrating")
    p.add_argument("--zset-members", type=int, default=1_000_000,
                   help="size of the zsets the zset tests run on (default 1e6)")
    p.add_argument("--mem-scale", type=float, default=1.0,
                   help="scale the memory datasets (default 1: 1e6 keys, list items, zset "
                        "members; 1e5 hashes, sets)")
    mem = p.add_mutually_exclusive_group()
    mem.add_argument("--memory", action="store_true", help="run only the memory tests")
    mem.add_argument("--no-memory", action="store_true", help="skip the memory tests")
    p.add_argument("--quick", action="store_true",
                   help="smoke check: 2 rounds of 0.1 s runs, 100k-member zsets, memory x0.1")
    p.add_argument("--big-rounds", type=int, default=3,
                   help="runs per big-value size and server, median (default 3; --quick 1)")
    p.add_argument("--max-seconds", type=float, default=540,
                   help="start no round that would end after this long (default 540)")
    a = p.parse_args(argv)
    if a.quick:
        a.rounds, a.seconds = 2, 0.1
        a.big_rounds = 1
        a.zset_members = min(a.zset_members, 100_000)
        a.mem_scale = min(a.mem_scale, 0.1)
    try:
        a.pipelines = [int(x) for x in a.pipelines.split(",")]
    except ValueError:
        p.error("--pipelines takes numbers, e.g. 1,16")
    suites = SUITES if a.suite == "all" else a.suite.split(",")
    unknown = [s for s in suites if s not in SUITES]
    if unknown:
        p.error(f"unknown suite(s) {','.join(unknown)}; known: {','.join(SUITES)},all")
    tests = [t for t in catalog(a) if t.suite in suites]
    if a.tests:
        by_name = {t.name.lower(): t for t in tests}
        wanted = a.tests.lower().split(",")
        unknown = [t for t in wanted if t not in by_name]
        if unknown:
            p.error(f"unknown test(s) {','.join(unknown)} in suite(s) {','.join(suites)}; "
                    f"known: {','.join(t.name for t in tests)}")
        tests = [t for t in tests if t.name.lower() in wanted]
    if a.memory:
        tests = [t for t in tests if isinstance(t, MemTest)]
    elif a.no_memory:
        tests = [t for t in tests if not isinstance(t, MemTest)]
    a.suites, a.selected = [s for s in SUITES if s in suites], tests
    for b in (a.server, a.redis, a.benchmark):
        if not os.access(b, os.X_OK):
            p.error(f"{b} is not an executable file")
    # servers start in their own temp dir: a relative path would not resolve
    a.server, a.redis, a.benchmark = map(os.path.abspath, (a.server, a.redis, a.benchmark))
    a.not_run = "not run (no time left)"
    return a


def raise_fd_limit(want=16384):
    """Raise the soft RLIMIT_NOFILE (inherited by the servers) for fan-out."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = want if hard == resource.RLIM_INFINITY else min(want, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def start(a, name):
    if name == "tern":
        return servers.start_server(a.server, SERVER_ARGS + shlex.split(a.server_args), name=name)
    return servers.start_server(a.redis, SERVER_ARGS, name=name)


def stop_all(started):
    for s in started:
        problems = s.stop()
        if problems:
            log("\n".join(problems))
    started.clear()


def probe(server, test):
    """Return None if all of `test.probe` works on `server`, else the error text."""
    with server.raw() as conn:
        try:
            for command in test.probe:
                reply = conn.call(*command)
                if isinstance(reply, ErrorReply):
                    return reply.decode(errors="replace")
        finally:
            conn.call("FLUSHALL")
    return None


def unsupported(name, err):
    """The reason printed after 'not run (unsupported)'."""
    return f"{name} replied {err.split(', with args')[0][:60]}"


def probe_both(tern, redis, test):
    """None if `test` can run on both servers, else why not."""
    for s in (tern, redis):
        err = probe(s, test)
        if err:
            return unsupported(s.name, err)
    return None


def server_version(server):
    with server.raw() as conn:
        info = conn.call("INFO", "server")
    if isinstance(info, ErrorReply):
        return "?"
    fields = dict(ln.split(":", 1) for ln in info.decode().splitlines() if ":" in ln)
    return fields.get("tern_version") or fields.get("redis_version", "?")


def check_alive(*servs):
    for s in servs:
        if not s.alive():
            raise FatalError(f"{s.name} died:\n{s.log()[-2000:]}")


def run_benchmark(a, server, bench, pipeline, requests):
    """One redis-benchmark run; return ops/s."""
    argv = [a.benchmark, "-h", server.host, "-p", str(server.port), "-c", str(a.clients),
            "-n", str(requests), "-P", str(pipeline), "-q", "--csv"] + bench.args
    limit = max(60.0, 40 * a.seconds)
    where = f"{bench.name} P{pipeline} on {server.name}"
    try:
        res = subprocess.run(argv, capture_output=True, text=True, timeout=limit)
    except subprocess.TimeoutExpired:
        check_alive(server)
        raise BenchError(f"{where}: no result within {limit:.0f}s")
    check_alive(server)
    errors = [ln for ln in res.stderr.splitlines() if ln.strip() and not ln.startswith("WARN")]
    rows = [r for r in csv.reader(res.stdout.splitlines()) if len(r) >= 2 and r[0] != "test"]
    # -t lrange_N also prints the LPUSH run that fills the list: pick by name
    if "-t" in bench.args:
        rows = [r for r in rows if r[0].split(" (")[0] == bench.name]
    if res.returncode != 0 or errors or not rows:
        raise BenchError(f"{where}: redis-benchmark exited {res.returncode}\n  "
                         + " ".join(argv) + "\n  "
                         + "\n  ".join((errors or res.stdout.splitlines())[:5]))
    rps = float(rows[-1][1])
    if not math.isfinite(rps) or rps <= 0:  # "inf" when a run is too short to time
        raise BenchError(f"{where}: {requests} requests too few to time (rps {rows[-1][1]})")
    return rps


def timed_run(a, server, bench, pipeline, requests):
    """One run of `bench` on `server`; return (ops/s, server CPU fraction or
    None, server CPU seconds per request or None)."""
    if bench.prepare == "zpop":
        drivers.refill_zpop(server.host, server.port, ZPOP_KEY, a.zset_members)
    if bench.driver:
        try:
            return (*bench.driver(server, pipeline, a.seconds), None)
        except (drivers.DriverError, OSError) as e:
            check_alive(server)
            raise BenchError(f"{bench.name} on {server.name}: {e}") from None
    # Server CPU per request shows efficiency even where the 2-core box
    # leaves redis-benchmark itself as the bottleneck (pipeline 1).
    c0 = drivers.cpu_seconds(server.pid)
    ops = run_benchmark(a, server, bench, pipeline, requests)
    return ops, None, (drivers.cpu_seconds(server.pid) - c0) / requests


def preload(a, tern, redis, names):
    for name in names:
        t0 = time.monotonic()
        fixed = name in drivers.FIXED_DATASETS
        data = drivers.dataset(name if fixed else "zpreload:" + name, a.zset_members)
        for s in (tern, redis):
            drivers.pipeline(s.host, s.port, data.chunks)
            with s.raw() as conn:
                size = conn.call(*data.size_command)
            if size != data.expected_size:
                raise FatalError(f"{s.name}: {data.size_command} is {size!r} after preloading "
                                 f"{name} (expected {data.expected_size!r})")
        what = name if fixed else f"{name}: {a.zset_members:,} members"
        log(f"preloaded {what} in {time.monotonic() - t0:.1f}s")


def calibrate(a, tern, redis, combos):
    """-n per (test, pipeline) so one tern+redis pair of runs lasts about
    2 x --seconds; run on both servers so both see the same commands."""
    sizes, failed = {}, {}
    for bench, p in combos:
        if bench.driver:
            sizes[bench.name, p] = None
            continue
        if a.requests:
            sizes[bench.name, p] = a.requests
            continue
        trial = 1000 * min(p, 10) * (2 if a.seconds >= 0.5 else 1)
        try:
            t = timed_run(a, tern, bench, p, trial)[0]
            r = timed_run(a, redis, bench, p, trial)[0]
        except BenchError as e:
            failed[bench.name, p] = str(e)
            continue
        n = 2 * a.seconds / (1 / t + 1 / r)
        sizes[bench.name, p] = int(min(max(n, 1000), 5_000_000, bench.limit or math.inf))
    return sizes, failed


def new_results():
    """What throughput() fills in: versions {server: version}, combos (the
    (Bench, pipeline) pairs run), sizes {(name, p): -n}, results {(name, p):
    {"tern", "redis", "ratio", "cpu"}}, rounds done, skipped {name: reason},
    failed {(name, p): message}."""
    return {"versions": {}, "combos": [], "sizes": {}, "results": {}, "rounds": 0,
            "skipped": {}, "failed": {}}


def throughput(a, tests, deadline, out):
    """Probe, preload, calibrate and run interleaved rounds of `tests` until
    `deadline`, filling `out` (see new_results) as it goes, so that a fatal
    error keeps what was measured before it."""
    started = []
    try:
        tern = start(a, "tern")
        started.append(tern)
        redis = start(a, "redis")
        started.append(redis)
        out["versions"] = {s.name: server_version(s) for s in (tern, redis)}
        print(f"tern: {a.server} (port {tern.port})   redis: {a.redis} (port {redis.port})")
        combos = []
        for bench in tests:
            why = probe_both(tern, redis, bench)
            if why:
                out["skipped"][bench.name] = why
                log(f"skipping {bench.name}: {why}")
                continue
            combos.extend((bench, p) for p in (a.pipelines if bench.pipelined else [None]))
        preload(a, tern, redis, sorted({n for b, _ in combos for n in b.preload}))
        t0 = time.monotonic()
        sizes, failed = calibrate(a, tern, redis, combos)
        log(f"calibrated {len(combos)} test(s) in {time.monotonic() - t0:.1f}s")
        out["failed"].update(failed)
        combos = [c for c in combos if (c[0].name, c[1]) not in failed]
        out["combos"], out["sizes"] = combos, sizes
        results = {(b.name, p): {"tern": [], "redis": [], "ratio": [], "cpu": [], "cpuop": []}
                   for b, p in combos}
        out["results"] = results
        last = 0.0
        for r in range(a.rounds):
            if r and time.monotonic() + last > deadline:
                log(f"time budget reached: stopping after {r} round(s)")
                break
            log(f"round {r + 1}/{a.rounds}")
            t0 = time.monotonic()
            for k, (bench, p) in enumerate(combos):
                if (bench.name, p) in out["failed"]:
                    continue
                order = (tern, redis) if (r + k) % 2 == 0 else (redis, tern)
                try:
                    got = {s.name: timed_run(a, s, bench, p, sizes[bench.name, p]) for s in order}
                except BenchError as e:
                    out["failed"][bench.name, p] = str(e)
                    log(f"FAILED: {e}")
                    continue
                res = results[bench.name, p]
                res["tern"].append(got["tern"][0])
                res["redis"].append(got["redis"][0])
                res["ratio"].append(got["tern"][0] / got["redis"][0])
                if got["tern"][1] is not None:
                    res["cpu"].append((got["tern"][1], got["redis"][1]))
                if got["tern"][2] and got["redis"][2]:
                    res["cpuop"].append(got["tern"][2] / got["redis"][2])
            last = time.monotonic() - t0
            log(f"round {r + 1} took {last:.1f}s")
            out["rounds"] = r + 1
    finally:
        stop_all(started)


def rss_bytes(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise BenchError(f"no VmRSS for pid {pid}")


def memory_test(a, test, versions):
    """Load `test`'s dataset into a fresh tern, then a fresh redis.

    Returns {"skipped": reason}, {"failed": message} or {name: (bytes per
    item, encoding, load seconds)} for both servers; notes each server's
    version in `versions` if not there yet.
    """
    data = None
    out = {}
    for name in ("tern", "redis"):
        started = [start(a, name)]
        s = started[0]
        try:
            if name not in versions:
                versions[name] = server_version(s)
            err = probe(s, test)
            if err:
                return {"skipped": unsupported(name, err)}
            if data is None:
                data = drivers.dataset(test.dataset, test.count)
            before = rss_bytes(s.pid)
            t0 = time.monotonic()
            try:
                drivers.pipeline(s.host, s.port, data.chunks)
            except (drivers.DriverError, OSError) as e:
                check_alive(s)
                return {"failed": f"{name}: {e}"}
            took = time.monotonic() - t0
            after = rss_bytes(s.pid)
            with s.raw() as conn:
                size = conn.call(*data.size_command)
                enc = conn.call("OBJECT", "ENCODING", data.sample_key)
            if size != data.expected_size:
                return {"failed": f"{name}: {' '.join(data.size_command)} is {size!r}, "
                                  f"expected {data.expected_size}"}
            enc = "?" if isinstance(enc, ErrorReply) else enc.decode()
            out[name] = ((after - before) / test.count, enc, took)
            log(f"{test.name} {name}: {out[name][0]:.1f} bytes/{test.unit}, {enc}, "
                f"loaded in {took:.1f}s")
        finally:
            stop_all(started)
    return out


def gmean(xs):
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else None


def fmt_ratio(x):
    return "-" if x is None else f"{x:.2f}"


def print_suite(a, suite, tp, mem):
    """Print one suite's tables; return (throughput ratios, memory ratios)
    as lists of (label, ratio)."""
    tests = [t for t in a.selected if t.suite == suite]
    benches = [t for t in tests if isinstance(t, Bench)]
    mems = [t for t in tests if isinstance(t, MemTest)]
    tp_ratios, mem_ratios, cpuop_ratios = [], [], []
    print(f"\n== {suite} ==")
    if any(isinstance(t, BigTest) for t in tests):
        big = tp.get("big")
        if isinstance(big, dict) and big:
            tp["big_rows"] = bigvalues.print_table(big)
        else:
            print(f"big values {big if isinstance(big, str) else a.not_run}")
    if benches:
        if suite == "pubsub":
            print(f"fan-out: 1 publisher, N subscribers, 64-byte messages, ops/s = messages "
                  f"delivered/s; {tp['rounds']} interleaved A/B round(s), ratio = median of "
                  "per-round tern/redis (>1: tern faster)")
        else:
            print(f"throughput: {a.clients} connections, {tp['rounds']} interleaved A/B round(s), "
                  "ratio = median of per-round tern/redis (>1: tern faster)")
        print(f"{'test':<13}{'P':>3}{'requests':>10}{'tern ops/s':>13}{'redis ops/s':>13}"
              f"{'ratio':>7}  {'min..max':<11}{'runs':>4}  note")
        for bench in benches:
            if bench.name in tp["skipped"]:
                print(f"{bench.name:<13}{'':>3}  not run (unsupported): {tp['skipped'][bench.name]}")
                continue
            for p in (a.pipelines if bench.pipelined else [None]):
                ptxt = "-" if p is None else str(p)
                res = tp["results"].get((bench.name, p))
                if (bench.name, p) in tp["failed"]:
                    msg = tp["failed"][bench.name, p].splitlines()[0][:90]
                    print(f"{bench.name:<13}{ptxt:>3}  failed: {msg}")
                    if not res or not res["ratio"]:
                        continue
                if not res or not res["ratio"]:
                    print(f"{bench.name:<13}{ptxt:>3}  {a.not_run}")
                    continue
                ratio = statistics.median(res["ratio"])
                label = bench.name + ("" if p is None else f" P{p}")
                tp_ratios.append((label, ratio))
                size = tp["sizes"].get((bench.name, p))
                size = f"{size:,}" if size else f"{a.seconds:g}s"
                note = ""
                if res["cpu"]:
                    note = "server cpu {:.0%}/{:.0%}".format(
                        statistics.median(c[0] for c in res["cpu"]),
                        statistics.median(c[1] for c in res["cpu"]))
                if res.get("cpuop"):
                    note = "server cpu/request tern/redis {:.2f}".format(
                        statistics.median(res["cpuop"]))
                    cpuop_ratios.append(statistics.median(res["cpuop"]))
                if bench.name.startswith("FANOUT"):
                    note = "msgs delivered/s; " + note
                elif bench.name.startswith("MULTI"):
                    note = "transactions/s; " + note
                print(f"{bench.name:<13}{ptxt:>3}{size:>10}"
                      f"{statistics.median(res['tern']):>13,.0f}"
                      f"{statistics.median(res['redis']):>13,.0f}{ratio:>7.2f}  "
                      f"{min(res['ratio']):.2f}..{max(res['ratio']):.2f}{len(res['ratio']):>5}"
                      f"  {note}".rstrip())
    if mems:
        print("memory: RSS growth per item on a fresh server (<1: tern smaller); "
              "OBJECT ENCODING of a sample key")
        print(f"{'test':<13}{'items':>12}  {'unit':<7}{'tern B':>9}{'redis B':>9}{'ratio':>7}"
              f"  {'encoding tern/redis':<24}load s")
        for t in mems:
            m = mem.get(t.name, {"not run": a.not_run})
            if "not run" in m:
                print(f"{t.name:<13}{t.count:>12,}  {m['not run']}")
                continue
            if "skipped" in m:
                print(f"{t.name:<13}{t.count:>12,}  not run (unsupported): {m['skipped']}")
                continue
            if "failed" in m:
                print(f"{t.name:<13}{t.count:>12,}  failed: {m['failed'][:90]}")
                continue
            (tb, te, tt), (rb, re_, rt) = m["tern"], m["redis"]
            ratio = tb / rb if rb > 0 else None
            if ratio:
                mem_ratios.append((t.name, ratio))
            print(f"{t.name:<13}{t.count:>12,}  {t.unit:<7}{tb:>9.1f}{rb:>9.1f}"
                  f"{fmt_ratio(ratio):>7}  {te + '/' + re_:<24}{tt:.1f}/{rt:.1f}")
    g = gmean([r for _, r in tp_ratios])
    if g is not None:
        print(f"{suite}: geometric mean of {len(tp_ratios)} throughput ratios: {g:.2f}")
    g = gmean(cpuop_ratios)
    if g is not None:
        print(f"{suite}: geometric mean of {len(cpuop_ratios)} server-cpu-per-request ratios "
              f"(<1: tern cheaper): {g:.2f}")
    return tp_ratios, mem_ratios


def print_summary(a, tp, per_suite, elapsed):
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name"))
    except (OSError, StopIteration):
        pass
    try:
        commit = subprocess.run(["git", "-C", REPO, "describe", "--always", "--dirty"],
                                capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = "?"
    versions = tp["versions"]
    print("\n---- summary (paste into an issue note) ----")
    print(f"tern {versions.get('tern', '')} ({a.server}, tree {commit or '?'}) vs redis-server "
          f"{versions.get('redis', '')}; {platform.node()}, {os.cpu_count()} CPUs ({cpu}), "
          f"load {os.getloadavg()[0]:.1f}")
    print(f"settings: suites {','.join(a.suites)}; {tp['rounds']} round(s) of "
          f"{a.seconds:g}s runs, -c {a.clients}, P {','.join(map(str, a.pipelines))}, "
          f"zsets of {a.zset_members:,}, memory x{a.mem_scale:g}; took {elapsed:.0f}s")
    print("ratios tern/redis: throughput >1 = tern faster, memory <1 = tern smaller")
    all_tp, all_mem = [], []
    for suite in a.suites:
        if suite == "bigvalues":
            continue  # its own line below
        tpr, memr = per_suite[suite]
        all_tp += tpr
        all_mem += memr
        parts = []
        if tpr:
            worst = min(tpr, key=lambda x: x[1])
            parts.append(f"throughput gmean {gmean([r for _, r in tpr]):.2f} over {len(tpr)} "
                         f"(lowest {worst[1]:.2f} {worst[0]})")
            small = [f"{n} {r:.2f}" for n, r in tpr if n.startswith(("MULTI", "FANOUT"))]
            if small:
                parts.append(", ".join(small))
        if memr:
            parts.append("memory " + ", ".join(f"{n[4:].lower()} {r:.2f}" for n, r in memr))
        print(f"  {suite:<12}" + ("; ".join(parts) if parts else "nothing measured"))
    if all_tp:
        print(f"  {'overall':<12}throughput gmean {gmean([r for _, r in all_tp]):.2f} over "
              f"{len(all_tp)}" + (f"; memory gmean {gmean([r for _, r in all_mem]):.2f} over "
                                  f"{len(all_mem)}" if all_mem else ""))
    elif all_mem:
        print(f"  {'overall':<12}memory gmean {gmean([r for _, r in all_mem]):.2f} over "
              f"{len(all_mem)}")
    rows = tp.get("big_rows")
    if rows:
        # wall and CPU: <1 = tern cheaper; peak: extra RSS / value size
        walls, cpus = [r[1] for r in rows], [r[2] for r in rows if math.isfinite(r[2]) and r[2] > 0]
        worst = max(rows, key=lambda r: r[1])
        parts = [f"wall gmean {gmean(walls):.2f} (highest {worst[1]:.2f} {worst[0]})"]
        if cpus:
            parts.append(f"server cpu gmean {gmean(cpus):.2f}")
        for label, w, c, t, r in rows:
            if label.startswith("SET_") and label == max((x[0] for x in rows if x[0].startswith(
                    "SET_")), key=lambda n: int(n[4:-2])):
                size = int(label[4:-2]) << 20
                parts.append(f"{label} peak RSS {t['peak'] / size:.2f}x/{r['peak'] / size:.2f}x, "
                             f"bystander PING {t['ping'] * 1e3:.1f}/{r['ping'] * 1e3:.1f} ms")
        print(f"  {'bigvalues':<12}" + "; ".join(parts) + " (tern/redis, <1 = tern cheaper)")
    skipped = list(tp["skipped"]) + [n for n, m in per_suite["_mem"].items()
                                            if "skipped" in m]
    failed = sorted({n if p is None else f"{n} P{p}" for n, p in tp["failed"]}) + [
        n for n, m in per_suite["_mem"].items() if "failed" in m]
    if skipped:
        print(f"  not run (unsupported): {', '.join(skipped)}")
    if failed:
        print(f"  failed: {', '.join(failed)}")


def main(argv):
    a = parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)  # keep results and progress in order
    raise_fd_limit()
    t0 = time.monotonic()
    benches = [t for t in a.selected if isinstance(t, Bench)]
    mems = [t for t in a.selected if isinstance(t, MemTest)]
    bigs = [t for t in a.selected if isinstance(t, BigTest)]
    reserve = sum(2 * MEM_SECONDS[t.dataset] * a.mem_scale for t in mems) + (5 if mems else 0)
    reserve += sum(BIG_SECONDS.get(t.size_mb, 10) for t in bigs) * a.big_rounds
    deadline = t0 + max(a.max_seconds - reserve, 10)
    tp, mem, fatal = new_results(), {}, None
    try:
        if benches:
            throughput(a, benches, deadline, tp)
        for t in mems:
            mem[t.name] = memory_test(a, t, tp["versions"])
        if bigs:
            try:
                tp["big"] = bigvalues.measure(a.server, a.redis, [t.size_mb for t in bigs],
                                              a.big_rounds, shlex.split(a.server_args), log=log)
            except (RuntimeError, OSError, servers.ServerError) as e:
                tp["big"] = f"failed: {e}"
                tp["failed"]["BIG", None] = str(e)
    except (FatalError, BenchError, drivers.DriverError, servers.ServerError, OSError) as e:
        fatal = e
        a.not_run = "not run (stopped by the failure below)"
    # stop_all in throughput()/memory_test() finally blocks has killed every server
    a.suites = [s for s in a.suites if any(t.suite == s for t in a.selected)]
    per_suite = {s: print_suite(a, s, tp, mem) for s in a.suites}
    per_suite["_mem"] = mem
    elapsed = time.monotonic() - t0
    print_summary(a, tp, per_suite, elapsed)
    if fatal:
        print(f"\nFAILED: {fatal}")
    print(f"\ntotal {elapsed:.0f}s")
    return 1 if fatal or tp["failed"] or any("failed" in m for m in mem.values()) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
