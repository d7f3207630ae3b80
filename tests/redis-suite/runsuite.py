#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Run Redis's own Tcl test suite against a server, one unit at a time.

Redis's suite is not part of this repository; it is read from a Redis
source tree given on the command line (REDIS_SRC) and never copied into the
project.  The runner builds a scratch tree outside the repository:

    WORK/tree/tests/...          a copy of REDIS_SRC/tests (the suite writes
                                 tests/tmp, so the source tree stays clean)
    WORK/tree/src/redis-server   -> the server under test (a symlink, so the
                                 pid the suite records is the server's own)
    WORK/tree/src/redis-cli      -> /usr/bin/redis-cli, likewise benchmark,
                                 check-aof and check-rdb when installed

Two modes, chosen per run:

  external  the runner starts the server once per unit (fresh process, so
            one unit's leftovers never leak into the next) with
            --enable-debug-command yes and points the suite at it with
            `--host 127.0.0.1 --port P`.  Tests tagged external:skip are
            ignored by the suite itself.  If the server dies during a unit
            the unit is marked "crash" and the tail of its log is kept.
  spawn     the suite starts the server itself (`src/redis-server <conf>`,
            then waits for " PID: <pid>" and "Ready to accept" in its log),
            which is what units like info, maxmemory, limits, networking and
            the integration/* ones need.  Lines of the suite's base config
            (tests/assets/default.conf) that the server refuses are dropped
            from the scratch copy first and listed in
            OUT/dropped-config.txt; the units' own directives go through
            unchanged, so a unit that needs a missing directive fails.

The scratch copy of the harness gets the small edits in HARNESS_PATCHES
(each says why; none changes a test or a result against Redis).

Each unit runs in its own tclsh process group with `--single UNIT --clients 1
--durable` and the requested tags (default "-slow"), under a hard time limit;
a unit that runs over is killed with its servers and marked "timeout".
`--durable` makes the suite count a test that raised an unexpected error as
failed and go on, instead of abandoning the rest of the unit.

Results: OUT/results.tsv (unit, mode, passed, failed, ignored, status,
seconds), OUT/results.md (the same as a table), OUT/logs/UNIT.log (the
suite's output), OUT/logs/UNIT.server.log (external mode), and
OUT/failed/UNIT.txt (names of the failed tests).  `--compare A B` prints a
markdown table of two result directories side by side.
"""

import argparse
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
TOOLS = ("redis-cli", "redis-benchmark", "redis-check-aof", "redis-check-rdb")
ANSI = re.compile(r"\x1b\[[0-9;]*m")
OK_RE = re.compile(r"^\[ok\]: (.*) \(\d+ ms\)$")
ERR_RE = re.compile(r"^\[err\]: (.*)$")
IGNORE_RE = re.compile(r"^\[ignore\]: (.*)$")
SKIP_RE = re.compile(r"^\[skip\]: (.*)$")
EXC_RE = re.compile(r"^\[exception\]: (.*)$")


def log(msg):
    print(msg, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_tree(redis_src, server, work):
    """Build WORK/tree: a copy of the suite with `server` as src/redis-server."""
    tree = os.path.join(work, "tree")
    if os.path.exists(tree):
        shutil.rmtree(tree)
    os.makedirs(os.path.join(tree, "src"))
    shutil.copytree(os.path.join(redis_src, "tests"), os.path.join(tree, "tests"),
                    symlinks=True, ignore=shutil.ignore_patterns("tmp"))
    os.makedirs(os.path.join(tree, "tests", "tmp"))
    os.symlink(os.path.abspath(server), os.path.join(tree, "src", "redis-server"))
    for tool in TOOLS:
        path = shutil.which(tool)
        if path:
            os.symlink(path, os.path.join(tree, "src", tool))
    return tree


LINE_RE = re.compile(r"at line (\d+)")


def adapt_default_conf(tree, server, work):
    """Spawn mode: drop the lines of tests/assets/default.conf that `server`
    refuses, one at a time, until a server started with it answers PING.

    Tern refuses directives it does not implement instead of ignoring them,
    so without this no spawned unit could start before every directive of
    the suite's base config exists.  Returns the dropped lines (listed in
    the results, so nothing is hidden); the units' own overrides still go to
    the server unchanged.
    """
    path = os.path.join(tree, "tests", "assets", "default.conf")
    with open(path) as f:
        lines = f.read().splitlines()
    dropped = []
    probe_dir = os.path.join(work, "probe")
    for _ in range(len(lines) + 1):
        shutil.rmtree(probe_dir, ignore_errors=True)
        os.makedirs(probe_dir)
        port = free_port()
        text = []
        for ln in lines:
            word = ln.split(" ", 1)[0]
            text.append({"port": f"port {port}", "dir": f"dir {probe_dir}",
                         "pidfile": f"pidfile {probe_dir}/pid"}.get(word, ln))
        conf = os.path.join(probe_dir, "probe.conf")
        with open(conf, "w") as f:
            f.write("\n".join(text) + "\n")
        proc = subprocess.Popen([os.path.abspath(server), conf], cwd=probe_dir,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        up = False
        deadline = time.time() + 10
        while time.time() < deadline and proc.poll() is None:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                    sock.sendall(b"PING\r\n")
                    up = sock.recv(64).startswith((b"+", b"-"))
            except OSError:
                pass
            if up:
                break
            time.sleep(0.05)
        if proc.poll() is None:
            proc.kill()
        out = proc.communicate()[0].decode("utf-8", "replace")
        if up:
            break
        m = LINE_RE.search(out)
        if not m or not 1 <= int(m.group(1)) <= len(lines):
            raise RuntimeError(f"server refuses the suite's default.conf:\n{out[-2000:]}")
        dropped.append(lines.pop(int(m.group(1)) - 1))
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return dropped


# Edits to the scratch copy of the suite's harness (never its tests), each
# with the reason.  They change nothing when the server is Redis.
HARNESS_PATCHES = [
    # External mode runs FUNCTION FLUSH before every start_server block; a
    # server without FUNCTION (scripting, issue #11) would abort every unit
    # on that line instead of running the tests that need no functions.
    ("tests/support/server.tcl", "    r function flush\n", "    catch {r function flush}\n"),
]


def patch_harness(tree):
    for rel, old, new in HARNESS_PATCHES:
        path = os.path.join(tree, rel)
        with open(path) as f:
            text = f.read()
        if old not in text:
            raise RuntimeError(f"harness patch does not apply to {rel}: {old.strip()!r}")
        with open(path, "w") as f:
            f.write(text.replace(old, new, 1))


def list_units(tree):
    out = subprocess.run(["tclsh", "tests/test_helper.tcl", "--list-tests"], cwd=tree,
                         capture_output=True, text=True, check=True).stdout
    return [u for u in out.split() if u]


class ExternalServer:
    """One server process for one unit, on a free loopback port."""

    def __init__(self, binary, work, unit, extra):
        self.port = free_port()
        self.dir = os.path.join(work, "srv")
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir)
        self.logpath = os.path.join(self.dir, "server.log")
        args = [os.path.abspath(binary), "--port", str(self.port), "--bind", "127.0.0.1",
                "--dir", self.dir, "--save", "", "--enable-debug-command", "yes",
                "--enable-protected-configs", "yes"] + extra
        self.logf = open(self.logpath, "wb")
        self.proc = subprocess.Popen(args, stdout=self.logf, stderr=subprocess.STDOUT,
                                     cwd=self.dir, start_new_session=True)
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited at start ({self.proc.returncode})")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(64).startswith((b"+PONG", b"-")):
                        return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("server did not answer PING")

    def died(self):
        """None while alive, else a description of how it exited."""
        rc = self.proc.poll()
        if rc is None:
            return None
        return f"signal {-rc}" if rc < 0 else f"exit {rc}"

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.logf.close()


def kill_group(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def parse(text):
    """Counts and failed-test names from the suite's output."""
    r = {"passed": 0, "failed": 0, "ignored": 0, "skipped": 0, "failures": [],
         "exception": False, "suite_timeout": False, "crashlog": False}
    for line in ANSI.sub("", text).splitlines():
        if OK_RE.match(line):
            r["passed"] += 1
        elif m := ERR_RE.match(line):
            r["failed"] += 1
            r["failures"].append(m.group(1))
        elif IGNORE_RE.match(line):
            r["ignored"] += 1
        elif SKIP_RE.match(line):
            r["skipped"] += 1
        elif m := EXC_RE.match(line):
            r["exception"] = True
            r["failures"].append("EXCEPTION: " + m.group(1))
        elif "[TIMEOUT]" in line:
            r["suite_timeout"] = True
        elif line.startswith("Logged crash report"):
            r["crashlog"] = True
    return r


def run_unit_once(args, tree, work, unit):
    logdir = os.path.join(args.out, "logs")
    safe = unit.replace("/", "_")
    # The suite probes each port it takes and port+10000 too (cluster bus), and
    # puts its own control port just below --baseport: stay well under 55535.
    cmd = ["tclsh", "tests/test_helper.tcl", "--single", unit, "--clients", "1", "--durable",
           "--timeout", str(args.idle_timeout), "--baseport", str(random.randrange(22000, 45000, 200)),
           "--portcount", "200"]
    if args.tags:
        cmd += ["--tags", args.tags]
    cmd += args.suite_arg
    server = None
    if args.mode == "spawn":
        cmd += ["--dont-clean"]  # the runner reads the servers' logs, then cleans
    if args.mode == "external":
        server = ExternalServer(args.server, work, unit, args.server_arg)
        cmd += ["--host", "127.0.0.1", "--port", str(server.port)]
    start = time.time()
    logpath = os.path.join(logdir, safe + ".log")
    status = "ok"
    with open(logpath, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=tree, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True,
                                env=dict(os.environ, TERM="dumb"))
        try:
            rc = proc.wait(args.unit_timeout)
        except subprocess.TimeoutExpired:
            status = "timeout"
        kill_group(proc)
        rc = proc.wait()
    secs = time.time() - start
    with open(logpath, "rb") as f:
        r = parse(f.read().decode("utf-8", "replace"))
    if args.mode == "spawn":
        r["crashlog"] |= collect_spawned_crashes(tree, logdir, safe)
    if server:
        how = server.died()
        server.stop()
        shutil.copy(server.logpath, os.path.join(logdir, safe + ".server.log"))
        if how:
            status = f"crash ({how})"
    if status == "ok":
        if r["crashlog"]:
            status = "crash (logged)"
        elif r["suite_timeout"]:
            status = "timeout"
        elif r["exception"]:
            status = "exception"
        elif rc != 0 and r["passed"] + r["failed"] + r["ignored"] == 0:
            status = f"error (suite exit {rc})"
    r.update(unit=unit, mode=args.mode, status=status, seconds=round(secs))
    with open(os.path.join(args.out, "failed", safe + ".txt"), "w") as f:
        for name in r["failures"]:
            f.write(name + "\n")
    return r


PORT_TROUBLE = ("Can't find a non busy port", "couldn't open socket")


def run_unit(args, tree, work, unit):
    """run_unit_once, again on other ports when the suite could not even
    bind its own ports (another process took them): that says nothing
    about the server under test."""
    for _ in range(3):
        r = run_unit_once(args, tree, work, unit)
        if not r["status"].startswith("error"):
            return r
        with open(os.path.join(args.out, "logs", unit.replace("/", "_") + ".log"), "rb") as f:
            text = f.read().decode("utf-8", "replace")
        if not any(t in text for t in PORT_TROUBLE):
            return r
        log("   the suite could not bind its ports; retrying on others")
    return r


def collect_spawned_crashes(tree, logdir, safe):
    """Spawn mode: keep the log of every server the unit started that wrote
    a bug report (Tern's or Redis's), then empty tests/tmp.  True if any."""
    tmp = os.path.join(tree, "tests", "tmp")
    found = 0
    for entry in sorted(os.listdir(tmp)):
        log_path = os.path.join(tmp, entry, "stdout")
        if not os.path.isfile(log_path):
            continue
        with open(log_path, "rb") as f:
            text = f.read()
        if b"BUG REPORT START" in text:
            found += 1
            shutil.copy(log_path, os.path.join(logdir, f"{safe}.crash-{found}.log"))
    for entry in os.listdir(tmp):
        p = os.path.join(tmp, entry)
        shutil.rmtree(p, ignore_errors=True) if os.path.isdir(p) else os.remove(p)
    return found > 0


def write_tables(out, results):
    cols = ("unit", "mode", "passed", "failed", "ignored", "status", "seconds")
    with open(os.path.join(out, "results.tsv"), "w") as f:
        f.write("\t".join(cols) + "\n")
        for r in results:
            f.write("\t".join(str(r[c]) for c in cols) + "\n")
    with open(os.path.join(out, "results.md"), "w") as f:
        f.write("| " + " | ".join(cols) + " |\n|" + "---|" * len(cols) + "\n")
        for r in results:
            f.write("| " + " | ".join(str(r[c]) for c in cols) + " |\n")


def read_tsv(path):
    with open(path) as f:
        lines = f.read().splitlines()
    cols = lines[0].split("\t")
    return {row[0]: dict(zip(cols, row)) for row in (ln.split("\t") for ln in lines[1:])}


def compare(a_dir, b_dir, a_name, b_name):
    """Markdown table of two runs, A the reference (Redis) and B the server
    under test: passed/failed/ignored of each, B's passes as a share of
    A's, B's status, and a totals row."""
    a = read_tsv(os.path.join(a_dir, "results.tsv"))
    b = read_tsv(os.path.join(b_dir, "results.tsv"))
    print(f"| unit | mode | {a_name} pass/fail/ign | {b_name} pass/fail/ign "
          f"| {b_name}/{a_name} | {b_name} status |")
    print("|---|---|---|---|---|---|")
    tot = {"a": [0, 0, 0], "b": [0, 0, 0]}

    def fmt(r, side):
        if not r:
            return "-"
        nums = [int(r["passed"]), int(r["failed"]), int(r["ignored"])]
        tot[side] = [x + y for x, y in zip(tot[side], nums)]
        return "/".join(str(n) for n in nums)

    def share(pa, pb):
        return f"{100.0 * pb / pa:.1f} %" if pa > 0 else "-"

    for unit in list(a) + [u for u in b if u not in a]:
        ra, rb = a.get(unit), b.get(unit)
        fa, fb = fmt(ra, "a"), fmt(rb, "b")
        ratio = share(int(ra["passed"]), int(rb["passed"])) if ra and rb else "-"
        mode = (ra or rb)["mode"]
        print(f"| {unit} | {mode} | {fa} | {fb} | {ratio} | {rb['status'] if rb else '-'} |")
    ta, tb = tot["a"], tot["b"]
    print(f"| **total** | | {'/'.join(map(str, ta))} | {'/'.join(map(str, tb))} "
          f"| {share(ta[0], tb[0])} | |")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("redis_src", nargs="?", help="Redis 7.0 source tree (its tests/ is used)")
    p.add_argument("units", nargs="*", help="units to run (default: all the suite lists)")
    p.add_argument("--server", default=os.path.join(REPO, "build", "tern-server"))
    p.add_argument("--mode", choices=("external", "spawn"), default="external")
    p.add_argument("--out", help="results directory (default build/redis-suite/NAME-MODE)")
    p.add_argument("--work", help="scratch directory for the tree (default OUT/work)")
    p.add_argument("--tags", default="-slow", help='suite --tags (default "-slow")')
    p.add_argument("--unit-timeout", type=int, default=900, help="hard limit per unit, seconds")
    p.add_argument("--idle-timeout", type=int, default=120,
                   help="suite --timeout: seconds without progress before it gives up")
    p.add_argument("--skip", action="append", default=[], help="unit to leave out (repeatable)")
    p.add_argument("--server-arg", action="append", default=[],
                   help="extra argument for the external server (repeatable)")
    p.add_argument("--suite-arg", action="append", default=[],
                   help="extra argument for the suite's test_helper.tcl (repeatable)")
    p.add_argument("--compare", nargs=2, metavar=("A", "B"),
                   help="print reference run A (Redis) against run B and exit")
    p.add_argument("--names", nargs=2, default=("redis", "tern"), help="column names for --compare")
    args = p.parse_intermixed_args()

    if args.compare:
        compare(args.compare[0], args.compare[1], *args.names)
        return 0
    if not args.redis_src:
        log("redis-suite: skipped: no REDIS_SRC given (usage: tests/redis-suite/run.sh REDIS_SRC [UNIT...])")
        return 0
    if not os.path.isfile(os.path.join(args.redis_src, "tests", "test_helper.tcl")):
        log(f"redis-suite: {args.redis_src} has no tests/test_helper.tcl")
        return 2
    if not shutil.which("tclsh"):
        log("redis-suite: tclsh not found (scripts/install-deps.sh installs tcl)")
        return 2
    if not os.access(args.server, os.X_OK):
        log(f"redis-suite: server {args.server} not found; build it first")
        return 2
    name = os.path.basename(args.server)
    args.out = os.path.abspath(args.out or os.path.join(REPO, "build", "redis-suite", f"{name}-{args.mode}"))
    work = os.path.abspath(args.work or os.path.join(args.out, "work"))
    for d in ("logs", "failed"):
        os.makedirs(os.path.join(args.out, d), exist_ok=True)
    os.makedirs(work, exist_ok=True)
    tree = make_tree(args.redis_src, args.server, work)
    patch_harness(tree)
    if args.mode == "spawn":
        dropped = adapt_default_conf(tree, args.server, work)
        with open(os.path.join(args.out, "dropped-config.txt"), "w") as f:
            f.write("".join(ln + "\n" for ln in dropped))
        log("default.conf lines the server refused (dropped): " + (", ".join(dropped) or "none"))
    order = list_units(tree)
    units = [u for u in (args.units or order) if u not in args.skip]
    rank = {u: j for j, u in enumerate(order)}

    results = []
    tsv = os.path.join(args.out, "results.tsv")
    old = read_tsv(tsv) if args.units and os.path.exists(tsv) else {}
    for unit in units:
        log(f"== {unit} ({args.mode})")
        try:
            r = run_unit(args, tree, work, unit)
        except RuntimeError as e:
            r = dict(unit=unit, mode=args.mode, passed=0, failed=0, ignored=0,
                     status=f"no server: {e}", seconds=0, failures=[])
        log(f"   passed {r['passed']} failed {r['failed']} ignored {r['ignored']} "
            f"{r['status']} {r['seconds']}s")
        for name in r["failures"][:50]:
            log(f"   FAIL {name}")
        results.append(r)
        old.pop(unit, None)
        # Keep the other units of an earlier run when only some were re-run.
        merged = [dict(v) for v in old.values()] + results
        merged.sort(key=lambda r: rank.get(r["unit"], len(rank)))
        write_tables(args.out, merged)
    log(f"results: {os.path.join(args.out, 'results.md')}")
    bad = [r for r in results if r["status"] != "ok"]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
