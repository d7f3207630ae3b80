"""Differential runner: every tests/diff/cases/*.txt script is sent to tern and
to the reference redis-server and the reply bytes are compared (README.md).

Each script gets new connections on both servers (so connection state such
as RESP version, SELECTed db and client name starts fresh) and a FLUSHALL;
@both-close reconnects without flushing.  Server-wide state a script
changes (CONFIG SET, ...) it must restore itself.
"""

import os
import time

import pytest

from diffscript import ScriptError, parse_script
from support.resp import (ConnectionClosed, ProtocolError, ReplyTimeout, encode_command,
                          shape)

CASES_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cases")
CASES = sorted(f for f in os.listdir(CASES_DIR) if f.endswith(".txt"))
REPLY_TIMEOUT = 10.0
CLOSE_TIMEOUT = 3.0
SHOW = 400  # bytes of each reply shown in a failure message


def _show(outcome):
    kind, data = outcome
    if kind == "reply":
        text = repr(data[:SHOW]) + (f" ... ({len(data)} bytes)" if len(data) > SHOW else "")
        return text
    if kind == "closed":
        return "(connection closed)" + (f" after partial reply {data[:SHOW]!r}" if data else "")
    if kind == "timeout":
        got = f", got {data[:SHOW]!r}" if data else ""
        return f"(no complete reply within {REPLY_TIMEOUT}s){got}"
    return f"(protocol error: {data})"


def _read(conn):
    try:
        return ("reply", conn.read_reply(REPLY_TIMEOUT).raw)
    except ConnectionClosed as e:
        return ("closed", e.partial)
    except ReplyTimeout as e:
        return ("timeout", e.partial)
    except ProtocolError as e:
        return ("protocol-error", str(e))


def _connect(sides, flush):
    conns = []
    for name, srv in sides:
        conn = srv.raw(timeout=REPLY_TIMEOUT)
        conns.append(conn)
        if not flush:
            continue
        conn.send_command("FLUSHALL")
        reply = conn.read_reply()
        assert reply.raw == b"+OK\r\n", f"{name}: FLUSHALL replied {reply.raw!r}"
    return conns


class _Run:
    def __init__(self, label, sides):
        self.label = label
        self.names = [name for name, _ in sides]
        self.width = max(len(n) for n in self.names) + 1
        self.failures = []

    def where(self, step):
        return f"{self.label}:{step.lineno}: {step.text}"

    def fail(self, step, why, outcomes=(), shapes=False):
        lines = [self.where(step)] + ([f"    {why}"] if why else [])
        for name, out in zip(self.names, outcomes):
            text = out if isinstance(out, str) else _show(out)
            lines.append(f"    {name + ':':<{self.width}} {text}")
            if shapes and out[0] == "reply":
                lines.append(f"    {'':<{self.width}} shape {_shape_or_error(out[1])}")
        self.failures.append("\n".join(lines))


def _shape_or_error(raw):
    try:
        return shape(raw)
    except (ValueError, ProtocolError) as e:
        return f"<{e}>"


def run_script(path, sides, show=None):
    """Run the script file `path` against `sides`, a list of (name, Server).

    Returns the _Run, whose .failures is empty if all replies matched.
    `show(step, outcomes)`, if given, sees every reply as it is compared.
    Raises ScriptError for a malformed script.
    """
    label = os.path.relpath(path)
    if label.startswith(".."):
        label = path
    with open(path, encoding="utf-8") as f:
        steps = parse_script(f.read(), label)
    run = _Run(label, sides)
    conns = _connect(sides, flush=True)
    closed = False
    try:
        for k, step in enumerate(steps):
            if step.action == "sleep":
                time.sleep(step.data)
                continue
            if step.action == "both-close":
                if not closed:
                    outs = []
                    for conn in conns:
                        try:
                            outs.append("closed" if conn.wait_closed(CLOSE_TIMEOUT)
                                        else f"still open after {CLOSE_TIMEOUT}s")
                        except ProtocolError as e:
                            outs.append(f"still open: {e}")
                    if any(o != "closed" for o in outs):
                        run.fail(step, "expected both servers to close the connection", outs)
                        break
                for conn in conns:
                    conn.close()
                conns = _connect(sides, flush=False)  # the data stays
                closed = False
                continue

            send_failed = [False] * len(conns)
            if step.action in ("command", "raw"):
                payload = encode_command(*step.data) if step.action == "command" else step.data
                for j, conn in enumerate(conns):
                    try:
                        conn.send(payload)
                    except ConnectionClosed:
                        send_failed[j] = True
                if step.send_only:
                    if any(send_failed) and not all(send_failed):
                        run.fail(step, "only one server had closed the connection",
                                 ["closed" if f else "open" for f in send_failed])
                        break
                    continue

            outs = [("closed", b"") if failed else _read(conn)
                    for failed, conn in zip(send_failed, conns)]
            if show:
                show(step, outs)
            kinds = {kind for kind, _ in outs}
            if "timeout" in kinds:
                run.fail(step, "no reply (commands that get no reply need @send)", outs)
                break
            if "protocol-error" in kinds or len(kinds) > 1:
                run.fail(step, "", outs)
                break
            if kinds == {"closed"}:
                if k + 1 == len(steps) or steps[k + 1].action != "both-close":
                    run.fail(step, "both servers closed the connection; "
                                   "put @both-close on the next line to expect that", outs)
                    break
                closed = True
                continue
            if step.shape_only:
                shapes = {_shape_or_error(raw) for _, raw in outs}
                if len(shapes) > 1:
                    run.fail(step, "reply shapes differ", outs, shapes=True)
            elif len({raw for _, raw in outs}) > 1:
                run.fail(step, "", outs)
    finally:
        for conn in conns:
            conn.close()
    return run


@pytest.mark.parametrize("case", CASES)
def test_script_gets_byte_identical_replies_from_tern_and_redis(case, server, ref_server):
    try:
        run = run_script(os.path.join(CASES_DIR, case), [("tern", server), ("redis", ref_server)])
    except ScriptError as e:
        pytest.fail(f"bad script: {e}", pytrace=False)
    if run.failures:
        head = f"{len(run.failures)} difference(s) between tern and redis in {run.label}:"
        pytest.fail("\n".join([head] + run.failures), pytrace=False)

