"""Parser for differential scripts (tests/diff/cases/*.txt); format in README.md.

`parse_script(text)` returns a list of Step; `split_args(line)` is the
redis-cli-like word splitter.  Both raise ScriptError naming the line.
"""

from collections import namedtuple

Step = namedtuple("Step", "lineno text action data send_only shape_only")
Step.__doc__ = """One script line.

action      'command' (data: list of bytes args), 'raw' (data: bytes),
            'read', 'sleep' (data: seconds), 'both-close'
send_only   @send: write without reading a reply
shape_only  ~: compare reply type/shape, not bytes
"""


class ScriptError(Exception):
    pass


_ESCAPES = {"n": b"\n", "r": b"\r", "t": b"\t", "b": b"\b", "a": b"\a"}
_HEX = "0123456789abcdefABCDEF"


def split_args(line):
    """Split `line` into [(bytes, quoted)] like redis-cli.

    Unquoted words end at whitespace; "double quotes" take \\" \\\\ \\n \\r
    \\t \\b \\a \\xHH escapes (any other \\c is c); 'single quotes' are
    literal except \\' .  A closing quote must be followed by whitespace or
    the end.  An unquoted word starting with # begins a comment.
    """
    out, i, n = [], 0, len(line)
    while True:
        while i < n and line[i].isspace():
            i += 1
        if i >= n:
            return out
        c = line[i]
        if c == "#":
            return out
        if c in "\"'":
            quote, i, buf = c, i + 1, bytearray()
            while True:
                if i >= n:
                    raise ScriptError(f"unterminated {quote}quote{quote}")
                c = line[i]
                if c == "\\" and i + 1 < n:
                    nxt = line[i + 1]
                    if quote == "'":
                        if nxt == "'":
                            buf += b"'"
                            i += 2
                            continue
                    elif nxt == "x" and i + 3 < n and line[i + 2] in _HEX and line[i + 3] in _HEX:
                        buf.append(int(line[i + 2 : i + 4], 16))
                        i += 4
                        continue
                    else:
                        buf += _ESCAPES.get(nxt, nxt.encode())
                        i += 2
                        continue
                if c == quote:
                    i += 1
                    if i < n and not line[i].isspace():
                        raise ScriptError(f"closing quote must be followed by a space: {line[i:]!r}")
                    out.append((bytes(buf), True))
                    break
                buf += c.encode()
                i += 1
        else:
            start = i
            while i < n and not line[i].isspace():
                i += 1
            out.append((line[start:i].encode(), False))


def _parse_line(lineno, line):
    s = line.strip()
    shape_only = send_only = False
    if s.startswith("~") and (len(s) == 1 or s[1].isspace()):
        shape_only, s = True, s[1:]
    words = split_args(s)
    if not words:
        raise ScriptError("nothing to do after the prefix")

    def directive(k):
        w, quoted = words[k]
        return None if quoted or not w.startswith(b"@") else w.decode()

    d = directive(0)
    if d == "@send":
        send_only, words = True, words[1:]
        if not words:
            raise ScriptError("@send needs a command or @raw")
        d = directive(0)
        if d not in (None, "@raw"):
            raise ScriptError(f"@send cannot be combined with {d}")
        if shape_only:
            raise ScriptError("~ has no effect with @send")

    def step(action, data=None):
        return Step(lineno, line.strip(), action, data, send_only, shape_only)

    if d is None:
        return step("command", [w for w, _ in words])
    if d == "@raw":
        if len(words) != 2:
            raise ScriptError("@raw takes exactly one (quoted) argument")
        if not words[1][0]:
            raise ScriptError("@raw with nothing to send")
        return step("raw", words[1][0])
    if d == "@read":
        if len(words) != 1:
            raise ScriptError("@read takes no arguments")
        return step("read")
    if d in ("@sleep", "@both-close") and shape_only:
        raise ScriptError(f"~ has no effect with {d}")
    if d == "@sleep":
        try:
            secs = float(words[1][0]) if len(words) == 2 else -1
        except ValueError:
            secs = -1
        if not 0 <= secs <= 10:
            raise ScriptError("@sleep takes one number of seconds (0..10)")
        return step("sleep", secs)
    if d == "@both-close":
        if len(words) != 1:
            raise ScriptError("@both-close takes no arguments")
        return step("both-close")
    raise ScriptError(f"unknown directive {d} (quote it to send it as a command)")


def parse_script(text, filename="<script>"):
    """Parse a whole script; raise ScriptError('file:line: why') on the first bad line."""
    steps = []
    for lineno, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        try:
            steps.append(_parse_line(lineno, line))
        except ScriptError as e:
            raise ScriptError(f"{filename}:{lineno}: {e}\n    {stripped}") from None
    return steps
