"""The command table, walked automatically: every command and subcommand
answers a wrong argument count with Redis's arity error, and what COMMAND
reports (arity, key positions, flags, ACL categories) agrees with Redis 7.0
for every command both servers know.

New commands are covered the moment they enter core/commands.def.
"""

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
