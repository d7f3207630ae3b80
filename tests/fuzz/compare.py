"""How two replies to the same command are compared.

Most replies must be byte-identical.  The exceptions are the documented
nondeterminism of Redis itself, each with the weakest check that is still
a check:

    type       the reply's type only: INFO, CLIENT INFO/LIST/ID, MEMORY,
               OBJECT IDLETIME/REFCOUNT, COMMAND DOCS/INFO/LIST/COUNT and the
               HELP subcommands (tern's table is a subset of Redis's, and
               help lists what exists), DUMP (payload layout is free)
    shape      type and aggregate sizes: TIME, HELLO
    multiset   the same elements in any order: SMEMBERS, SINTER, SUNION,
               SDIFF, KEYS, PUBSUB CHANNELS/SHARDCHANNELS, CONFIG GET
    hashorder  HGETALL/HKEYS/HVALS: exact while Redis keeps the hash as a
               listpack (insertion order is observable), as a multiset of
               fields (pairs for HGETALL) once it is a hashtable
    ttl        TTL/PTTL/EXPIRETIME/PEXPIRETIME: negative codes exact, times
               within a tolerance (the two servers run the command at
               slightly different moments)
    random     SRANDMEMBER, HRANDFIELD, ZRANDMEMBER, RANDOMKEY, SPOP: same
               shape, and every element belongs to that server's own data
    scan       SCAN/SSCAN/HSCAN/ZSCAN from cursor 0: the executor finishes
               the iteration on both servers and the sets of elements must
               match; from another cursor only the reply's type
    xmask      XINFO/XPENDING: exact after masking idle and delivery times

Errors are always compared byte for byte, whatever the rule.  A rule is
chosen from the command name alone (rule_for), so the same command gets
the same treatment inside EXEC, and a shrunk case can mark its
nondeterministic lines with '~'.
"""

from replytree import is_error, is_null, items, text, as_int, MAPS

TYPE_ONLY = {
    "info", "command", "command|docs", "command|info", "command|list", "command|count",
    "client|list", "client|info", "client|id", "memory|usage", "memory|stats",
    "memory|doctor", "memory|malloc-stats", "object|idletime", "object|refcount",
    "object|freq", "dump", "acl|genpass", "acl|log", "function|dump", "function|stats",
    "lastsave", "script|exists",
}
SHAPE = {"time", "hello"}
MULTISET = {"smembers", "sinter", "sunion", "sdiff", "keys", "pubsub|channels",
            "pubsub|shardchannels", "acl|users", "acl|cat"}
PAIRS_MULTISET = {"config|get"}
HASHORDER = {"hgetall", "hkeys", "hvals"}
TTL = {"ttl": 2, "pttl": 2000, "expiretime": 2, "pexpiretime": 2000}
RANDOM = {"srandmember", "hrandfield", "zrandmember", "randomkey", "spop"}
SCAN = {"scan", "sscan", "hscan", "zscan"}
XMASK = {"xinfo|consumers", "xinfo|stream", "xpending"}

TIME_KEYS = {b"idle", b"seen-time", b"active-time", b"inactive"}
MASKED = ("masked",)


LEX_COMMANDS = {b"zrangebylex", b"zrevrangebylex", b"zlexcount", b"zremrangebylex"}


def lex_key(argv):
    """For a lexicographic range command, the sorted set it reads; else None.

    Redis leaves their result unspecified unless every member has the same
    score (on a skiplist it even depends on the random node levels), so
    the executor compares them only on such sets."""
    name = argv[0].lower() if argv else b""
    if name in LEX_COMMANDS and len(argv) > 1:
        return argv[1]
    if name in (b"zrange", b"zrangestore") and any(a.lower() == b"bylex" for a in argv):
        idx = 2 if name == b"zrangestore" else 1
        return argv[idx] if len(argv) > idx else None
    return None


def command_name(argv, containers):
    """The full lowercase name for `argv` ('client|list'), as far as it can tell."""
    if not argv:
        return ""
    top = argv[0].lower().decode("latin-1")
    if top in containers and len(argv) > 1:
        return top + "|" + argv[1].lower().decode("latin-1")
    return top


# Differences that are known and owned elsewhere: compared by type only
# until the work lands, with the reason.  Keep this short.
KNOWN = {
}


def rule_for(name):
    """The comparison rule for the command with full name `name`."""
    if name in KNOWN:
        return "known"
    if name in TYPE_ONLY or name.endswith("|help"):
        return "type"
    if name in SHAPE:
        return "shape"
    if name in MULTISET:
        return "multiset"
    if name in PAIRS_MULTISET:
        return "pairs"
    if name in HASHORDER:
        return "hashorder"
    if name in TTL:
        return "ttl"
    if name in RANDOM:
        return "random"
    if name in SCAN:
        return "scan"
    if name in XMASK:
        return "xmask"
    return "exact"


def canon(node):
    """A hashable, order-preserving form of a node (type and payload)."""
    if node.kids:
        return (node.t, tuple(canon(k) for k in node.kids))
    return (node.t, node.head)


def shape(node):
    if node.kids or node.t in "*~>%|":
        return (node.t, len(node.kids), tuple(shape(k) for k in node.kids))
    return (node.t, node.head is None)


def sorted_kids(node):
    return sorted(canon(k) for k in node.kids)


def pairs(node):
    """A flat [k, v, k, v] array or a map as a sorted list of pairs."""
    if node.t in MAPS:
        return sorted((canon(k), canon(v)) for k, v in items(node))
    ks = node.kids
    return sorted((canon(ks[j]), canon(ks[j + 1])) for j in range(0, len(ks) - 1, 2))


