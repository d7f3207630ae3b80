"""Quoting arguments for tests/diff case files (redis-cli word rules)."""


def quote(arg):
    """One argument as a tests/diff script word (redis-cli quoting)."""
    if arg and all(33 <= c < 127 and c not in b'"\'\\' for c in arg) and arg[:1] not in b"#@~":
        return arg.decode()
    out = ['"']
    for c in arg:
        ch = chr(c)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif 32 <= c < 127:
            out.append(ch)
        else:
            out.append("\\x%02x" % c)
    out.append('"')
    return "".join(out)
