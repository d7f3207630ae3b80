"""redis-cli's interactive hints against tern.

redis-cli 7.0 renders the hint it shows after a command name ("SET foo " ->
"value [NX|XX] [GET] [EX seconds|...]") from the "arguments" of COMMAND
DOCS, which come from src/core/cmdargs.def; without them it shows nothing.
So the argument trees are compared with Redis 7.0.15's, exactly (types,
field order, RESP2 and RESP3), and the hints redis-cli really draws are
read from a tmux pane for both servers.
"""

import os
import shutil
import subprocess
import time

import pytest

from support.resp import RespSet, SimpleString

# Where our COMMAND DOCS arguments differ from Redis 7.0.15's on purpose.
NOT_REDIS_7_0 = {
    "zrank": "7.2's [WITHSCORE], which we implement",
    "zrevrank": "7.2's [WITHSCORE], which we implement",
    "command|getkeys": "Redis 7.0 documents none; ours says what arity -4 requires",
    "debug": "Redis documents none for DEBUG",
}

COMMON = ["get", "set", "del", "expire", "lpush", "blpop", "hset", "zadd", "zrange", "scan",
          "client|kill", "client|list", "config|set", "config|get", "subscribe", "psubscribe",
          "getex", "lcs", "hello", "mset", "lpos", "zinterstore", "zrangestore", "flushall",
          "shutdown", "command|list", "spop", "linsert", "blmove", "copy"]


def _typed(v):
    """The reply with every value tagged by its RESP type, order kept."""
    if isinstance(v, dict):
        return ("map", [(_typed(k), _typed(x)) for k, x in v.items()])
    if isinstance(v, RespSet):
        return ("set", [_typed(x) for x in v])
    if isinstance(v, list):
        return ("array", [_typed(x) for x in v])
    if isinstance(v, SimpleString):
        return ("status", bytes(v))
    if isinstance(v, bytes):
        return ("bulk", bytes(v))
    return (type(v).__name__, v)


def _fields(reply):
    """COMMAND DOCS of one command: its field map (RESP2 pairs or RESP3 map)."""
    if isinstance(reply, dict):
        (fields,) = reply.values()
        return fields
    pairs = reply[1]
    return dict(zip(pairs[::2], pairs[1::2]))


def _arguments(server, names, proto=3):
    out = {}
    with server.raw() as conn:
        if proto == 3:
            conn.call("HELLO", "3")
        for name in names:
            out[name] = _fields(conn.call("COMMAND", "DOCS", name)).get(b"arguments")
    return out


def _names(server):
    with server.raw() as conn:
        return {n.decode() for n in conn.call("COMMAND", "LIST")}


@pytest.mark.parametrize("proto", [2, 3])
def test_common_commands_document_exactly_redis_7_0_arguments(server, ref_server, proto):
    ours = _arguments(server, COMMON, proto)
    theirs = _arguments(ref_server, COMMON, proto)
    wrong = [name for name in COMMON if _typed(ours[name]) != _typed(theirs[name])]
    assert not wrong, "\n".join(f"{n}:\n  tern  {ours[n]}\n  redis {theirs[n]}" for n in wrong)


def test_every_command_both_servers_know_documents_redis_7_0_arguments(server, ref_server):
    names = sorted((_names(server) & _names(ref_server)) - set(NOT_REDIS_7_0))
    assert len(names) > 150
    ours, theirs = _arguments(server, names), _arguments(ref_server, names)
    wrong = [n for n in names if _typed(ours[n]) != _typed(theirs[n])]
    assert not wrong, "\n".join(f"{n}:\n  tern  {ours[n]}\n  redis {theirs[n]}" for n in wrong)


def test_zrank_documents_redis_7_0_arguments_plus_7_2_withscore(server, ref_server):
    for name in ("zrank", "zrevrank"):
        ours = _arguments(server, [name])[name]
        theirs = _arguments(ref_server, [name])[name]
        assert _typed(ours[:-1]) == _typed(theirs)
        assert ours[-1] == {b"name": b"withscore", b"type": b"pure-token", b"token": b"WITHSCORE",
                            b"since": b"7.2.0", b"flags": [b"optional"]}


