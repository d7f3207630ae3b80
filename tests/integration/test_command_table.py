"""The command table, walked automatically: every command and subcommand
answers a wrong argument count with Redis's arity error, and what COMMAND
reports (arity, key positions, flags, ACL categories) agrees with Redis 7.0
for every command both servers know; every command that takes arguments
documents them (src/core/cmdargs.def) consistently with its arity.

New commands are covered the moment they enter core/commands.def.
"""

import os
import re

import pytest


def _walk(infos, out):
    for info in infos:
        out[info[0].decode()] = info
        _walk(info[9], out)
    return out


def _table(conn):
    return _walk(conn.call("COMMAND"), {})


def _words(name, count):
    """`count` words invoking `name` ("config|get" -> CONFIG GET ...)."""
    head = name.split("|")
    if count < len(head):
        return None
    return head + ["x"] * (count - len(head))


def _arity_cases(table):
    cases = []
    for name, info in sorted(table.items()):
        arity = info[1]
        need = arity if arity > 0 else -arity
        if need >= 2:
            few = _words(name, need - 1)
            if few:
                cases.append((name, few))
        if arity > 0:
            cases.append((name, _words(name, arity + 1)))
    return cases


def test_every_command_rejects_a_wrong_argument_count_with_the_arity_error(server):
    with server.raw() as conn:
        table = _table(conn)
        cases = _arity_cases(table)
        assert len(cases) >= len(table) // 2
        wrong = []
        for name, words in cases:
            reply = conn.call(*words)
            expected = f"ERR wrong number of arguments for '{name}' command".encode()
            if name == "exec":
                # Redis 7.0 answers any refused EXEC with EXECABORT plus the reason.
                expected = b"EXECABORT Transaction discarded because of: " + expected[4:]
            if reply != expected:
                wrong.append(f"{' '.join(words)!r}: {reply!r}")
            assert conn.call("PING") == b"PONG", f"connection broken after {words}"
    assert not wrong, "commands with a wrong arity reply:\n" + "\n".join(wrong)


def test_a_bare_container_command_names_itself_in_the_arity_error(raw):
    for name in ("CONFIG", "CLIENT", "MEMORY"):
        assert raw.call(name) == f"ERR wrong number of arguments for '{name.lower()}' command".encode()


# Deliberate Redis 7.2 arities: ZRANK/ZREVRANK take 7.2's WITHSCORE option.
ARITY_7_2 = {"zrank": -3, "zrevrank": -3}


def test_command_info_matches_redis_for_every_command_both_servers_know(server, ref_server):
    with server.raw() as t, ref_server.raw() as r:
        ours, theirs = _table(t), _table(r)
    problems = []
    for name, a in sorted(ours.items()):
        b = theirs.get(name)
        if b is None:
            continue  # a command Redis 7.0 lacks (e.g. CLIENT SETINFO, 7.2)
        if a[1] != b[1] and a[1] != ARITY_7_2.get(name):
            problems.append(f"{name}: arity {a[1]}, Redis {b[1]}")
        if a[3:6] != b[3:6]:
            problems.append(f"{name}: first/last/step {a[3:6]}, Redis {b[3:6]}")
        # "sentinel" is an internal flag Redis does not print.
        fa, fb = sorted(set(a[2]) - {b"sentinel"}), sorted(b[2])
        if fa != fb:
            problems.append(f"{name}: flags {fa}, Redis {fb}")
        if sorted(a[6]) != sorted(b[6]):
            problems.append(f"{name}: ACL categories {sorted(a[6])}, Redis {sorted(b[6])}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("name", ["config", "client", "memory", "debug", "info", "time", "shutdown"])
def test_server_commands_are_listed_by_command_list_and_documented(raw, name):
    assert name.encode() in raw.call("COMMAND", "LIST")
    docs = raw.call("COMMAND", "DOCS", name)
    assert docs[0] == name.encode()
    fields = dict(zip(docs[1][::2], docs[1][1::2]))
    assert fields[b"group"] in (b"server", b"connection")


# ---- argument syntax (src/core/cmdargs.def, COMMAND DOCS "arguments") ----

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _docs(conn):
    """Full name -> COMMAND DOCS fields, subcommands included (RESP3)."""
    conn.call("HELLO", "3")
    out = {}

    def walk(name, fields):
        out[name.decode()] = fields
        for sub, subfields in fields.get(b"subcommands", {}).items():
            walk(sub, subfields)

    for name, fields in conn.call("COMMAND", "DOCS").items():
        walk(name, fields)
    return out


def _declared_without_arguments():
    """Commands cmdargs.def lists with an empty usage string."""
    with open(os.path.join(ROOT, "src", "core", "cmdargs.def"), encoding="utf-8") as f:
        return set(re.findall(r'^ARGS\("([^"]+)", ""\)', f.read(), re.M))


def test_every_command_documents_its_arguments_unless_it_takes_none(server):
    with server.raw() as conn:
        table, docs = _table(conn), _docs(conn)
    declared_none = _declared_without_arguments()
    assert declared_none <= set(table), "cmdargs.def lists unknown commands"
    missing, extra = [], []
    for name, info in sorted(table.items()):
        arity, container = info[1], bool(info[9])
        takes_none = (container or arity == (2 if "|" in name else 1) or name in declared_none)
        has = b"arguments" in docs[name]
        if has and takes_none:
            extra.append(name)
        if not has and not takes_none:
            missing.append(f"{name} (arity {arity})")
    assert not missing, "commands with no ARGS line in src/core/cmdargs.def: " + ", ".join(missing)
    assert not extra, "commands that take no arguments but document some: " + ", ".join(extra)


def _count(arg):
    """(fewest, most) words an argument takes; most is None when unbounded."""
    kind, flags = arg[b"type"], arg.get(b"flags", [])
    if kind == b"pure-token":
        lo = hi = 0
    elif kind == b"oneof":
        spans = [_count(a) for a in arg[b"arguments"]]
        lo = min(s[0] for s in spans)
        hi = None if any(s[1] is None for s in spans) else max(s[1] for s in spans)
    elif kind == b"block":
        lo, hi = _span(arg[b"arguments"])
    else:
        lo = hi = 1
    if b"token" in arg:
        lo, hi = lo + 1, None if hi is None else hi + 1
    if b"multiple" in flags:
        hi = None
    if b"optional" in flags:
        lo = 0
    return lo, hi


def _span(args):
    lo, hi = 0, 0
    for a in args:
        alo, ahi = _count(a)
        lo, hi = lo + alo, None if hi is None or ahi is None else hi + ahi
    return lo, hi


# Redis documents CLIENT KILL's filters as optional inside the repeated
# group, so its tree allows none although arity -3 requires one.  Redis 7.0
# documents PFMERGE's source keys as required although arity -2 (and the
# command) accepts none; 7.2 made them optional.  Likewise GEOHASH's and
# GEOPOS's members (arity -2).
ARITY_DISAGREES = {"client|kill", "pfmerge", "geohash", "geopos"}


def test_documented_arguments_agree_with_each_command_arity(server):
    with server.raw() as conn:
        table, docs = _table(conn), _docs(conn)
    wrong = []
    for name, fields in sorted(docs.items()):
        if b"arguments" not in fields or name in ARITY_DISAGREES:
            continue
        arity = table[name][1]
        need = abs(arity) - (2 if "|" in name else 1)
        lo, hi = _span(fields[b"arguments"])
        if (arity > 0 and not lo == hi == need) or (arity < 0 and lo != need):
            most = "" if hi is None else hi
            wrong.append(f"{name}: arity {arity}, arguments take {lo}..{most}")
    assert not wrong, "\n".join(wrong)
