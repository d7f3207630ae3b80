"""The commands the fuzzer generates, read from the server under test.

`load_commands(tern, ref)` asks tern for COMMAND (name, arity, flags, key
positions, subcommands) and COMMAND DOCS (the argument tree of each command
and subcommand), so a command that lands in core/commands.def and
core/cmdargs.def is fuzzed the day it lands, with no change here.  Commands
the reference server does not know (COMMAND INFO replies nil there: tern's
7.2 additions) are left out, because every reply would differ.

What is never generated, and why, is the EXCLUDED table below: commands
that stop the server, block the connection for good, change what the
harness relies on (auth, client reply mode, config), or whose effect is
not deterministic across two processes (replication, persistence timing).
Everything else is generated; nondeterministic *replies* are handled by the
comparison rules in compare.py, not by leaving commands out.
"""

from collections import namedtuple

Arg = namedtuple("Arg", "name type token flags kids since")
Arg.__doc__ = """One node of a COMMAND DOCS argument tree.

name, type ('key', 'string', 'integer', 'double', 'pattern', 'unix-time',
'pure-token', 'oneof', 'block'), token (bytes or None), flags (a frozenset
of 'optional', 'multiple', 'multiple_token'), kids (tuple of Arg for oneof
and block), since (a version tuple, (0,) when not documented).
"""

Command = namedtuple("Command", "name prefix arity flags group args first last step ref_arity")
Command.__doc__ = """A generatable command or subcommand.

name    full lowercase name ('get', 'client|list')
prefix  the argv words that select it ([b'CLIENT', b'LIST'])
arity   as COMMAND reports it (negative: at least)
flags   frozenset of COMMAND flag names ('write', 'blocking', ...)
group   COMMAND DOCS group ('string', 'list', 'sorted-set', ...)
args    tuple of Arg: the argument tree after the prefix
first, last, step: the legacy key positions from COMMAND
ref_arity  the reference server's arity (tern may accept more: 7.2 options)
"""

# Full names never generated, with the reason.
EXCLUDED = {
    "shutdown": "stops the server",
    "debug": "crashes, sleeps, reloads on request",
    "monitor": "turns the connection into a feed",
    "quit": "closes the connection (tested by tests/diff cases)",
    "sync": "replication", "psync": "replication", "replconf": "replication",
    "replicaof": "replication", "slaveof": "replication", "failover": "replication",
    "wait": "blocks until replicas acknowledge", "waitaof": "blocks on the AOF",
    "migrate": "connects to another server",
    "save": "persistence timing", "bgsave": "persistence timing",
    "bgrewriteaof": "persistence timing", "lastsave": "persistence timing",
    "client|kill": "could close the fuzzing connection",
    "client|pause": "stalls every client", "client|unpause": "pairs with CLIENT PAUSE",
    "client|reply": "turns replies off (tests/diff cases cover it)",
    "client|tracking": "pushes invalidations at timing-dependent points",
    "client|caching": "pairs with CLIENT TRACKING",
    "client|getredir": "pairs with CLIENT TRACKING",
    "client|trackinginfo": "pairs with CLIENT TRACKING",
    "config|set": "the harness owns the configuration (encoding thresholds)",
    "config|rewrite": "writes the config file",
    "config|resetstat": "statistics are not compared",
    "acl|setuser": "could lock the harness out", "acl|deluser": "pairs with ACL SETUSER",
    "acl|load": "no aclfile (tests/diff cases cover the error)",
    "acl|save": "no aclfile (tests/diff cases cover the error)",
    "cluster": "cluster mode is off on both", "readonly": "cluster", "readwrite": "cluster",
    "latency": "timing statistics", "slowlog": "timing statistics",
    "module": "modules",
    "script|kill": "no script is ever busy", "function|kill": "no script is ever busy",
    "script|debug": "the Lua debugger forks a session per EVAL; tern leaves it out on purpose",
    "lolwut": "version art",
}