def xmask(node, argv=None):
    """A canonical form of an XINFO/XPENDING reply with times masked."""
    if argv is not None and argv[0].lower() == b"xpending" and len(argv) > 3:
        # Extended form: [id, consumer, idle-ms, deliveries] per entry.
        return (node.t, tuple(_mask_entry(k, 2) for k in node.kids))
    return _xmask(node)


def _mask_entry(entry, idx):
    if not entry.kids or len(entry.kids) <= idx:
        return canon(entry)
    kids = [canon(k) for k in entry.kids]
    kids[idx] = MASKED
    return (entry.t, tuple(kids))


def _is_kv(node):
    if node.t in MAPS:
        return True
    ks = node.kids
    return (node.t == "*" and len(ks) % 2 == 0 and len(ks) > 0
            and all(k.t in "$+" and k.head is not None for k in ks[0::2]))


def _xmask(node):
    if not node.kids:
        return canon(node)
    if _is_kv(node):
        out = []
        ks = node.kids
        for j in range(0, len(ks) - 1, 2):
            key = text(ks[j])
            out.append(canon(ks[j]))
            if key in TIME_KEYS:
                out.append(MASKED)
            elif key == b"pel":
                # Group PEL: [id, consumer, delivery-time, count];
                # consumer PEL: [id, delivery-time, count].
                out.append((ks[j + 1].t, tuple(
                    _mask_entry(e, 2 if len(e.kids) == 4 else 1) for e in ks[j + 1].kids)))
            else:
                out.append(_xmask(ks[j + 1]))
        return (node.t, tuple(out))
    return (node.t, tuple(_xmask(k) for k in node.kids))


class Checker:
    """Compares one command's replies from the two sides.

    `membership(side, kind, argv)` is a callback the executor provides: it
    returns that server's current elements for a random-pick check (a set
    of bytes, or for hashes/zsets a dict member -> value), and
    `hash_encoding(argv)` the reference server's encoding of the hash key.
    """

    def __init__(self, membership=None, hash_encoding=None):
        self.membership = membership
        self.hash_encoding = hash_encoding

    def compare(self, rule, argv, a, b, in_exec=False):
        """Return None if tern's reply `a` and redis's `b` (Nodes) agree under
        `rule`, else a short reason."""
        if a.raw == b.raw or rule == "known":
            return None
        if is_error(a) or is_error(b) or rule == "exact":
            return "replies differ"
        if a.t != b.t:
            return "reply types differ"
        if rule == "type":
            return None
        if rule == "shape":
            return None if shape(a) == shape(b) else "reply shapes differ"
        if rule == "multiset":
            return None if sorted_kids(a) == sorted_kids(b) else "element sets differ"
        if rule == "pairs":
            return None if pairs(a) == pairs(b) else "pair sets differ"
        if rule == "hashorder":
            return self._hashorder(argv, a, b, in_exec)
        if rule == "ttl":
            return self._ttl(argv, a, b)
        if rule == "random":
            return self._random(argv, a, b, in_exec)
        if rule == "scan":
            # From cursor 0 the executor compares the whole iteration;
            # here only the outer shape is checked.
            if len(a.kids) != 2 or len(b.kids) != 2:
                return "scan reply shapes differ"
            return None
        if rule == "xmask":
            return None if xmask(a, argv) == xmask(b, argv) else "replies differ (times masked)"
        return "replies differ"

    def _hashorder(self, argv, a, b, in_exec):
        name = argv[0].lower()
        same = pairs(a) == pairs(b) if name == b"hgetall" else sorted_kids(a) == sorted_kids(b)
        if not same:
            return "hash contents differ"
        if in_exec or self.hash_encoding is None:
            return None
        enc = self.hash_encoding(argv)
        if enc == b"hashtable":
            return None
        return f"same fields in a different order, but redis keeps the hash as {enc!r}"

    @staticmethod
    def _ttl(argv, a, b):
        x, y = as_int(a), as_int(b)
        if x is None or y is None:
            return "ttl replies differ"
        if x < 0 or y < 0:
            return None if x == y else "ttl codes differ"
        tol = TTL[argv[0].lower().decode()]
        return None if abs(x - y) <= tol else f"ttl differs by {abs(x - y)}"

    def _random(self, argv, a, b, in_exec):
        name = argv[0].lower()
        if shape_len(a) != shape_len(b):
            return "random reply sizes differ"
        if name == b"spop" or in_exec or self.membership is None:
            return None
        for side, node in (("tern", a), ("redis", b)):
            why = self._members_ok(side, argv, node)
            if why:
                return f"{side}: {why}"
        return None

    def _members_ok(self, side, argv, node):
        name = argv[0].lower()
        if is_null(node):
            return None
        data = self.membership(side, name, argv)
        if name == b"randomkey":
            return None if text(node) in data else f"{text(node)!r} is not a key"
        with_values = len(argv) > 3 and node.kids
        elems = list(node.kids) if node.kids else [node]
        if node.t == "*" and not node.kids:
            return None
        picks = []
        for e in elems:
            if e.kids:  # RESP3 [member, value] pairs
                picks.append((text(e.kids[0]), e.kids[1]))
            else:
                picks.append((text(e), None))
        if with_values and not elems[0].kids:
            picks = [(text(elems[j]), elems[j + 1]) for j in range(0, len(elems) - 1, 2)]
        for member, _ in picks:
            if member not in data:
                return f"{member!r} is not in {argv[1]!r}"
        count = as_int_arg(argv[2]) if len(argv) > 2 else None
        if count is not None and count > 0 and len({m for m, _ in picks}) != len(picks):
            return "a positive count returned duplicates"
        return None


def shape_len(node):
    return (node.t, len(node.kids), node.head is None)


def as_int_arg(v):
    try:
        return int(v)
    except ValueError:
        return None
