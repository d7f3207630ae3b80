#!/usr/bin/python3
"""Instructions per call of the scripting workloads, tern against redis-server,
counted by valgrind's callgrind (no timing noise, so it is comparable across
machines and loads).

    /usr/bin/python3 bench/callgrind.py --server build/tern-server [--requests 20000]

For each server and workload (EVALSHA and FCALL of bench/run.py's rate
limiter and ten-command script) the server runs twice under callgrind:
once with only the script loaded, once after --requests calls from
redis-benchmark (-c 1 -P 16, keys -r 1000); the difference of the two
instruction totals divided by the requests is the cost of one call,
parsing and reply included.  Prints both costs and their ratio (tern/redis,
<1: tern cheaper).  Servers listen on free loopback ports with
persistence off and are shut down with SHUTDOWN NOSAVE.
"""

import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run import BENCH_LIBRARY, RATE_LIMITER, TEN_COMMANDS, sha1hex  # noqa: E402

RL_ARGS = ["1", "rl:__rand_int__", "60", "1000000000"]
TEN_ARGS = ["5", "s:__rand_int__", "n:__rand_int__", "h:__rand_int__", "l:__rand_int__",
            "z:__rand_int__", "v"]
WORKLOADS = [
    ("EVALSHA_RATELIMIT", ["SCRIPT", "LOAD", RATE_LIMITER], ["EVALSHA", sha1hex(RATE_LIMITER)] + RL_ARGS),
    ("EVALSHA_10CMDS", ["SCRIPT", "LOAD", TEN_COMMANDS], ["EVALSHA", sha1hex(TEN_COMMANDS)] + TEN_ARGS),
    ("FCALL_RATELIMIT", ["FUNCTION", "LOAD", "REPLACE", BENCH_LIBRARY], ["FCALL", "ratelimit"] + RL_ARGS),
    ("FCALL_10CMDS", ["FUNCTION", "LOAD", "REPLACE", BENCH_LIBRARY], ["FCALL", "tencmds"] + TEN_ARGS),
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def instructions(binary, setup, calls, requests):
    """Total instructions of one server run: start, `setup`, `requests` x `calls`, shutdown."""
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "callgrind.out")
        p = subprocess.Popen(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out, binary,
                              "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                              "--dir", tmp], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if time.monotonic() > deadline or p.poll() is not None:
                        raise SystemExit(f"{binary} did not start under valgrind")
                    time.sleep(0.1)
            cli = ["redis-cli", "-p", str(port)]
            subprocess.run(cli + setup, check=True, capture_output=True)
            if requests:
                subprocess.run(["redis-benchmark", "-p", str(port), "-c", "1", "-P", "16", "-n",
                                str(requests), "-q", "-r", "1000"] + calls,
                               check=True, capture_output=True, timeout=1800)
            subprocess.run(cli + ["SHUTDOWN", "NOSAVE"], capture_output=True)
            p.wait(timeout=120)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        text = open(out).read()
    m = re.search(r"^(?:summary|totals): (\d+)", text, re.M)
    return int(m.group(1))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--server", required=True)
    ap.add_argument("--reference", default="/usr/bin/redis-server")
    ap.add_argument("--requests", type=int, default=20000)
    a = ap.parse_args(argv)
    print(f"{'workload':<20} {'tern':>10} {'redis':>10}  ratio   (instructions per call)")
    for name, setup, calls in WORKLOADS:
        cost = {}
        for label, binary in (("tern", a.server), ("redis", a.reference)):
            base = instructions(binary, setup, calls, 0)
            cost[label] = (instructions(binary, setup, calls, a.requests) - base) / a.requests
        print(f"{name:<20} {cost['tern']:>10,.0f} {cost['redis']:>10,.0f}  "
              f"{cost['tern'] / cost['redis']:.2f}", flush=True)


if __name__ == "__main__":
    main()
