"""A real job framework end to end: BullMQ (Node.js, the npm package) runs
its Lua scripts against tern — plain, retried, delayed, prioritized and
rate-limited jobs and queue events (bullmq/e2e.js).  The package is
installed from npm into build/npm on first use; without node/npm or
without access to the registry the test is skipped and says why."""

import os
import shutil
import subprocess

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
PREFIX = os.path.join(REPO, "build", "npm")
BULLMQ = "bullmq@5.81.5"  # pinned: the e2e script is written against its API


def _install():
    """The node_modules folder holding BullMQ, or a skip reason."""
    if not shutil.which("node") or not shutil.which("npm"):
        return None, "node or npm is not installed"
    modules = os.path.join(PREFIX, "node_modules")
    marker = os.path.join(modules, "bullmq", "package.json")
    if os.path.exists(marker):
        return modules, None
    os.makedirs(PREFIX, exist_ok=True)
    try:
        p = subprocess.run(["npm", "install", "--prefix", PREFIX, "--no-audit", "--no-fund",
                            "--no-save", BULLMQ], capture_output=True, text=True, timeout=180)
    except subprocess.TimeoutExpired:
        return None, "npm install timed out (registry not reachable?)"
    if p.returncode != 0 or not os.path.exists(marker):
        return None, "npm install %s failed: %s" % (BULLMQ, (p.stderr or p.stdout)[-300:])
    return modules, None


def test_bullmq_adds_processes_retries_delays_prioritizes_and_rate_limits_jobs(server):
    modules, why = _install()
    if not modules:
        pytest.skip("BullMQ end-to-end test not run: " + why)
    env = dict(os.environ, NODE_PATH=modules)
    p = subprocess.run(["node", os.path.join(HERE, "bullmq", "e2e.js"), str(server.port)],
                       capture_output=True, text=True, timeout=240, env=env)
    assert p.returncode == 0, p.stdout + p.stderr
    assert p.stdout.count("ok ") == 6, p.stdout
