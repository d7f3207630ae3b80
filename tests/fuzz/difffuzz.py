#!/usr/bin/python3
"""Randomized differential testing: tern against the reference redis-server.

    /usr/bin/python3 tests/fuzz/difffuzz.py --tern build-san/tern-server --sanitized \\
        --seed 1 --commands 50000            # the fixed slice `make test` runs
    /usr/bin/python3 tests/fuzz/difffuzz.py --tern build-san/tern-server --sanitized \\
        --seconds 1800                       # `make fuzz FUZZ_SECONDS=1800` (random seed)
    ... --seed S --epoch E                   # replay one epoch of an earlier run

The run is a sequence of epochs.  Each epoch starts from an empty dataset
with one encoding profile (small or default thresholds) and, in some
epochs, keyspace events on; it sends up to --epoch-len generated commands
(gen.py) to both servers through executor.py, comparing every reply
(compare.py) and, every --batch commands, the whole dataset.  An epoch's
commands depend only on (seed, epoch), so `--seed S --epoch E` replays it.

A crash, sanitizer report, hang (no reply in --timeout seconds),
connection-level difference or reply/dataset difference ends the epoch:
the epoch's steps are shrunk to a minimal sequence (shrink.py), printed
with the seed, and written as a ready-to-add tests/diff case under --out.
The same failure signature is shrunk only once per run.  Exit status: 0
when nothing failed, 1 otherwise.
"""

import argparse
import os
import random
import sys
import time
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))  # tests/, for support/
sys.path.insert(0, HERE)

from support import servers  # noqa: E402
from support.resp import encode_command  # noqa: E402
import model  # noqa: E402
from executor import Executor, Failure, PROFILES  # noqa: E402
from gen import Generator  # noqa: E402
from shrink import shrink, case_text  # noqa: E402
from compare import command_name  # noqa: E402


def log(msg):
    print(msg, flush=True)


