"""Key specs, walked from the command table: COMMAND INFO's key specs, and
COMMAND GETKEYS / GETKEYSANDFLAGS on invocations generated for every
command (errors included), byte for byte against Redis 7.0.

The invocations come from the table itself (each command's arity) and a
few argument patterns that exercise movable keys: key counts that parse,
do not parse or overrun ("2", "2abc", "-1", "9"), and the keywords that
move keys (STORE, STOREDIST, STREAMS, GET, BY, LIMIT).  A new command is
covered the moment it enters core/commands.def; its key specs belong in
core/keyspecs.def (scripts/gen-keyspecs.py prints them from Redis).
"""

import itertools

import pytest

# Deliberate Redis 7.2 arities (ZRANK/ZREVRANK WITHSCORE): only the
# invocations both arities accept are compared.
ARITY_7_2 = {"zrank": -3, "zrevrank": -3}

# Argument patterns after the command's own words; each is cut to every
# length the arity allows (and one short of it).
PATTERNS = [
    ["k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8"],
    ["2", "k1", "k2", "k3", "k4", "k5", "k6"],
    ["k0", "2", "k1", "k2", "k3", "k4", "k5"],
    ["k0", "k1", "2", "k2", "k3", "k4", "k5"],
    ["2abc", "k1", "k2", "k3", "k4"],
    ["k0", "2abc", "k1", "k2", "k3"],
    ["-1", "k1", "k2", "k3"],
    ["k0", "9", "k1", "k2"],
    ["0", "k1", "k2", "k3"],
    ["k0", "0", "k1", "k2"],
    ["k0", "m", "1", "2", "km", "STORE", "dst", "STOREDIST", "dd", "x"],
    ["k0", "1", "2", "3", "km", "WITHDIST", "STOREDIST", "dd", "STORE", "ds"],
    ["k0", "BY", "w_*", "GET", "store", "LIMIT", "0", "1", "STORE", "dst", "x"],
    ["k0", "STORE", "d1", "GET", "#", "STORE", "d2"],
    ["STREAMS", "s1", "s2", "0", "0", "x"],
    ["COUNT", "1", "BLOCK", "0", "STREAMS", "s1", "0", "x", "y"],
    ["GROUP", "g", "c", "NOACK", "STREAMS", "s1", "s2", "0", "0"],
    ["GROUP", "g", "streams", "STREAMS", "streams", "0", "x"],
    ["k0", "v", "NX", "GET", "EX", "10"],
    ["k0", "GET", "u8", "0", "OVERFLOW", "SAT", "GET", "i4", "4"],
    ["k0", "SET", "u8", "0", "1", "GET", "u8", "0"],
    ["k0", "GET", "u8"],
]


def _walk(infos, out):
    for info in infos:
        out[info[0].decode()] = info
        _walk(info[9], out)
    return out


def _invocations(name, arity):
    head = name.split("|")
    need = abs(arity) - len(head)
    if arity > 0:
        lengths = [need - 1, need, need + 1]
    else:
        lengths = [need - 1] + list(range(need, need + 10))
    seen = set()
    for pattern, n in itertools.product(PATTERNS, lengths):
        if n < 0 or n > len(pattern):
            continue
        words = tuple(head + pattern[:n])
        if words not in seen:
            seen.add(words)
            yield list(words)


def _raw(conn, *args):
    conn.send_command(*args)
    return conn.read_reply().raw


def _typed(v):
    """A reply value with the RESP type of every aggregate kept (a RESP3
    set and an array compare unequal)."""
    if isinstance(v, dict):
        return ("map", [(_typed(k), _typed(x)) for k, x in v.items()])
    if isinstance(v, list):
        return (type(v).__name__, [_typed(x) for x in v])
    return (type(v).__name__, v)


def _compare(t, r, name, words, problems):
    for sub in ("GETKEYS", "GETKEYSANDFLAGS"):
        a = _raw(t, "COMMAND", sub, *words)
        b = _raw(r, "COMMAND", sub, *words)
        if a != b:
            problems.append(f"COMMAND {sub} {' '.join(words)}: tern {a!r}, Redis {b!r}")


