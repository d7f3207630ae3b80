"""Random commands from COMMAND DOCS argument trees.

`Generator.next(state)` picks a command from the table (model.py) and walks
its argument tree: optional arguments are sometimes present, a oneof takes
one branch, a multiple repeats 0..3 times (sometimes past the encoding
thresholds), tokens come in random case.  Each leaf value comes from a
pool chosen by the argument's type and name (a 'count' gets counts, a
'timeout' of a blocking command gets a short timeout, a 'min' of a BYLEX
command gets lex ranges), and the pools are full of edge cases: 0, -1,
LLONG_MIN/MAX and one past them, inf/-inf/nan, empty and binary strings,
long strings, bad options.  Keys come from a small shared key space with
a few keys per type, so a command mostly finds its own type but often a
missing key or the wrong type, in every position.  A few commands in ten
are then mutated (an argument dropped, doubled, replaced or a stray option
inserted) so that the parsers' error paths run too.

Values that would make the two servers disagree for reasons of time (an
expiry a second away, a stream id from the clock, a blocking timeout of
0) are never generated: TTLs are either far in the future, already past,
or 1 ms followed by a short sleep, so "expired but still stored" keys are
common and deterministic.  Values that would make a command allocate
without bound (SETBIT at 2^32-1, SRANDMEMBER -2^62) are capped.

Everything is drawn from one random.Random, so a seed reproduces a run.
"""

import time
from collections import namedtuple

from compare import lex_key

LLONG_MAX = 2**63 - 1
LLONG_MIN = -2**63

Step = namedtuple("Step", "kind argv name after", defaults=(0,))
Step.__doc__ = """One generated step: kind 'cmd' (argv: list of bytes, name: the
command's full name, or '' for a mutated unknown one) or 'sleep' (argv: [seconds]).
'after' is a pause (seconds) that follows the command: a 1 ms TTL is followed
by one, so the key is expired-but-stored.  Keeping it in the step means the
shrinker can never separate the two and mistake a timing race for a bug."""


def b(x):
    if isinstance(x, bytes):
        return x
    if isinstance(x, float):
        return repr(x).encode()
    return str(x).encode()


# ---- keys ----

TYPE_KEYS = {
    "string": [b"s1", b"s2", b"s3"],
    "bitmap": [b"s1", b"b1", b"b2"],
    "hyperloglog": [b"p1", b"p2", b"s1"],
    "list": [b"l1", b"l2", b"l3"],
    "hash": [b"h1", b"h2", b"h3"],
    "set": [b"t1", b"t2", b"t3"],
    "sorted-set": [b"z1", b"z2", b"z3"],
    "geo": [b"g1", b"g2", b"z1"],
    "stream": [b"x1", b"x2", b"x3"],
}
ODD_KEYS = [b"", b"k\x00\xff", b"nokey"]
ALL_KEYS = sorted({k for ks in TYPE_KEYS.values() for k in ks}) + ODD_KEYS
DBS = [0, 1, 2, 15]  # the databases SELECT, MOVE, COPY and SWAPDB can reach

# ---- value pools ----

SMALL_INTS = [0, 1, 2, 3, -1, -2, 5, 10, -10, 100, 4, 7]
EXTREME_INTS = [LLONG_MAX, LLONG_MIN, LLONG_MAX + 1, LLONG_MIN - 1, 2**31 - 1, 2**31, -2**31,
                2**32, 2**64, 2**64 - 1, -LLONG_MAX]
BAD_NUMBERS = [b"abc", b"", b"1.5", b" 1", b"1 ", b"+1", b"0x10", b"1e3", b"inf", b"-inf", b"nan",
               b"-", b"--1", b"00", b"-0", b"\x00", b"9" * 30, b"1\x00"]