class Run:
    def __init__(self, opts):
        self.opts = opts
        self.tern = self.ref = None
        self.ex = None
        self.counts = Counter()
        self.total = 0
        self.failures = []
        self.seen = set()

    # ---- servers ----

    def start(self, which):
        o = self.opts
        if which == "tern":
            return servers.start_server(o.tern, servers.TERN_ARGS, name="tern",
                                        sanitized=o.sanitized)
        return servers.start_server(o.ref, servers.REFERENCE_ARGS, name="redis")

    def restart(self, which):
        old = self.tern if which == "tern" else self.ref
        problems = old.stop() if old is not None else []
        for p in problems:
            log(f"  [{which}] {p.splitlines()[0]}")
        new = self.start(which)
        if which == "tern":
            self.tern = new
        else:
            self.ref = new
        return new

    def setup(self):
        self.tern = self.start("tern")
        self.ref = self.start("redis")
        t, r = self.tern.raw(timeout=30), self.ref.raw(timeout=30)
        self.commands, self.skipped = model.load_commands(t, r)
        self.payloads = self._payloads(r)
        t.close()
        r.close()
        self.containers = {c.name.split("|")[0] for c in self.commands if "|" in c.name}
        self.groups = {c.name: c.group for c in self.commands}
        blocking = {c.name for c in self.commands if "blocking" in c.flags}
        self.ex = Executor(self.tern, self.ref, self.containers, timeout=self.opts.timeout,
                           restart=self.restart, blocking=blocking)

    @staticmethod
    def _payloads(ref):
        """DUMP payloads of each type from the reference server, for RESTORE."""
        out = []
        cmds = [("SET", "dp:s", "hello"), ("SET", "dp:i", "12345"), ("RPUSH", "dp:l", "a", "b"),
                ("HSET", "dp:h", "f", "v"), ("SADD", "dp:t", "1", "2"), ("SADD", "dp:u", "a"),
                ("ZADD", "dp:z", "1", "a"), ("XADD", "dp:x", "1-1", "f", "v")]
        for c in cmds:
            ref.call(*c)
            dump = ref.call("DUMP", c[1])
            if isinstance(dump, bytes):
                out.append(bytes(dump))
        ref.call("FLUSHALL")
        out.append(out[0][:-3] + b"\x00\x00\x00" if out else b"bad")
        return out

    def stop(self):
        if self.ex:
            self.ex.close()
        problems = []
        for s in (self.tern, self.ref):
            if s is not None:
                problems += s.stop()
        return problems

    # ---- epochs ----

    def epoch_plan(self, epoch):
        rng = random.Random(f"{self.opts.seed}:{epoch}")
        profile = rng.choice(["small", "default"])
        notify = rng.random() < 0.3
        gen = Generator(self.commands, rng, profile, self.payloads)
        return profile, notify, gen

    def run_epoch(self, epoch, budget):
        profile, notify, gen = self.epoch_plan(epoch)
        ex = self.ex
        ex.start_epoch(profile, notify)
        steps = []
        n = min(self.opts.epoch_len, budget)
        done = 0
        try:
            while done < n:
                step = gen.next(ex.state)
                steps.append(step)
                if self.opts.trace:
                    log(f"  {epoch}.{len(steps)}: {step.argv if step.kind == 'cmd' else step}"[:300])
                ex.run(step)
                if step.kind == "cmd":
                    done += 1
                    self.total += 1
                    name = command_name(step.argv, self.containers)
                    self.counts[self.groups.get(name, "(other)")] += 1
                    if done % self.opts.batch == 0:
                        ex.check_dataset()
            ex.check_dataset()
        except Failure as f:
            self.failed(epoch, profile, notify, steps, f)
        return done

    def failed(self, epoch, profile, notify, steps, f):
        sig = f.signature()
        first = sig not in self.seen
        self.seen.add(sig)
        self.failures.append((epoch, f))
        log(f"\n== FAILURE seed={self.opts.seed} epoch={epoch} ({profile} thresholds"
            f"{', keyspace events' if notify else ''}): {f.kind} in {f.name or '?'}")
        log(f"   {f.detail}")
        for side, rs in (f.replies or {}).items():
            if rs:
                log(f"   {side}: {[r[:200] for r in rs][:4]!r}")
        if not first:
            log("   (same signature as an earlier failure: not shrunk again)")
            return
        if self.opts.no_shrink:
            final = steps
        else:
            final = shrink(steps, lambda c: self.reproduces(c, profile, notify, sig),
                           budget_s=self.opts.shrink_seconds, log=log)
        replies = self.reply_counts(final, profile, notify)
        header = [f"Found by tests/fuzz/difffuzz.py --seed {self.opts.seed} --epoch {epoch}:",
                  f"{f.kind} in {f.name}: {f.detail.splitlines()[0][:200]}"]
        text = case_text(final, profile, notify, header, self.containers, replies, f.tail)
        log("-- minimal reproduction (tests/diff/cases format):")
        log(text)
        os.makedirs(self.opts.out, exist_ok=True)
        path = os.path.join(self.opts.out, f"fuzz-{self.opts.seed}-{epoch}-{f.kind}.txt")
        with open(path, "w") as fh:
            fh.write(text)
        log(f"-- written to {path}")
        # The servers may be in any state now: the next epoch restarts
        # what died and flushes the rest.

    def reproduces(self, cand, profile, notify, sig):
        ex = self.ex
        try:
            ex.start_epoch(profile, notify)
            for st in cand:
                ex.run(st)
            ex.check_dataset()
        except Failure as f:
            return f.signature() == sig
        except (OSError, servers.ServerError) as e:
            log(f"   trial error: {e}")
            return False
        return False

    def reply_counts(self, steps, profile, notify):
        ex = self.ex
        try:
            ex.start_epoch(profile, notify)
            for st in steps:
                ex.run(st)
        except Exception:
            pass
        return {j: (entry[2] if entry[0] == "cmd" else 0)
                for j, entry in enumerate(ex.log) if entry[0] in ("cmd", "skip")}

    def main(self):
        o = self.opts
        self.setup()
        log(f"difffuzz: seed {o.seed}, {len(self.commands)} commands generated, "
            f"{len(self.skipped)} left out, tern {o.tern}{' (sanitized)' if o.sanitized else ''}")
        if o.verbose:
            for name, why in sorted(self.skipped.items()):
                log(f"  not generated: {name}: {why}")
        t0 = time.monotonic()
        epoch = o.epoch if o.epoch is not None else 0
        try:
            while True:
                left = (o.commands - self.total) if o.commands else o.epoch_len
                if o.commands and left <= 0:
                    break
                if o.seconds and time.monotonic() - t0 >= o.seconds:
                    break
                self.run_epoch(epoch, left)
                if o.epoch is not None or len(self.failures) >= o.max_failures:
                    break
                epoch += 1
                if o.progress and epoch % o.progress == 0:
                    log(f"  ... {self.total} commands, {epoch} epochs, "
                        f"{len(self.failures)} failures, {time.monotonic() - t0:.0f}s")
        finally:
            problems = self.stop()
        for p in problems:
            if "sanitizer" in p or "exited" in p or "killed" in p:
                self.failures.append((epoch, Failure("crash", "exit", p)))
            log(p)
        dt = time.monotonic() - t0
        log(f"\ndifffuzz: seed {o.seed}: {self.total} commands in {epoch + 1} epochs, "
            f"{dt:.0f}s, {len(self.failures)} failure(s)")
        log("  commands by group: " + ", ".join(f"{g} {n}" for g, n in sorted(self.counts.items())))
        for ep, f in self.failures:
            log(f"  epoch {ep}: {f.kind} in {f.name}: {f.detail.splitlines()[0][:160]}")
        return 1 if self.failures else 0


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--tern", default=os.environ.get("TERN_SERVER", "build/tern-server"))
    p.add_argument("--ref", default=servers.REFERENCE_BINARY)
    p.add_argument("--sanitized", action="store_true",
                   help="tern is an ASan/UBSan build: scan its log for reports")
    p.add_argument("--seed", type=int, default=None, help="default: random (printed)")
    p.add_argument("--commands", type=int, default=0, help="stop after this many commands")
    p.add_argument("--seconds", type=float, default=0, help="stop after this long")
    p.add_argument("--epoch", type=int, default=None, help="run only this epoch")
    p.add_argument("--epoch-len", type=int, default=400)
    p.add_argument("--batch", type=int, default=50, help="dataset check every N commands")
    p.add_argument("--timeout", type=float, default=5.0, help="seconds before a hang")
    p.add_argument("--out", default=os.path.join(os.environ.get("TMPDIR", "/tmp"), "tern-fuzz"),
                   help="where minimal reproductions are written")
    p.add_argument("--no-shrink", action="store_true")
    p.add_argument("--shrink-seconds", type=float, default=180.0)
    p.add_argument("--max-failures", type=int, default=20)
    p.add_argument("--progress", type=int, default=0, help="print progress every N epochs")
    p.add_argument("-v", "--verbose", action="store_true")
    p.add_argument("--trace", action="store_true", help="print every step")
    o = p.parse_args(argv)
    if o.seed is None:
        o.seed = random.SystemRandom().randrange(1, 2**31)
    if not o.commands and not o.seconds and o.epoch is None:
        o.commands = 5000
    o.tern = os.path.abspath(o.tern)
    if not os.access(o.tern, os.X_OK):
        p.error(f"{o.tern} is not an executable (build it first)")
    if not os.access(o.ref, os.X_OK):
        p.error(f"reference server {o.ref} not found (apt-get install redis-server)")
    return o


if __name__ == "__main__":
    sys.exit(Run(parse_args()).main())
