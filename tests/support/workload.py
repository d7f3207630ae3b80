"""A random workload of writes (and the reads that expire keys lazily) over a
small keyspace, for tests that compare whole datasets rather than replies:
the propagation replay test (tests/integration/test_propagation.py) and
its long run (`make replay-long`).

`Workload(seed).command()` returns one command as a list of str/bytes
arguments.  Keys come from per-type pools (`l:3`, `z:7`, ...) with a share
drawn from a pool every type writes to, so WRONGTYPE errors and type
changes happen too.  Commands cover every write family: strings, bitmaps,
HyperLogLog, lists, hashes, sets, sorted sets, geo, SORT ... STORE,
streams and consumer groups, generic keyspace commands (EXPIRE, RENAME, COPY, MOVE, SWAPDB, ...),
MULTI/EXEC blocks and blocking commands with short timeouts.

Time: every TTL is either in the past (the key is deleted, or stored
already expired and then expired lazily) or at least 10^6 ms ahead, so a
replay run later sees the same keys alive as the original did.
`Workload.dump(conn)` reads a dataset back in a canonical form (values,
TTLs, stream groups and pending entries without their idle times).
"""

import random

DBS = 4  # databases the workload uses (SELECT, MOVE, COPY DB, SWAPDB)
LONG_TTL_MS = 10**9  # "far in the future": well past any test run


