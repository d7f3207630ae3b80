"""Shrinking a failing step sequence and writing it as a tests/diff case.

`shrink(steps, reproduces)` is delta debugging (ddmin): it removes chunks
of steps, then single steps, keeping every removal after which
`reproduces(candidate)` still sees the same failure signature, until no
single step can go.  `reproduces` replays a candidate on fresh connections
after FLUSHALL, so each trial costs as many round trips as the candidate
has steps; the original sequence is at most one epoch long.

`case_text(...)` renders a sequence in the tests/diff/cases format: the
encoding profile and DEBUG SET-ACTIVE-EXPIRE first, the steps (a '~' on
lines whose replies are nondeterministic, '@read' for extra replies, e.g.
after SUBSCRIBE), and the settings restored at the end, as that format
requires of a case that changes server-wide state.
"""

import time

from compare import rule_for, command_name
from shrinkfmt import quote
from executor import PROFILES


def shrink(steps, reproduces, budget_s=180.0, log=print):
    """Return a (locally) minimal sublist of `steps` that still reproduces."""
    deadline = time.monotonic() + budget_s
    trials = 0
    cur = list(steps)
    n = 2
    while len(cur) >= 2 and time.monotonic() < deadline:
        chunk = max(1, len(cur) // n)
        removed = False
        start = 0
        while start < len(cur) and time.monotonic() < deadline:
            cand = cur[:start] + cur[start + chunk:]
            trials += 1
            if cand and reproduces(cand):
                cur = cand
                removed = True
                n = max(n - 1, 2)
            else:
                start += chunk
        if not removed:
            if chunk == 1:
                break
            n = min(len(cur), n * 2)
    log(f"shrink: {len(steps)} -> {len(cur)} steps in {trials} trials")
    return cur


def case_text(steps, profile, notify, header, containers, replies=None, tail=()):
    """The text of a tests/diff case file that replays `steps`.

    `replies` maps a step index to the number of replies tern gave it (more
    than one after SUBSCRIBE and friends); `tail` adds closing commands
    (e.g. the reads that show a dataset difference).
    """
    lines = [f"# {h}" for h in header]
    lines.append("")
    for k, v in PROFILES[profile].items():
        lines.append(f"CONFIG SET {k} {v}")
    if notify:
        lines.append("# (the run also compared keyspace events: notify-keyspace-events KEA)")
    lines.append("DEBUG SET-ACTIVE-EXPIRE 0")
    for j, st in enumerate(steps):
        if st.kind == "sleep":
            lines.append(f"@sleep {st.argv[0]}")
            continue
        name = command_name(st.argv, containers)
        mark = "" if rule_for(name) == "exact" else "~ "
        text = " ".join(quote(a) for a in st.argv)
        if (replies or {}).get(j, 1) == 0:
            lines.append(f"# not run (unspecified result in Redis): {text}")
            continue
        lines.append(mark + text)
        for _ in range((replies or {}).get(j, 1) - 1):
            lines.append("@read")
        if st.after:
            lines.append(f"@sleep {st.after}")
    lines += list(tail)
    lines.append("DEBUG SET-ACTIVE-EXPIRE 1")
    for k, v in PROFILES["default"].items():
        if PROFILES[profile][k] != v:
            lines.append(f"CONFIG SET {k} {v}")
    return "\n".join(lines) + "\n"
