#!/usr/bin/python3
"""Fails when a source file includes a header from a layer above its own.

Layers, lowest first (docs/design.md draws them):

    0 ds        data structures, no server state
    1 net       event loop, sockets, RESP codec
    2 core      client, reply, dispatch, db, keyspace, blocking, multi, pubsub
    3 types     one data type per file set
    4 persist/ script/ repl/ acl/   subsystems on top of core (and types)
    5 server    process lifecycle, config, INFO, admin commands
    6 main.c    the server binary's entry point

A file may include its own layer and any below it.  Includes that go up
today are listed in scripts/layers-allowed.txt, the debt still to pay:
the check fails on an upward include that is not listed, and on a listed
one that is gone (so the list only shrinks).  Also refused anywhere:
weak symbols (a missing definition must fail the link).

    scripts/check-layers.py [--write-allowed]
"""

import os
import re
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SRC = os.path.join(REPO, "src")
ALLOWED = os.path.join(REPO, "scripts", "layers-allowed.txt")
RANK = {"ds": 0, "net": 1, "core": 2, "types": 3,
        "persist": 4, "script": 4, "repl": 4, "acl": 4, "server": 5, "cli": 5}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
WEAK = re.compile(r'__attribute__\s*\(\(\s*weak|#\s*pragma\s+weak')


def layer_of(rel):
    """Layer of a path relative to src/ ('core/db.c', 'main.c')."""
    parts = rel.split("/")
    if len(parts) == 1:
        return 6
    return RANK.get(parts[0])


def scan():
    upward, weak, unknown = [], [], []
    for root, _, files in os.walk(SRC):
        for name in sorted(files):
            if not name.endswith((".c", ".h", ".def")):
                continue
            path = os.path.join(root, name)
            rel = os.path.relpath(path, SRC)
            mine = layer_of(rel)
            if mine is None:
                unknown.append(rel)
                continue
            with open(path, encoding="utf-8", errors="replace") as f:
                text = f.read()
            if WEAK.search(text):
                weak.append(rel)
            for inc in INCLUDE.findall(text):
                theirs = layer_of(inc)
                if theirs is None or "/" not in inc:
                    continue  # a header next to the file, or not ours
                if theirs > mine:
                    upward.append(f"{rel} -> {inc}")
    return sorted(upward), weak, unknown


def main():
    upward, weak, unknown = scan()
    if "--write-allowed" in sys.argv:
        with open(ALLOWED, "w", encoding="utf-8") as f:
            f.write("# Upward includes still to remove (scripts/check-layers.py).\n")
            f.write("# This list may only shrink: fix the include, then delete its line.\n")
            f.writelines(line + "\n" for line in upward)
        print(f"wrote {len(upward)} lines to {os.path.relpath(ALLOWED, REPO)}")
        return 0
    allowed = set()
    if os.path.exists(ALLOWED):
        with open(ALLOWED, encoding="utf-8") as f:
            allowed = {l.strip() for l in f if l.strip() and not l.startswith("#")}
    problems = []
    for line in upward:
        if line not in allowed:
            problems.append(f"upward include: {line}")
    for line in sorted(allowed - set(upward)):
        problems.append(f"gone (delete its line from scripts/layers-allowed.txt): {line}")
    for rel in weak:
        problems.append(f"weak symbol in src/{rel}: define the function for real")
    for rel in unknown:
        problems.append(f"src/{rel}: folder has no layer in scripts/check-layers.py")
    for p in problems:
        print(p)
    print(f"check-layers: {len(upward)} upward includes known, {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