DOUBLES = [b"0", b"1", b"-1", b"1.5", b"-2.5", b"0.1", b"3.0", b"1e10", b"-1e-10", b"inf",
           b"-inf", b"+inf", b"nan", b"1e308", b"1e309", b"abc", b"", b" 1", b"0x10", b"1,5",
           b"17", b"-0", b"5.0e3", b"2", b"10", b"1.7976931348623157e308", b"4.9e-324",
           b"123456789012345678", b"0.30000000000000004"]
VALUES = [b"a", b"b", b"v", b"hello", b"", b"0", b"1", b"-1", b"10", b"3.5", b"1e3",
          b"9223372036854775807", b"-9223372036854775808", b"9223372036854775808",
          b"12345678901234567890", b" 1", b"x" * 20, b"e" * 44, b"e" * 45, b"x" * 70, b"y" * 300,
          b"\x00\x01\xff", b"\r\n", bytes(range(256)), "\u00e9t\u00e9".encode(), b"inf",
          b"nan", b"0x1f", b"+5", b"007", b"-0", b"5.0", b"foobar"]
MEMBERS = [b"a", b"b", b"c", b"d", b"e", b"1", b"2", b"3", b"10", b"-5", b"100", b"0", b"",
           b"m" * 20, b"m" * 70, b"\x00", b"9223372036854775807", b"9223372036854775808",
           b"1.5", b"abc", b"-0", b"007", b"4294967296"]
INT_MEMBERS = [b"1", b"2", b"3", b"4", b"5", b"6", b"10", b"-5", b"100", b"0", b"65535",
               b"65536", b"2147483647", b"2147483648", b"-2147483649", b"9223372036854775807",
               b"-9223372036854775808"]
FIELDS = [b"f1", b"f2", b"f3", b"f4", b"a", b"1", b"", b"f" * 70, b"\x00", b"f" * 20]
PATTERNS = [b"*", b"*", b"s*", b"?1", b"[hz]*", b"*1", b"nomatch", b"\\*", b"[", b"k\\",
            b"*x*", b"[^a-k]?", b"ch*", b"c?1", b"[a-", b"*[", b"", b"f*", b"?", b"[!a]*"]
LEX = [b"-", b"+", b"[a", b"(a", b"[b", b"(c", b"[", b"(", b"a", b"", b"[1", b"(m", b"[\xff",
       b"[e", b"(+", b"[-"]
SCORE_RANGES = [b"-inf", b"+inf", b"0", b"1", b"(1", b"(0", b"2.5", b"(inf", b"abc", b"nan",
                b"(", b"-1", b"10", b"(-inf", b"3", b"1e400", b" 1", b"(nan"]
TIMEOUTS = [b"0.01", b"0.005", b"0.02", b"-1", b"-0.01", b"abc", b"", b"inf", b"nan", b"1e400",
            b"-inf", b"0x1"]
BLOCK_MS = [b"1", b"5", b"10", b"-1", b"abc", b"", b"1.5", b"-9223372036854775808"]
CHANNELS = [b"ch1", b"ch2", b"ch3", b"c1", b"ch*"]
GROUPS = [b"g1", b"g2", b"g1", b"G"]
CONSUMERS = [b"c1", b"c2", b"c3", b""]
ENCODINGS = [b"u8", b"i8", b"u1", b"i64", b"u63", b"u64", b"i65", b"i0", b"x8", b"u16", b"i5",
             b"u32", b"i1", b"U8", b"i", b""]
BIT_OFFSETS = [0, 1, 7, 8, 15, 16, 63, 100, 1000, 4096, -1, 4294967296, 536870912 * 8,
               LLONG_MAX, LLONG_MIN, b"#0", b"#1", b"#3", b"#100", b"#-1", b"#", b"abc", b"1.5"]
BYTE_OFFSETS = [0, 1, 2, 5, 10, 100, 1000, -1, 536870912, 536870911 + 2, LLONG_MAX, LLONG_MIN,
                b"abc", b""]
