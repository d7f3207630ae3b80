#!/usr/bin/python3
"""Prints KEYSPEC lines (src/core/keyspecs.def) for commands, read from a
running Redis 7.0's COMMAND INFO.

    scripts/gen-keyspecs.py --port 6379 [name ...]

Without names it prints the lines for every command and subcommand in
src/core/commands.def, in the table's order.  Use it to start the lines
of a new command; tests/integration/test_command_table.py then checks
them against Redis for good.  A command Redis does not know is skipped
with a comment.
"""

import argparse
import os
import re
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tests"))

from support.resp import RawConn  # noqa: E402

FLAGS = {
    b"RO": "KS_RO", b"RW": "KS_RW", b"OW": "KS_OW", b"RM": "KS_RM",
    b"access": "KS_ACCESS", b"update": "KS_UPDATE", b"insert": "KS_INSERT",
    b"delete": "KS_DELETE", b"not_key": "KS_NOT_KEY", b"incomplete": "KS_INCOMPLETE",
    b"variable_flags": "KS_VARIABLE_FLAGS",
}


def table_names():
    with open(os.path.join(REPO, "src", "core", "commands.def"), encoding="utf-8") as f:
        text = f.read()
    names = []
    for m in re.finditer(r'^(CMD|SUB)\("([^"]+)"(?:, "([^"]+)")?', text, re.M):
        names.append(m.group(2) if m.group(1) == "CMD" else f"{m.group(2)}|{m.group(3)}")
    return names


def c_string(b):
    return '"' + b.decode().replace("\\", "\\\\").replace('"', '\\"') + '"'


def spec_line(name, spec):
    flags = " | ".join(FLAGS[f] for f in spec[b"flags"]) or "0"
    bs, fk = spec[b"begin_search"], spec[b"find_keys"]
    if bs[b"type"] == b"index":
        begin = f"BS_INDEX({bs[b'spec'][b'index']})"
    elif bs[b"type"] == b"keyword":
        begin = f"BS_KEYWORD({c_string(bs[b'spec'][b'keyword'])}, {bs[b'spec'][b'startfrom']})"
    else:
        begin = "BS_UNKNOWN"
    s = fk[b"spec"]
    if fk[b"type"] == b"range":
        find = f"FK_RANGE({s[b'lastkey']}, {s[b'keystep']}, {s[b'limit']})"
    elif fk[b"type"] == b"keynum":
        find = f"FK_KEYNUM({s[b'keynumidx']}, {s[b'firstkey']}, {s[b'keystep']})"
    else:
        find = "FK_UNKNOWN"
    notes = c_string(spec[b"notes"]) if b"notes" in spec else "NULL"
    return f'KEYSPEC("{name}", {flags}, {begin}, {find}, {notes})'


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, default=6379)
    p.add_argument("names", nargs="*")
    args = p.parse_args()
    conn = RawConn("127.0.0.1", args.port)
    conn.call("HELLO", "3")
    for name in args.names or table_names():
        info = conn.call("COMMAND", "INFO", name)[0]
        if info is None:
            print(f"/* {name}: unknown to this Redis */")
            continue
        for spec in info[8]:
            print(spec_line(name, spec))


if __name__ == "__main__":
    main()
