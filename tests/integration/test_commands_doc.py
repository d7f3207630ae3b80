"""docs/commands.md is generated from the server's command table and must
match what scripts/gen-commands-doc.py renders now."""

import importlib.util
import os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _generator():
    path = os.path.join(ROOT, "scripts", "gen-commands-doc.py")
    spec = importlib.util.spec_from_file_location("gen_commands_doc", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_docs_commands_md_is_up_to_date_with_the_command_table(server):
    gen = _generator()
    with server.raw() as conn:
        expected = gen.render(conn)
    with open(os.path.join(ROOT, "docs", "commands.md"), encoding="utf-8") as f:
        current = f.read()
    assert current == expected, (
        "docs/commands.md is stale: run `/usr/bin/python3 scripts/gen-commands-doc.py` "
        "after changing src/core/commands.def or scripts/redis-7.2-commands.txt")


def test_every_implemented_command_is_a_known_redis_command_or_listed_as_tern_only(server):
    gen = _generator()
    groups, notes = gen.load_reference()
    known = {n for names in groups.values() for n in names}
    assert set(notes) <= known, f"notes for unknown commands: {set(notes) - known}"
    with server.raw() as conn:
        ours = gen.read_server_commands(conn)
    assert "config|get" in ours and "config|get" in known