SCRIPTS = [b"return 1", b"return KEYS[1]", b"return ARGV", b"return redis.call('GET', KEYS[1])",
           b"return redis.pcall('INCR', KEYS[1])", b"return {1, 'a', {2, 3}}",
           b"return redis.call('SET', KEYS[1], ARGV[1])", b"return nil", b"return false",
           b"return true", b"return 3.99", b"return redis.error_reply('E x')",
           b"return redis.status_reply('S')", b"syntax error (", b"return redis.call('nosuch')",
           b"error('boom')", b"return #KEYS", b"return redis.call('LPUSH', KEYS[1], 'x')",
           b"return redis.sha1hex('')", b"return {err='bad'}", b"return {ok='fine'}"]
SECTIONS = [b"server", b"keyspace", b"all", b"default", b"everything", b"bogus", b"memory",
            b"commandstats", b"stats"]
SCAN_TYPES = [b"string", b"list", b"hash", b"set", b"zset", b"stream", b"bogus", b"STRING"]
JUNK_TOKENS = [b"NX", b"XX", b"GT", b"LT", b"CH", b"INCR", b"WITHSCORES", b"LIMIT", b"COUNT",
               b"MATCH", b"TYPE", b"BY", b"REV", b"BYSCORE", b"BYLEX", b"KEEPTTL", b"GET", b"EX",
               b"PX", b"FULL", b"JUSTID", b"MKSTREAM", b"NOMKSTREAM", b"ASYNC", b"SYNC",
               b"BLOCK", b"STREAMS", b"IDLE", b"RETRYCOUNT", b"FORCE", b"LEFT", b"RIGHT",
               b"BEFORE", b"AFTER", b"RANK", b"MAXLEN", b"MINID", b"~", b"=", b"BADOPT", b"-1",
               b"0", b"WITHVALUES", b"NOACK", b"ENTRIESREAD", b"PERSIST", b"EXAT", b"REPLACE",
               b"DB", b"AGGREGATE", b"WEIGHTS", b"SUM", b"MIN", b"MAX", b"LEN", b"IDX",
               b"MINMATCHLEN", b"WITHMATCHLEN", b"BIT", b"BYTE", b"OVERFLOW", b"SAT"]

# Commands whose reply grows with |count| for a negative count: a huge
# negative count would make both servers build gigabytes.
RANDOM_COUNT = {"srandmember", "hrandfield", "zrandmember"}
BIT_WRITERS = {"setbit", "getbit", "bitfield", "bitfield_ro"}


LEX_NAMES = {"zrangebylex", "zrevrangebylex", "zlexcount", "zremrangebylex", "zrange",
             "zrangestore"}


def lua_str(value):
    """'value' (bytes) as a Lua string literal, any byte escaped as \\ddd."""
    out = ['"']
    for ch in value:
        if 32 <= ch < 127 and ch not in (34, 92):
            out.append(chr(ch))
        else:
            out.append("\\%03d" % ch)
    out.append('"')
    return "".join(out)


def arity_ok(arity, argc):
    return argc == arity if arity > 0 else argc >= -arity