class Workload:
    def __init__(self, seed, keys=12):
        self.r = random.Random(seed)
        self.keys = keys
        self.ops = [
            (8, self.strings), (3, self.counters), (2, self.bits), (1, self.hll),
            (7, self.lists), (2, self.blocking), (5, self.hashes), (5, self.sets),
            (6, self.zsets), (2, self.geo_sort), (5, self.streams), (4, self.groups), (5, self.generic),
            (3, self.ttl), (2, self.reads), (1, self.transaction),
        ]
        self.total = sum(w for w, _ in self.ops)
        self.ids = {}  # 'y:' stream key -> last explicit id (ms part) handed out

    # ---- building blocks ----

    def key(self, kind):
        r = self.r
        if r.random() < 0.15:
            return "any:%d" % r.randrange(self.keys // 2)
        return "%s:%d" % (kind, r.randrange(self.keys))

    def member(self):
        r = self.r
        x = r.random()
        if x < 0.4:
            return str(r.randrange(-20, 200))
        if x < 0.9:
            return "m%d" % r.randrange(60)
        return "big-" + "x" * r.randrange(60, 90)

    def value(self):
        r = self.r
        x = r.random()
        if x < 0.3:
            return str(r.randrange(-1000, 1000))
        if x < 0.95:
            return "v%d" % r.randrange(10**6)
        return "long-" + "y" * r.randrange(40, 200)

    def score(self):
        r = self.r
        return r.choice([str(r.randrange(-50, 50)), "%.3f" % r.uniform(-10, 10), "-inf", "+inf"])

    def ttl_args(self, allow_keep=True):
        """SET-style expire options: far-future relative or absolute, or past."""
        r = self.r
        c = r.randrange(7 if allow_keep else 6)
        if c == 0:
            return ["EX", str(LONG_TTL_MS // 1000 + r.randrange(1000))]
        if c == 1:
            return ["PX", str(LONG_TTL_MS + r.randrange(10**6))]
        if c == 2:
            return ["EXAT", str(4 * 10**9 + r.randrange(10**6))]
        if c == 3:
            return ["PXAT", str(4 * 10**12 + r.randrange(10**9))]
        if c == 4:
            return ["PXAT", str(r.randrange(1, 10**6))]  # stored already expired
        if c == 5:
            return []
        return ["KEEPTTL"]

    # ---- command families ----

    def strings(self):
        r, k = self.r, self.key("s")
        c = r.randrange(12)
        if c == 0:
            opts = self.ttl_args()
            if r.random() < 0.3:
                opts.append(r.choice(["NX", "XX"]))
            if r.random() < 0.2:
                opts.append("GET")
            return ["SET", k, self.value()] + opts
        if c == 1:
            return ["SETEX", k, str(LONG_TTL_MS // 1000), self.value()]
        if c == 2:
            return ["PSETEX", k, str(LONG_TTL_MS), self.value()]
        if c == 3:
            return ["SETNX", k, self.value()]
        if c == 4:
            return ["GETSET", k, self.value()]
        if c == 5:
            return ["GETDEL", k]
        if c == 6:
            return ["GETEX", k] + r.choice([[], ["PERSIST"], ["EX", "2000000"],
                                             ["PXAT", "5"], ["EXAT", "5000000000"]])
        if c == 7:
            kv = []
            for _ in range(r.randrange(1, 4)):
                kv += [self.key("s"), self.value()]
            return [r.choice(["MSET", "MSETNX"])] + kv
        if c == 8:
            return ["APPEND", k, self.value()]
        if c == 9:
            return ["SETRANGE", k, str(r.randrange(0, 40)), r.choice(["", "ab", self.value()])]
        if c == 10:
            return ["SET", k, self.value()]
        return ["GETRANGE", k, "0", "-1"]

    def counters(self):
        r, k = self.r, self.key("n")
        c = r.randrange(6)
        if c == 0:
            return ["INCR", k]
        if c == 1:
            return ["DECR", k]
        if c == 2:
            return ["INCRBY", k, str(r.randrange(-100, 100))]
        if c == 3:
            return ["DECRBY", k, str(r.randrange(-100, 100))]
        if c == 4:
            return ["INCRBYFLOAT", k, r.choice(["0.1", "-2.5", "1e3", "3", "0.3333"])]
        return ["HINCRBYFLOAT", self.key("h"), "f%d" % r.randrange(5), r.choice(["1.5", "-0.25"])]

    def bits(self):
        r, k = self.r, self.key("b")
        c = r.randrange(4)
        if c == 0:
            return ["SETBIT", k, str(r.randrange(0, 300)), str(r.randrange(2))]
        if c == 1:
            return ["BITOP", r.choice(["AND", "OR", "XOR"]), k, self.key("b"), self.key("b")]
        if c == 2:
            return ["BITOP", "NOT", k, self.key("b")]
        return ["BITFIELD", k, "SET", "i8", str(r.randrange(0, 64)), str(r.randrange(-128, 128)),
                "INCRBY", "u4", "#2", str(r.randrange(1, 9))]

    def hll(self):
        r, k = self.r, self.key("p")
        c = r.randrange(3)
        if c == 0:
            return ["PFADD", k] + [self.member() for _ in range(r.randrange(0, 5))]
        if c == 1:
            return ["PFCOUNT", k]
        return ["PFMERGE", k, self.key("p")]

    def lists(self):
        r, k = self.r, self.key("l")
        c = r.randrange(13)
        if c < 3:
            return [r.choice(["LPUSH", "RPUSH"]), k] + [self.member() for _ in range(r.randrange(1, 6))]
        if c == 3:
            return [r.choice(["LPUSHX", "RPUSHX"]), k, self.member()]
        if c == 4:
            return [r.choice(["LPOP", "RPOP"]), k] + ([str(r.randrange(0, 4))] if r.random() < 0.5 else [])
        if c == 5:
            return ["LINSERT", k, r.choice(["BEFORE", "AFTER"]), self.member(), self.member()]
        if c == 6:
            return ["LSET", k, str(r.randrange(-3, 3)), self.member()]
        if c == 7:
            return ["LREM", k, str(r.randrange(-2, 3)), self.member()]
        if c == 8:
            return ["LTRIM", k, str(r.randrange(0, 3)), str(r.randrange(-3, 20))]
        if c == 9:
            return ["LMOVE", k, self.key("l"), r.choice(["LEFT", "RIGHT"]), r.choice(["LEFT", "RIGHT"])]
        if c == 10:
            return ["RPOPLPUSH", k, self.key("l")]
        if c == 11:
            return ["LMPOP", "2", k, self.key("l"), r.choice(["LEFT", "RIGHT"]), "COUNT", str(r.randrange(1, 4))]
        return ["LRANGE", k, "0", "-1"]

    def blocking(self):
        """Blocking commands time out quickly when nothing is there; others'
        pushes may serve them while they wait."""
        r = self.r
        t = "0.01"
        c = r.randrange(6)
        if c == 0:
            return [r.choice(["BLPOP", "BRPOP"]), self.key("l"), self.key("l"), t]
        if c == 1:
            return ["BLMOVE", self.key("l"), self.key("l"), r.choice(["LEFT", "RIGHT"]), r.choice(["LEFT", "RIGHT"]), t]
        if c == 2:
            return ["BRPOPLPUSH", self.key("l"), self.key("l"), t]
        if c == 3:
            return ["BLMPOP", t, "2", self.key("l"), self.key("l"), r.choice(["LEFT", "RIGHT"]), "COUNT", "2"]
        if c == 4:
            return [r.choice(["BZPOPMIN", "BZPOPMAX"]), self.key("z"), self.key("z"), t]
        return ["BZMPOP", t, "1", self.key("z"), r.choice(["MIN", "MAX"]), "COUNT", "3"]

    def hashes(self):
        r, k = self.r, self.key("h")
        c = r.randrange(7)
        f = lambda: "f%d" % r.randrange(20)  # noqa: E731
        if c < 2:
            args = []
            for _ in range(r.randrange(1, 4)):
                args += [f(), self.value()]
            return [r.choice(["HSET", "HMSET"]), k] + args
        if c == 2:
            return ["HSETNX", k, f(), self.value()]
        if c == 3:
            return ["HDEL", k] + [f() for _ in range(r.randrange(1, 4))]
        if c == 4:
            return ["HINCRBY", k, f(), str(r.randrange(-10, 10))]
        if c == 5:
            return ["HINCRBYFLOAT", k, f(), r.choice(["0.5", "-1.25", "10"])]
        return ["HGETALL", k]

    def sets(self):
        r, k = self.r, self.key("t")
        c = r.randrange(8)
        if c < 3:
            return ["SADD", k] + [self.member() for _ in range(r.randrange(1, 8))]
        if c == 3:
            return ["SREM", k] + [self.member() for _ in range(r.randrange(1, 4))]
        if c == 4:
            return ["SPOP", k] + ([str(r.randrange(0, 12))] if r.random() < 0.6 else [])
        if c == 5:
            return ["SMOVE", k, self.key("t"), self.member()]
        if c == 6:
            return [r.choice(["SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"]), k, self.key("t"), self.key("t")]
        return ["SRANDMEMBER", k, "3"]

    def zsets(self):
        r, k = self.r, self.key("z")
        c = r.randrange(10)
        if c < 3:
            opts = r.choice([[], [], ["NX"], ["XX"], ["GT", "CH"], ["LT"]])
            args = []
            for _ in range(r.randrange(1, 5)):
                args += [self.score(), self.member()]
            return ["ZADD", k] + opts + args
        if c == 3:
            return ["ZINCRBY", k, self.score(), self.member()]
        if c == 4:
            return ["ZREM", k] + [self.member() for _ in range(r.randrange(1, 3))]
        if c == 5:
            return [r.choice(["ZPOPMIN", "ZPOPMAX"]), k] + ([str(r.randrange(1, 4))] if r.random() < 0.5 else [])
        if c == 6:
            return ["ZMPOP", "2", k, self.key("z"), r.choice(["MIN", "MAX"]), "COUNT", str(r.randrange(1, 4))]
        if c == 7:
            return r.choice([["ZREMRANGEBYRANK", k, "0", str(r.randrange(0, 3))],
                             ["ZREMRANGEBYSCORE", k, "-5", "5"],
                             ["ZREMRANGEBYLEX", k, "-", "[m3"]])
        if c == 8:
            return [r.choice(["ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE"]), k, "2", self.key("z"), self.key("z")]
        return ["ZRANGESTORE", k, self.key("z"), "0", str(r.randrange(0, 10))]

    def geo_sort(self):
        """GEOADD and the commands that store a search or a sort result."""
        r, k = self.r, self.key("g")
        c = r.randrange(6)
        if c < 3:
            args = []
            for _ in range(r.randrange(1, 4)):
                args += ["%.5f" % r.uniform(-10, 10), "%.5f" % r.uniform(40, 50), self.member()]
            return ["GEOADD", k] + r.choice([[], ["NX"], ["XX", "CH"]]) + args
        if c == 3:
            return ["GEOSEARCHSTORE", self.key("g"), k, "FROMLONLAT", "0", "45", "BYRADIUS",
                    str(r.randrange(100, 2000)), "km", "ASC"] + r.choice([[], ["STOREDIST"]])
        if c == 4:
            return ["GEORADIUS", k, "0", "45", str(r.randrange(100, 2000)), "km",
                    "STORE", self.key("g")]
        return ["SORT", self.key(r.choice("lsz")), "ALPHA", "LIMIT", "0", "5", "STORE", self.key("l")]

    def stream_key(self):
        """A stream key: 'x:' streams get automatic ids, 'y:' ones explicit
        small ids the workload can name again in XDEL, XACK and XCLAIM."""
        return self.key(self.r.choice("xy"))

    def known_id(self, k):
        top = self.ids.get(k, 0)
        return "%d-1" % self.r.randrange(1, top + 2)

    def streams(self):
        r = self.r
        k = self.stream_key()
        c = r.randrange(7)
        fields = ["f%d" % r.randrange(4), self.value()]
        if k.startswith("y:") and c < 5:
            if c < 3:
                self.ids[k] = self.ids.get(k, 0) + r.randrange(1, 3)
                trim = r.choice([[], [], ["MAXLEN", "~", "20"], ["MINID", "%d" % max(0, self.ids[k] - 15)]])
                return ["XADD", k] + trim + ["%d-1" % self.ids[k]] + fields
            return ["XDEL", k] + [self.known_id(k) for _ in range(r.randrange(1, 3))]
        if c < 3:
            opts = r.choice([[], [], ["MAXLEN", "~", str(r.randrange(5, 40))], ["MAXLEN", str(r.randrange(5, 40))],
                             ["NOMKSTREAM"], ["MINID", "~", "0-%d" % r.randrange(5)]])
            return ["XADD", k] + opts + ["*"] + fields
        if c == 3:
            return ["XADD", k, "%d-*" % (r.randrange(1, 50) * 10**12)] + fields
        if c == 4:
            return ["XDEL", k, "0-1", "%d-0" % r.randrange(10**13)]
        if c == 5:
            return ["XTRIM", k, r.choice(["MAXLEN", "MAXLEN"]), r.choice(["~", "="]), str(r.randrange(0, 30))]
        return ["XSETID", k, "%d-0" % (99 * 10**12 + r.randrange(10**6))]

    def groups(self):
        r, k = self.r, self.stream_key()
        g = "g%d" % r.randrange(3)
        cons = "c%d" % r.randrange(3)
        c = r.randrange(11)
        if c == 0:
            return ["XGROUP", "CREATE", k, g, r.choice(["$", "0"])] + (["MKSTREAM"] if r.random() < 0.5 else [])
        if c == 1:
            return ["XGROUP", "SETID", k, g, r.choice(["$", "0"])]
        if c == 2:
            return ["XGROUP", r.choice(["CREATECONSUMER", "DELCONSUMER"]), k, g, cons]
        if c == 3 and r.random() < 0.2:
            return ["XGROUP", "DESTROY", k, g]
        if c <= 6:
            opts = ["COUNT", str(r.randrange(1, 4))]
            if r.random() < 0.2:
                opts.append("NOACK")
            if r.random() < 0.1:
                opts += ["BLOCK", "10"]
            return ["XREADGROUP", "GROUP", g, cons] + opts + ["STREAMS", k, r.choice([">", ">", "0"])]
        if c == 7:
            return ["XACK", k, g] + [self.known_id(k) for _ in range(r.randrange(1, 4))]
        if c == 8:
            opts = r.choice([[], ["IDLE", "0"], ["TIME", "1000"], ["RETRYCOUNT", "5"], ["FORCE"], ["JUSTID"],
                             ["LASTID", "%d-1" % self.ids.get(k, 3)]])
            return ["XCLAIM", k, g, cons, "0", self.known_id(k), self.known_id(k)] + opts
        if c == 9:
            return ["XAUTOCLAIM", k, g, cons, "0", "0", "COUNT", str(r.randrange(1, 5))] + (
                ["JUSTID"] if r.random() < 0.3 else [])
        return ["XPENDING", k, g]

    def generic(self):
        r = self.r
        k = self.key(r.choice("slhtzxn"))
        c = r.randrange(14)
        if c < 2:
            return [r.choice(["DEL", "UNLINK"]), k] + ([self.key("s")] if r.random() < 0.3 else [])
        if c == 2:
            return [r.choice(["RENAME", "RENAMENX"]), k, self.key(r.choice("slz"))]
        if c == 3:
            opts = (["DB", str(r.randrange(DBS))] if r.random() < 0.5 else []) + (["REPLACE"] if r.random() < 0.5 else [])
            return ["COPY", k, self.key(r.choice("slz"))] + opts
        if c == 4:
            return ["MOVE", k, str(r.randrange(DBS))]
        if c == 5:
            return ["SELECT", str(r.randrange(DBS))]
        if c == 6 and r.random() < 0.05:
            return ["SWAPDB", str(r.randrange(DBS)), str(r.randrange(DBS))]
        if c == 7 and r.random() < 0.01:
            return ["FLUSHDB"] + r.choice([[], ["ASYNC"]])
        if c == 8:
            return ["EXISTS", k]
        if c == 9:
            return ["RANDOMKEY"]
        if c == 10:
            return ["TYPE", k]
        if c == 11:
            return ["TOUCH", k]
        return ["SCAN", "0", "COUNT", "20"]

    def ttl(self):
        r = self.r
        k = self.key(r.choice("slhtzxn"))
        c = r.randrange(7)
        opts = r.choice([[], [], ["NX"], ["XX"], ["GT"], ["LT"]])
        if c == 0:
            return ["EXPIRE", k, str(r.choice([LONG_TTL_MS // 1000 + r.randrange(1000), -5]))] + opts
        if c == 1:
            return ["PEXPIRE", k, str(r.choice([LONG_TTL_MS + r.randrange(10**6), 0]))] + opts
        if c == 2:
            return ["EXPIREAT", k, str(r.choice([4 * 10**9 + r.randrange(10**6), 100]))] + opts
        if c == 3:
            return ["PEXPIREAT", k, str(r.choice([4 * 10**12 + r.randrange(10**6), 100]))] + opts
        if c == 4:
            return ["PERSIST", k]
        if c == 5:
            # A key stored already expired: the next touch expires it lazily.
            return ["SET", k, self.value(), "PXAT", str(r.randrange(1, 10**6))]
        return ["PTTL", k]

    def reads(self):
        r = self.r
        k = self.key(r.choice("slhtzxn"))
        return r.choice([["GET", k], ["LLEN", k], ["SCARD", k], ["ZCARD", k], ["HLEN", k], ["XLEN", k],
                         ["STRLEN", k], ["ZSCORE", k, self.member()], ["SISMEMBER", k, self.member()]])

    def transaction(self):
        """MULTI, a few commands, EXEC (or DISCARD); sometimes WATCH first."""
        r = self.r
        out = []
        if r.random() < 0.3:
            out.append(["WATCH", self.key(r.choice("slz"))])
        out.append(["MULTI"])
        for _ in range(r.randrange(1, 5)):
            out.append(self.pick(allow_multi=False))
        out.append(["EXEC"] if r.random() < 0.9 else ["DISCARD"])
        return out

    def pick(self, allow_multi=True):
        x = self.r.randrange(self.total)
        for w, f in self.ops:
            if x < w:
                if f == self.transaction and not allow_multi:
                    return self.strings()
                return f()
            x -= w
        raise AssertionError("unreachable")

    def commands(self):
        """One step: a list of commands (several for a transaction)."""
        c = self.pick()
        return c if isinstance(c[0], list) else [c]


def dump(conn, dbs=DBS):
    """The dataset of `conn`'s server (a support.resp.RawConn) in a
    canonical, comparable form: {(db, key): (type, pexpiretime, value)}.

    Reads expire keys lazily, so take DEBUG DIGEST first when comparing
    digests."""
    out = {}
    for db in range(dbs):
        conn.call("SELECT", db)
        for key in sorted(conn.call("KEYS", "*")):
            t = conn.call("TYPE", key)
            if t == b"none":
                continue  # expired as we looked
            out[(db, key)] = (t, conn.call("PEXPIRETIME", key), _value(conn, key, t))
    conn.call("SELECT", 0)
    return out


def _pairs(flat):
    return dict(zip(flat[::2], flat[1::2]))


def _value(c, key, t):
    if t == b"string":
        return c.call("GET", key)
    if t == b"list":
        return c.call("LRANGE", key, 0, -1)
    if t == b"set":
        return sorted(c.call("SMEMBERS", key))
    if t == b"zset":
        return c.call("ZRANGE", key, 0, -1, "WITHSCORES")
    if t == b"hash":
        return sorted(_pairs(c.call("HGETALL", key)).items())
    if t == b"stream":
        info = _pairs(c.call("XINFO", "STREAM", key))
        meta = [info.get(f) for f in (b"length", b"last-generated-id", b"max-deleted-entry-id",
                                      b"entries-added", b"recorded-first-entry-id")]
        groups = []
        for g in c.call("XINFO", "GROUPS", key):
            g = _pairs(g)
            name = g[b"name"]
            pend = c.call("XPENDING", key, name, "-", "+", 10**6)
            pend = [(p[0], p[1], p[3]) for p in pend]  # id, consumer, deliveries (not idle)
            cons = [_pairs(x) for x in c.call("XINFO", "CONSUMERS", key, name)]
            cons = [(x[b"name"], x[b"pending"]) for x in cons]
            groups.append((name, g[b"last-delivered-id"], g[b"entries-read"], g[b"pending"], pend, cons))
        return (c.call("XRANGE", key, "-", "+"), meta, groups)
    raise AssertionError("unknown type %r" % t)