# Admin commands are excluded unless listed here (they are harmless and
# their replies are compared by shape or exactly).
ADMIN_ALLOWED = {"client|list", "client|no-evict", "config|get", "memory|purge",
                 "acl|dryrun", "acl|getuser", "acl|list", "acl|log", "acl|users"}


def _s(b):
    return b.decode() if isinstance(b, (bytes, bytearray)) else str(b)


def _map(flat):
    """A RESP2 flat key/value list (or a RESP3 dict) as a dict with str keys."""
    if isinstance(flat, dict):
        return {_s(k): v for k, v in flat.items()}
    return {_s(flat[j]): flat[j + 1] for j in range(0, len(flat), 2)}


def version(text):
    """'7.0.15' as (7, 0, 15); anything unparsable as (0,)."""
    try:
        return tuple(int(p) for p in _s(text).split("."))
    except ValueError:
        return (0,)


def _arg(d, upto):
    d = _map(d)
    kids = tuple(a for a in (_arg(k, upto) for k in d.get("arguments", []) or []) if a)
    since = version(d.get("since", b"0"))
    if since > upto:
        return None
    token = d.get("token")
    return Arg(_s(d.get("name", b"")), _s(d.get("type", b"string")),
               bytes(token) if token is not None else None,
               frozenset(_s(f) for f in d.get("flags", []) or []), kids, since)


def _docs_by_name(docs_reply):
    out = {}
    for name, doc in _map(docs_reply).items():
        doc = _map(doc)
        out[name.lower()] = doc
        for sub, sdoc in _map(doc.get("subcommands", []) or []).items():
            out[sub.lower()] = _map(sdoc)
    return out


def _walk(info, parent=None):
    """Yield (fullname, info-entry) for a COMMAND entry and its subcommands."""
    name = _s(info[0]).lower()
    yield name, info
    if len(info) > 9:
        for sub in info[9] or []:
            yield from _walk(sub, name)


def load_commands(tern, ref):
    """Return (commands, skipped): `commands` a list of Command generatable on
    both servers, `skipped` a dict fullname -> why it is not generated.

    `tern` and `ref` are support.resp.RawConn connections (RESP2).
    """
    infos = tern.call("COMMAND")
    docs = _docs_by_name(tern.call("COMMAND", "DOCS"))
    entries = [e for info in infos for e in _walk(info)]
    names = [n for n, _ in entries]
    known = ref.call("COMMAND", "INFO", *names)
    # Arguments newer than the reference (tern's documented 7.2 options,
    # e.g. ZRANK WITHSCORE) would only ever show that difference.
    info = ref.call("INFO", "server").decode()
    upto = version(next(ln.split(":", 1)[1] for ln in info.splitlines()
                        if ln.startswith("redis_version:")))
    commands, skipped = [], {}
    containers = {n for n, e in entries if len(e) > 9 and e[9]}
    for (name, info), ref_info in zip(entries, known):
        flags = frozenset(_s(f) for f in info[2])
        if ref_info is None:
            skipped[name] = "unknown to the reference server"
            continue
        top = name.split("|")[0]
        if name in EXCLUDED or top in EXCLUDED:
            skipped[name] = EXCLUDED.get(name) or EXCLUDED[top]
            continue
        if "admin" in flags and name not in ADMIN_ALLOWED:
            skipped[name] = "admin command"
            continue
        doc = docs.get(name, {})
        args = tuple(a for a in (_arg(a, upto) for a in doc.get("arguments", []) or []) if a)
        prefix = [w.encode().upper() for w in name.split("|")]
        group = _s(doc.get("group", b"generic"))
        if name in containers:
            # The bare container (CLIENT alone, CLIENT <bogus>) is generated
            # too: its errors are part of the protocol.
            args = ()
        commands.append(Command(name, prefix, int(info[1]), flags, group, args,
                                int(info[3]), int(info[4]), int(info[5]), int(ref_info[1])))
    commands.sort(key=lambda c: c.name)  # COMMAND lists them in hash order
    return commands, skipped