class Generator:
    """Draws steps for one connection.

    `commands` is model.load_commands()'s list, `rng` a random.Random,
    `profile` 'small' or 'default' (the encoding thresholds in force, which
    decide how big a "big" multiple is).
    """

    def __init__(self, commands, rng, profile="default", payloads=()):
        self.rng = rng
        self.profile = profile
        self.payloads = list(payloads) or [b"\x00\x01bad"]
        self.by_name = {c.name: c for c in commands}
        self.commands = [c for c in commands]
        self.weights = [self._weight(c) for c in self.commands]
        self.names = [c.name for c in commands]
        self.stream_ms = 1
        self.short_ttl = False

    # -- choosing the command --

    @staticmethod
    def _weight(cmd):
        n = cmd.name
        special = {"flushall": 0.03, "flushdb": 0.05, "swapdb": 0.15, "select": 0.3,
                   "reset": 0.1, "hello": 0.15, "multi": 0.5, "exec": 0.1, "discard": 0.1,
                   "watch": 0.3, "unwatch": 0.1, "keys": 0.4, "info": 0.05, "command": 0.05,
                   "randomkey": 0.3, "publish": 0.3, "spublish": 0.2}
        if n in special:
            return special[n]
        if n.endswith("|help"):
            return 0.05
        top = n.split("|")[0]
        if top in ("command", "memory", "client", "config", "object", "acl", "pubsub"):
            return 0.15
        if "blocking" in cmd.flags:
            return 0.3
        if cmd.group == "pubsub":
            return 0.25
        return 1.0

    def _pick(self, state):
        rng = self.rng
        if state.in_multi and rng.random() < 0.12:
            name = rng.choice(["exec", "exec", "exec", "discard"])
            if name in self.by_name:
                return self.by_name[name]
        if state.subscribed and state.resp == 2 and rng.random() < 0.6:
            pool = [c for c in self.commands if c.group == "pubsub" or c.name in ("ping", "reset")]
            if pool:
                return rng.choice(pool)
        while True:
            cmd = rng.choices(self.commands, self.weights)[0]
            if state.in_multi and not self._allowed_in_multi(cmd, state):
                continue
            return cmd

    @staticmethod
    def _allowed_in_multi(cmd, state):
        # Subscriptions inside a transaction and messages to ourselves in
        # the middle of an EXEC reply are legal but make the reply framing
        # depend on details the harness does not model; SPOP's random
        # picks would make the rest of the transaction differ.
        if cmd.name in ("subscribe", "psubscribe", "ssubscribe", "unsubscribe",
                        "punsubscribe", "sunsubscribe", "spop"):
            return False
        if cmd.name in ("publish", "spublish") and state.subscribed:
            return False
        return True

    def next(self, state):
        """Return the next Step, given the connection `state` (executor.ConnState)."""
        while True:
            cmd = self._pick(state)
            self.short_ttl = False
            self.in_multi = state.in_multi
            argv = list(cmd.prefix) + self._args(cmd)
            name = cmd.name
            if self.rng.random() < 0.07:
                argv, name = self._mutate(cmd, argv)
            # An argument count only tern accepts (a documented 7.2
            # extension such as ZRANK ... WITHSCORE) shows nothing new.
            if arity_ok(cmd.arity, len(argv)) and not arity_ok(cmd.ref_arity, len(argv)):
                continue
            # Lex ranges are only compared where their result is specified,
            # which the executor checks before running one; inside MULTI it
            # cannot.
            if state.in_multi and lex_key(argv) is not None:
                continue
            break
        return Step("cmd", argv, name, 0.003 if self.short_ttl else 0)

    def random_argv(self):
        """A valid-looking argv of a random command (for COMMAND GETKEYS)."""
        cmd = self.rng.choice(self.commands)
        return list(cmd.prefix) + self._args(cmd)

    # -- arguments --

    def _args(self, cmd):
        rng = self.rng
        if cmd.name in ("command|getkeys", "command|getkeysandflags"):
            return self.random_argv()
        if not cmd.args:
            if cmd.arity < -1 or (cmd.arity > 1 and len(cmd.prefix) == 1):
                # A container alone, or one with a bogus subcommand.
                return [rng.choice([b"BOGUS", b"help", b"", b"x" * 10])] if rng.random() < 0.5 else []
            return []
        return self._list(cmd.args, cmd)

    def _list(self, args, cmd):
        out = []
        last_multi = None
        j = 0
        while j < len(args):
            a = args[j]
            nxt = args[j + 1] if j + 1 < len(args) else None
            if (a.type == "integer" and a.name in ("numkeys", "numfields", "count")
                    and nxt is not None and "multiple" in nxt.flags and a.token is None):
                rest, n = self._node(nxt, cmd, want=None)
                out.append(b(n) if self.rng.random() < 0.88 else self._int(a, cmd))
                out += rest
                last_multi = n
                j += 2
                continue
            want = last_multi if ("multiple" in a.flags and last_multi is not None
                                  and self.rng.random() < 0.85) else None
            vals, n = self._node(a, cmd, want)
            if "multiple" in a.flags:
                last_multi = n
            out += vals
            j += 1
        return out

    def _count(self):
        rng = self.rng
        r = rng.random()
        if r < 0.5:
            return 1
        if r < 0.7:
            return 2
        if r < 0.8:
            return 3
        if r < 0.9:
            return rng.randint(4, 7)
        if r < 0.93:
            return 0
        if self.profile == "small":
            return rng.randint(8, 20)
        return rng.choice([70, 130, 130, 520])

    def _node(self, a, cmd, want=None):
        """Values for argument node `a`: (list of bytes, how many repeats)."""
        rng = self.rng
        if "optional" in a.flags and rng.random() > 0.35:
            return [], 0
        if "multiple" in a.flags:
            n = want if want is not None else self._count()
            out = []
            if a.token is not None and "multiple_token" not in a.flags:
                out.append(self._token(a.token))
            for i in range(n):
                if "multiple_token" in a.flags and a.token is not None:
                    out.append(self._token(a.token))
                out += self._single(a, cmd, i if n > 7 else None)
            return out, n
        out = [self._token(a.token)] if a.token is not None and a.type != "pure-token" else []
        if a.type == "pure-token":
            return [self._token(a.token)] if a.token is not None else [], 1
        return out + self._single(a, cmd, None), 1

    def _token(self, tok):
        rng = self.rng
        r = rng.random()
        if r < 0.88:
            return tok
        if r < 0.96:
            return tok.lower()
        return bytes(c ^ 0x20 if chr(c).isalpha() and rng.random() < 0.5 else c for c in tok)

    def _single(self, a, cmd, big):
        rng = self.rng
        if a.type == "oneof":
            kids = [k for k in a.kids if not (cmd.name == "xadd" and k.token == b"*")]
            k = rng.choice(kids or a.kids)
            vals, _ = self._node(k._replace(flags=k.flags - {"optional"}), cmd)
            return vals
        if a.type == "block":
            return self._list(a.kids, cmd)
        if a.type == "pure-token":
            return [self._token(a.token)] if a.token else []
        return [self._leaf(a, cmd, big)]

    def _leaf(self, a, cmd, big):
        t, name, cn = a.type, a.name, cmd.name
        rng = self.rng
        if t == "key":
            return self._key(cmd)
        if big is not None:
            return self._big(a, cmd, big)
        if t == "integer":
            return self._int(a, cmd)
        if t == "double":
            return self._double(a, cmd)
        if t == "pattern":
            return rng.choice(PATTERNS)
        if t == "unix-time":
            return self._abstime(a)
        # strings, by name
        if name in ("member", "member1", "member2", "element", "pivot"):
            return self._member(cmd)
        if name == "field":
            return rng.choice(FIELDS)
        if name in ("value", "arg", "message"):
            return rng.choice(VALUES)
        if name in ("channel", "shardchannel"):
            return rng.choice(CHANNELS)
        if name in ("group", "groupname"):
            return rng.choice(GROUPS)
        if name in ("consumer", "consumername"):
            return rng.choice(CONSUMERS)
        if name == "encoding":
            return rng.choice(ENCODINGS)
        if name in ("id", "last-id", "max_deleted_entry_id", "start", "end") and cmd.group == "stream":
            return self._stream_id(cmd, name)
        if name in ("min", "max") and "lex" in cn:
            return rng.choice(LEX)
        if name in ("min", "max"):
            return rng.choice(SCORE_RANGES)
        if name in ("start", "stop") and cn in ("zrange", "zrangestore"):
            return rng.choice([b(rng.choice(SMALL_INTS))] * 3 + SCORE_RANGES + LEX)
        if name == "min-idle-time":
            return rng.choice([b"0", b"0", b"1000000000000", b"-1", b"abc"])
        if name == "threshold":
            return rng.choice([b"0", b"1", b"2", b"5", b"-1", b"1-1", b"abc", b(self.stream_ms),
                               b"%d-0" % self.stream_ms, b"18446744073709551615-1"])
        if name == "operation":
            return rng.choice([b"AND", b"OR", b"XOR", b"NOT", b"and", b"bad", b"DIFF"])
        if name == "type":
            return rng.choice(SCAN_TYPES)
        if name == "section":
            return rng.choice(SECTIONS)
        if name == "script":
            if cmd.name.startswith("eval") and rng.random() < 0.6:
                return self._script()
            return rng.choice(SCRIPTS)
        if name in ("command-name",):
            return rng.choice([n.split("|")[0].encode() for n in self.names] + [b"bogus", b""])
        if name in ("clientname", "connection-name"):
            return rng.choice([b"fuzz", b"a b", b"", b"name\n", b"x" * 30])
        if name in ("username", "password"):
            return rng.choice([b"default", b"pw", b"", b"nouser"])
        if name == "parameter":
            return rng.choice([b"hash-max-listpack-entries", b"set-max-intset-entries",
                               b"*max-*-entries", b"bogus", b"zset-max-listpack-value",
                               b"list-max-listpack-size"])
        if name == "serialized-value":
            return rng.choice(self.payloads)
        if name == "sha1":
            return rng.choice([b"0" * 40, b"abc", b"e0e1f9fabfc9d4800c877a703b823ac0578ff8db"])
        if name == "category":
            return rng.choice([b"read", b"write", b"string", b"bogus", b"keyspace"])
        return rng.choice(VALUES)

    # -- generated scripts --

    def _scriptable(self):
        """Commands a generated script may call: those compared exactly at
        top level (a nondeterministic reply inside a script's table could
        not be told apart) and not lex ranges (compared only on same-score
        sets, which a script cannot check first).  noscript commands stay
        in: their refusal is part of the protocol."""
        if not hasattr(self, "_scriptable_cache"):
            from compare import rule_for
            # A bare container (CLIENT alone, CLIENT HELP) answers with its
            # help text, which lists what each server has.
            containers = {n.split("|")[0] for n in self.names if "|" in n}
            self._scriptable_cache = [
                c for c in self.commands
                if rule_for(c.name) == "exact" and c.name not in LEX_NAMES
                and c.name not in containers
                # COMMAND GETKEYS inside a script shows nothing the top-level
                # one does not.
                and not c.name.startswith("command|getkeys")
                and not c.name.startswith(("eval", "fcall", "function", "script"))
                and c.name not in ("multi", "exec", "discard", "watch", "unwatch", "subscribe",
                                   "psubscribe", "ssubscribe", "hello", "reset")]
        return self._scriptable_cache

    def _script(self):
        """A Lua script that runs one to four generated commands through
        redis.call or redis.pcall and returns their replies (or one of
        them, or a converted value), so EVAL exercises every command's
        reply conversion and error path from inside a script."""
        rng = self.rng
        lines = []
        if rng.random() < 0.25:
            lines.append("redis.setresp(3)")
        lines.append("local r = {}")
        for _ in range(rng.randint(1, 4)):
            cmd = rng.choice(self._scriptable())
            argv = list(cmd.prefix) + self._args(cmd)
            call = "redis.call" if rng.random() < 0.3 else "redis.pcall"
            lines.append("r[#r+1] = %s(%s)" % (call, ", ".join(lua_str(a) for a in argv)))
        tail = rng.random()
        if tail < 0.6:
            lines.append("return r")
        elif tail < 0.75:
            lines.append("return r[1]")
        elif tail < 0.85:
            lines.append("return type(r[1])")
        elif tail < 0.95:
            lines.append("return cjson.encode(r)")
        else:
            lines.append("return #r")
        return "\n".join(lines).encode("latin-1")

    def _key(self, cmd):
        rng = self.rng
        pool = TYPE_KEYS.get(cmd.group)
        r = rng.random()
        if pool and r < 0.78:
            return rng.choice(pool)
        if r < 0.96:
            return rng.choice(ALL_KEYS[:-len(ODD_KEYS)])
        return rng.choice(ODD_KEYS)

    def _member(self, cmd):
        rng = self.rng
        if cmd.group == "set" and rng.random() < 0.5:
            return rng.choice(INT_MEMBERS)
        return rng.choice(MEMBERS)

    def _big(self, a, cmd, i):
        """The i-th of many values for a multiple that crosses thresholds."""
        name = a.name
        if a.type in ("integer", "double") or name == "score":
            return b(i)
        if name in ("member", "element") and cmd.group == "set" and i % 3:
            return b(i * 7)
        if name == "id" and cmd.group == "stream":
            return self._stream_id(cmd, name)
        if name == "field":
            return b"f%d" % i
        if i % 50 == 49:
            return b"w" * 80
        return b"m%d" % i

    def _int(self, a, cmd):
        rng = self.rng
        name, cn = a.name, cmd.name
        if name in ("index", "db", "destination-db", "index1", "index2"):
            return b(rng.choice(DBS + [0, 1, -1, 16, LLONG_MAX, b"abc", b""]))
        if name == "offset" and cn in BIT_WRITERS | {"setrange"}:
            return b(rng.choice(BIT_OFFSETS if cn in BIT_WRITERS else BYTE_OFFSETS))
        if name in ("seconds", "milliseconds", "ttl"):
            if name == "milliseconds" and "blocking" in cmd.flags:
                return rng.choice(BLOCK_MS)
            return self._reltime(name, cn)
        if name == "ms":  # XCLAIM IDLE
            return rng.choice([b"0", b"1000000000000", b"-1", b"abc", b"5"])
        if name == "min-idle-time":
            return rng.choice([b"0", b"0", b"1000000000000", b"-1", b"abc"])
        if name == "protover":
            return b(rng.choice([2, 3, 2, 3, 1, 4, 0, -1, b"abc", b"3.0"]))
        if name == "cursor":
            return b(rng.choice([0] * 12 + [1, 5, 17, LLONG_MAX, b"abc", -1, 2**64 - 1, 2**64]))
        if name == "bit":
            return b(rng.choice([0, 1, 0, 1, 2, -1, b"abc"]))
        if name == "client-id":
            return b(rng.choice([1, 2, 3, 99999, -1, b"abc", 0]))
        if name == "count" and cn in RANDOM_COUNT:
            return b(rng.choice(SMALL_INTS * 3 + [LLONG_MIN, LLONG_MIN - 1, LLONG_MAX, 2**31,
                                                  -100, 130, -130, 600] + BAD_NUMBERS[:6]))
        r = rng.random()
        if r < 0.72:
            return b(rng.choice(SMALL_INTS))
        if r < 0.84:
            return b(rng.choice(EXTREME_INTS))
        if r < 0.94:
            return rng.choice(BAD_NUMBERS)
        return b(rng.randint(-1000, 1000))

    def _double(self, a, cmd):
        rng = self.rng
        if a.name == "timeout":
            return rng.choice(TIMEOUTS)
        if a.name in ("min", "max"):
            return rng.choice(SCORE_RANGES)
        if a.name == "latitude":
            return rng.choice([b"0", b"45.5", b"-85.05112878", b"85.06", b"38.115556", b"-91",
                               b"abc", b"13.361389", b"85.05112878"])
        if a.name == "longitude":
            return rng.choice([b"0", b"13.361389", b"15.087269", b"180", b"-180", b"181",
                               b"abc", b"-0.1"])
        if a.name in ("radius", "width", "height"):
            return rng.choice([b"1", b"100", b"200000", b"0.5", b"0", b"-1", b"abc", b"1e10"])
        return rng.choice(DOUBLES)

    def _reltime(self, name, cn):
        """A relative TTL: far away, already over, invalid, or (outside
        MULTI) 1 ms followed by a sleep so the key is expired but stored."""
        rng = self.rng
        r = rng.random()
        ms = name in ("milliseconds", "ttl") or cn in ("pexpire", "psetex")
        if r < 0.55:
            return b(100000000 if ms else 100000)
        if r < 0.65 and ms and not self.in_multi and name != "ttl":
            self.short_ttl = True
            return b"1"
        if r < 0.75:
            return b(rng.choice([0, -1, -100]))
        if r < 0.85:
            return b(rng.choice([LLONG_MAX, LLONG_MIN, LLONG_MAX // 1000 + 1, 2**32, -LLONG_MAX]))
        return rng.choice(BAD_NUMBERS[:8])

    def _abstime(self, a):
        rng = self.rng
        ms = "milliseconds" in a.name
        now = int(time.time())
        r = rng.random()
        if r < 0.5:
            v = now + 100000
            return b(v * 1000 if ms else v)
        if r < 0.75:
            return b(rng.choice([1, 0, -1, (now - 100) * (1000 if ms else 1)]))
        if r < 0.88:
            return b(rng.choice([LLONG_MAX, LLONG_MIN, LLONG_MAX // 1000 + 1]))
        return rng.choice(BAD_NUMBERS[:8])

    def _stream_id(self, cmd, name):
        rng = self.rng
        cn = cmd.name
        if cn == "xadd":
            r = rng.random()
            if r < 0.7:
                self.stream_ms += rng.choice([0, 0, 1, 1, 2])
                return b"%d-%d" % (self.stream_ms, rng.randint(0, 3))
            if r < 0.82:
                return b"%d-*" % self.stream_ms
            return rng.choice([b"0-1", b"1-1", b"0-0", b"1", b"abc", b"1-x", b"-1", b"0",
                               b"18446744073709551615-18446744073709551615",
                               b"18446744073709551615-*", b"1-18446744073709551615", b""])
        if cn == "xreadgroup" and rng.random() < 0.6:
            return b">"
        ms = self.stream_ms
        pool = [b"0", b"0-0", b"0-1", b"1-0", b"1-1", b"%d" % ms, b"%d-0" % ms, b"%d-1" % ms,
                b"%d" % max(ms - 2, 0), b"abc", b"18446744073709551615-18446744073709551615",
                b"1-18446744073709551615"]
        if cn in ("xrange", "xrevrange"):
            pool += [b"-", b"+", b"-", b"+", b"(1-1", b"(%d" % ms, b"(-", b"(+"]
        if cn in ("xread", "xgroup|create", "xgroup|setid"):
            pool += [b"$", b"$"]
        if cn == "xautoclaim":
            pool += [b"0-0", b"0", b"-", b"(0"]
        return rng.choice(pool)

    # -- mutations --

    def _mutate(self, cmd, argv):
        rng = self.rng
        fixed = len(cmd.prefix)
        argv = list(argv)
        r = rng.random()
        if r < 0.25 and len(argv) > fixed:
            del argv[rng.randrange(fixed, len(argv))]
        elif r < 0.45 and len(argv) > fixed:
            j = rng.randrange(fixed, len(argv))
            argv.insert(j, argv[j])
        elif r < 0.7:
            argv.insert(rng.randint(fixed, len(argv)), rng.choice(JUNK_TOKENS))
        elif r < 0.9 and len(argv) > fixed:
            argv[rng.randrange(fixed, len(argv))] = rng.choice(BAD_NUMBERS + VALUES[:6])
        else:
            argv = argv[:rng.randint(fixed, len(argv))]
        return argv, cmd.name
