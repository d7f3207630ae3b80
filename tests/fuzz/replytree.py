"""A reply as a tree of nodes that keep their exact bytes.

`tree(raw)` parses one complete RESP2/RESP3 reply (the `raw` bytes that
support.resp.RawConn.read_reply returns) into Node(t, head, kids, raw):

    t     the type byte as a str: '+', '-', ':', '$', '*', '%', '~', '>', ...
    head  the scalar payload (bytes) for scalars, None for aggregates
          (and for the nulls $-1 / *-1 / _)
    kids  the child nodes of an aggregate, in the order sent (a map's keys
          and values alternate), else ()
    raw   the exact bytes of this node, so a comparison rule can fall back
          to byte equality for any part of a reply

The comparison rules in compare.py work on these trees: byte equality of a
whole reply, of single elements (EXEC), or of sorted element lists
(unordered replies), without losing the distinction between +OK and $2 OK
that a parsed value would.
"""

from collections import namedtuple

Node = namedtuple("Node", "t head kids raw")

SCALARS = "+-:(_,#"
BLOBS = "$!="
AGGREGATES = "*~>"
MAPS = "%|"


def tree(raw):
    """Parse the complete reply `raw` (bytes) into a Node; ValueError if it is not one."""
    node, end = _node(raw, 0)
    if end != len(raw):
        raise ValueError(f"trailing bytes after the reply: {raw[end:end + 40]!r}")
    return node


def _line(raw, pos):
    end = raw.find(b"\r\n", pos)
    if end < 0:
        raise ValueError("incomplete reply")
    return raw[pos:end], end + 2


def _node(raw, pos):
    start = pos
    line, pos = _line(raw, pos)
    if not line:
        raise ValueError("empty type line")
    t, rest = chr(line[0]), line[1:]
    if t in SCALARS:
        return Node(t, rest, (), raw[start:pos]), pos
    if t in BLOBS:
        n = int(rest)
        if n < 0:
            return Node(t, None, (), raw[start:pos]), pos
        body = raw[pos:pos + n]
        if len(body) != n or raw[pos + n:pos + n + 2] != b"\r\n":
            raise ValueError("incomplete bulk")
        pos += n + 2
        return Node(t, body, (), raw[start:pos]), pos
    if t in AGGREGATES or t in MAPS:
        n = int(rest)
        if n < 0:
            return Node(t, None, (), raw[start:pos]), pos
        count = n * 2 if t in MAPS else n
        kids = []
        for _ in range(count):
            kid, pos = _node(raw, pos)
            kids.append(kid)
        if t == "|":  # attributes precede the real reply
            kid, pos = _node(raw, pos)
            kids.append(kid)
        return Node(t, None, tuple(kids), raw[start:pos]), pos
    raise ValueError(f"unknown type byte {t!r}")


def is_error(node):
    return node.t in "-!"


def is_null(node):
    return node.head is None and not node.kids and node.t in "$*_"


def text(node):
    """The payload of a scalar node as bytes ('' for aggregates and nulls)."""
    return node.head if node.head is not None else b""


def as_int(node):
    """The integer in a ':' node (or a bulk holding one), else None."""
    if node.t in ":(" or (node.t == "$" and node.head is not None):
        try:
            return int(node.head)
        except ValueError:
            return None
    return None


def items(node):
    """The elements of an aggregate: for a map, (key, value) pairs."""
    if node.t in MAPS:
        return [(node.kids[j], node.kids[j + 1]) for j in range(0, len(node.kids) - (node.t == "|"), 2)]
    return list(node.kids)