def test_a_command_without_arguments_has_no_arguments_field(raw):
    for name in ("multi", "quit", "client|id", "config"):
        assert b"arguments" not in _fields(raw.call("COMMAND", "DOCS", name)), name


# ---- the hints redis-cli draws -------------------------------------------

TMUX = shutil.which("tmux")
CLI = shutil.which("redis-cli")
WAIT = 5.0  # seconds for redis-cli to start or draw a hint


class Terminal:
    """redis-cli running in a detached tmux pane on a private tmux server."""

    def __init__(self, tmux, name, port):
        self.tmux, self.name = tmux, name
        self.prompt = f"127.0.0.1:{port}> "
        tmux("new-session", "-d", "-s", name, "-x", "500", "-y", "5",
             f"env REDISCLI_HISTFILE=/dev/null REDISCLI_RCFILE=/dev/null {CLI} -p {port}")
        self._wait(lambda line: line is not None, "the prompt")

    def _line(self):
        out = self.tmux("capture-pane", "-p", "-t", self.name).stdout
        for line in out.splitlines():
            # capture-pane drops trailing blanks, the prompt's included.
            if line.startswith(self.prompt.rstrip()):
                return line[len(self.prompt):].rstrip()
        return None

    def _wait(self, ready, what):
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            line = self._line()
            if ready(line):
                return line
            time.sleep(0.03)
        pytest.fail(f"redis-cli in tmux never showed {what}; pane: {self._line()!r}")

    def hint(self, typed):
        """Types `typed` on an empty line; returns the hint drawn after it."""
        self.tmux("send-keys", "-t", self.name, "C-u")
        self.tmux("send-keys", "-t", self.name, "-l", typed)
        # Each keystroke redraws prompt, text and hint in one write; a hint
        # is complete once the line starts with all of `typed` and has more.
        def drawn(line):
            return line is not None and line.startswith(typed) and len(line) > len(typed)

        line = self._wait(drawn, f"a hint after {typed!r}")
        return line[len(typed):]


@pytest.fixture(scope="module")
def tmux():
    if not TMUX or not CLI:
        pytest.skip("tmux and redis-cli are needed to watch redis-cli's hints")
    sock = f"tern-hints-{os.getpid()}"

    def run(*args):
        return subprocess.run([TMUX, "-L", sock, "-f", "/dev/null", *args],
                              capture_output=True, text=True, timeout=WAIT)

    yield run
    run("kill-server")


@pytest.fixture(scope="module")
def terminals(tmux, server, ref_server):
    return Terminal(tmux, "tern", server.port), Terminal(tmux, "redis", ref_server.port)


HINTS = {
    "SET foo ": "value [NX|XX] [GET] [EX seconds|PX milliseconds|EXAT unix-time-seconds|"
                "PXAT unix-time-milliseconds|KEEPTTL]",
    "ZADD ": "key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...]",
    "CLIENT KILL ": "ip:port|[ID client-id]|[TYPE NORMAL|MASTER|SLAVE|REPLICA|PUBSUB]|"
                    "[USER username]|[ADDR ip:port]|[LADDR ip:port]|[SKIPME yes/no] "
                    "[[ID client-id]|[TYPE NORMAL|MASTER|SLAVE|REPLICA|PUBSUB]|[USER username]|"
                    "[ADDR ip:port]|[LADDR ip:port]|[SKIPME yes/no] ...]",
    "client list ": "[TYPE NORMAL|MASTER|REPLICA|PUBSUB] [ID client-id [client-id ...]]",
    "hello ": "[protover [AUTH username password] [SETNAME clientname]]",
    "zrange k ": "start stop [BYSCORE|BYLEX] [REV] [LIMIT offset count] [WITHSCORES]",
    "config set ": "parameter value [parameter value ...]",
    "BLPOP ": "key [key ...] timeout",
}


@pytest.mark.parametrize("typed", list(HINTS))
def test_redis_cli_shows_the_same_hint_as_with_redis(terminals, typed):
    tern, redis = terminals
    theirs = redis.hint(typed)
    assert theirs == HINTS[typed]
    assert tern.hint(typed) == theirs