@pytest.mark.parametrize("resp", [2, 3])
def test_command_info_key_specs_match_redis_for_every_command(server, ref_server, resp):
    with server.raw() as t, ref_server.raw() as r:
        if resp == 3:
            t.call("HELLO", "3")
            r.call("HELLO", "3")
        ours = _walk(t.call("COMMAND"), {})
        problems = []
        for name in sorted(ours):
            a = t.call("COMMAND", "INFO", name)
            b = r.call("COMMAND", "INFO", name)
            if b[0] is None:
                continue  # a command Redis 7.0 lacks (CLIENT SETINFO, 7.2)
            if _typed(a[0][8]) != _typed(b[0][8]):
                problems.append(f"{name}: key specs {a[0][8]!r}\n  Redis {b[0][8]!r}")
    assert not problems, "\n".join(problems)


def test_command_getkeys_matches_redis_for_every_command(server, ref_server):
    with server.raw() as t, ref_server.raw() as r:
        table = _walk(t.call("COMMAND"), {})
        theirs = _walk(r.call("COMMAND"), {})
        problems = []
        count = 0
        for name, info in sorted(table.items()):
            if name not in theirs:
                continue
            for words in _invocations(name, info[1]):
                if name in ARITY_7_2 and len(words) != theirs[name][1]:
                    continue
                _compare(t, r, name, words, problems)
                count += 1
        assert t.call("PING") == b"PONG"
    assert count > 1000
    assert not problems, f"{len(problems)} of {count} differ:\n" + "\n".join(problems[:60])


def test_getkeysandflags_flags_are_a_set_in_resp3(server, ref_server):
    with server.raw() as t, ref_server.raw() as r:
        for conn in (t, r):
            conn.call("HELLO", "3")
        for words in (["SET", "k", "v", "GET"], ["LMOVE", "a", "b", "LEFT", "RIGHT"],
                      ["SORT", "k", "STORE", "d"], ["BITFIELD", "k", "GET", "u8", "0"]):
            a = _raw(t, "COMMAND", "GETKEYSANDFLAGS", *words)
            b = _raw(r, "COMMAND", "GETKEYSANDFLAGS", *words)
            assert a == b, words


def test_getkeys_errors_name_the_problem(raw):
    assert raw.call("COMMAND", "GETKEYS", "nosuch", "k") == b"ERR Invalid command specified"
    assert raw.call("COMMAND", "GETKEYS", "ping", "x") == b"ERR The command has no key arguments"
    assert raw.call("COMMAND", "GETKEYS", "get", "a", "b") == (
        b"ERR Invalid number of arguments specified for command")
    assert raw.call("COMMAND", "GETKEYS", "zunionstore", "d", "0", "a") == (
        b"ERR Invalid arguments specified for command")
    # EVAL may name no key at all (no_mandatory_keys): an empty list.
    assert raw.call("COMMAND", "GETKEYS", "eval", "return 1", "0") == []


def test_getkeys_follows_movable_keys(raw):
    assert raw.call("COMMAND", "GETKEYS", "zunionstore", "d", "2", "a", "b", "WEIGHTS", "1", "2") == [
        b"d", b"a", b"b"]
    assert raw.call("COMMAND", "GETKEYS", "sort", "k", "BY", "w_*", "STORE", "d") == [b"k", b"d"]
    assert raw.call("COMMAND", "GETKEYS", "xread", "COUNT", "2", "STREAMS", "a", "b", "0", "0") == [
        b"a", b"b"]
    assert raw.call("COMMAND", "GETKEYS", "georadius", "g", "1", "2", "3", "km", "STORE", "d") == [
        b"g", b"d"]
    assert raw.call("COMMAND", "GETKEYSANDFLAGS", "set", "k", "v") == [[b"k", [b"OW", b"update"]]]
