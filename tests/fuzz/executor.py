"""Runs generated steps against tern and the reference server side by side.

Each server gets three connections:

    fuzz      the generated commands (RESP2 or RESP3, any db, MULTI,
              subscriptions: whatever the stream does to it)
    observer  RESP2, for everything the harness asks behind the stream's
              back: the whole-dataset comparison, finishing a SCAN, the
              data a random pick must come from, re-syncing after SPOP
    notify    (some epochs) a PSUBSCRIBE to every keyspace event; the two
              event streams are compared at each dataset check

A command is written to both servers before either reply is read, so they
run it at nearly the same moment (which TTL comparisons rely on).  A reply
that does not come within `timeout` seconds is a hang; a server that died
or printed a sanitizer report is a crash.  Both raise Failure, as does any
reply or dataset difference; Failure.signature() identifies the bug for
the shrinker (kind and command name).

The connection state the replies imply (protocol, db, MULTI, number of
subscriptions) is tracked from tern's replies in ConnState; the generator
reads it, and the replies that follow a subscription are read up to a PING
sentinel because their number depends on the server.
"""

import time

from compare import (Checker, command_name, rule_for, pairs, sorted_kids, xmask, canon,
                     lex_key)
from replytree import tree, is_error, text, as_int
from shrinkfmt import quote
from support.resp import ConnectionClosed, ProtocolError, ReplyTimeout, encode_command

DBS = (0, 1, 2, 15)
PUBSUB_REPLY_KINDS = {b"subscribe", b"psubscribe", b"unsubscribe", b"punsubscribe"}
SHARD_REPLY_KINDS = {b"ssubscribe", b"sunsubscribe"}
SIDES = ("tern", "redis")

# Encoding-threshold profiles: 'small' makes every collection cross its
# thresholds within a few commands; 'default' is what users run.
PROFILES = {
    "small": {
        "list-max-listpack-size": "4", "hash-max-listpack-entries": "4",
        "hash-max-listpack-value": "16", "set-max-intset-entries": "4",
        "zset-max-listpack-entries": "4", "zset-max-listpack-value": "16",
        "stream-node-max-entries": "4", "stream-node-max-bytes": "128",
    },
    "default": {
        "list-max-listpack-size": "-2", "hash-max-listpack-entries": "512",
        "hash-max-listpack-value": "64", "set-max-intset-entries": "512",
        "zset-max-listpack-entries": "128", "zset-max-listpack-value": "64",
        "stream-node-max-entries": "100", "stream-node-max-bytes": "4096",
    },
}


class Failure(Exception):
    """kind: crash, hang, closed, diverge, dataset, notify, harness."""

    def __init__(self, kind, name, detail, replies=None, tail=()):
        super().__init__(f"{kind} {name}: {detail}")
        self.kind, self.name, self.detail = kind, name, detail
        self.replies = replies or {}
        self.tail = list(tail)  # case-file lines that show a dataset difference

    def signature(self):
        # A crash is one failure whatever ran; a dataset difference is told
        # apart by what differs (type, ttl, encoding, value, keys), so the
        # shrinker does not wander from one dataset bug to another.
        if self.kind in ("crash", "notify"):
            return (self.kind,)
        return (self.kind, self.name)


class ConnState:
    """What the fuzz connection's state is, as tern's replies say."""

    def __init__(self):
        self.resp, self.db, self.in_multi = 2, 0, False
        self.queued = []
        self.subs = self.ssubs = 0

    @property
    def subscribed(self):
        return self.subs > 0 or self.ssubs > 0


class Side:
    def __init__(self, name, server):
        self.name, self.server = name, server
        self.fuzz = self.obs = self.notify = None
        self.obs_db = 0
        self.fuzz_id = None  # CLIENT ID of the fuzz connection, for CLIENT UNBLOCK


class Executor:
    """Runs steps on `tern` and `ref` (support.servers.Server objects)."""

    def __init__(self, tern, ref, containers, timeout=5.0, restart=None, blocking=()):
        self.sides = [Side("tern", tern), Side("redis", ref)]
        self.containers = containers
        # Commands that may block: their replies are awaited only briefly,
        # then both servers are asked whether the client is blocked.
        self.blocking = set(blocking)
        self.timeout = timeout
        self.restart = restart  # callable(side_name) -> new Server, after a crash
        self.state = ConnState()
        self.checker = Checker(self._membership, self._hash_encoding)
        self.sentinel = 0
        self.log = []  # (step text, tern reply count) of the epoch, for case files
        self.notify_on = False

    # ---- connections and epochs ----

    def _close_all(self):
        for s in self.sides:
            for c in (s.fuzz, s.obs, s.notify):
                if c is not None:
                    c.close()
            s.fuzz = s.obs = s.notify = None

    def close(self):
        self._close_all()

    def start_epoch(self, profile, notify):
        """Fresh connections, empty dataset, `profile` thresholds, active
        expiry off; `notify` turns keyspace events on and subscribes to them."""
        self._close_all()
        for s in self.sides:
            if not s.server.alive() and self.restart:
                s.server = self.restart(s.name)
            s.obs = s.server.raw(timeout=self.timeout * 4)
            s.obs_db = 0
            self._obs_call(s, "FLUSHALL")
            for k, v in PROFILES[profile].items():
                self._obs_call(s, "CONFIG", "SET", k, v)
            self._obs_call(s, "CONFIG", "SET", "notify-keyspace-events", "KEA" if notify else "")
            self._obs_call(s, "DEBUG", "SET-ACTIVE-EXPIRE", "0")
            self._connect_fuzz(s)
            if notify:
                s.notify = s.server.raw(timeout=self.timeout)
                s.notify.send(encode_command("PSUBSCRIBE", "__key*__:*"))
                s.notify.read_reply()
        self.notify_on = notify
        self.state = ConnState()
        self.log = []

    def _connect_fuzz(self, s):
        s.fuzz = s.server.raw(timeout=self.timeout)
        s.fuzz.send(encode_command("CLIENT", "ID"))
        s.fuzz_id = int(tree(s.fuzz.read_reply().raw).head)

    def _obs_call(self, s, *args):
        s.obs.send(encode_command(*args))
        r = s.obs.read_reply()
        return r

    def _obs_select(self, s, db):
        if s.obs_db != db:
            self._obs_call(s, "SELECT", db)
            s.obs_db = db

    # ---- health ----

    def health(self, name=""):
        """Raise Failure('crash') if a server died or logged a sanitizer report."""
        for s in self.sides:
            problem = s.server.check()
            if problem or not s.server.alive():
                raise Failure("crash", name, f"{s.name}: {problem or 'server is gone'}")

    # ---- reading ----

    def _read(self, s, conn, name):
        try:
            return conn.read_reply(self.timeout).raw
        except ReplyTimeout:
            self.health(name)
            raise Failure("hang", name, f"{s.name} sent no reply within {self.timeout}s")
        except ConnectionClosed:
            time.sleep(0.05)
            self.health(name)
            return None
        except ProtocolError as e:
            raise Failure("diverge", name, f"{s.name} sent bad RESP: {e}")

    def _send_both(self, payload, name):
        for s in self.sides:
            try:
                s.fuzz.send(payload)
            except ConnectionClosed:
                pass

    # ---- steps ----

    def run(self, step):
        """Run one generator Step; raise Failure on any problem."""
        if step.kind == "sleep":
            time.sleep(step.argv[0])
            self.log.append(("sleep", step.argv[0], 1))
            return
        argv = step.argv
        name = command_name(argv, self.containers)
        st = self.state
        lex = lex_key(argv) if not st.in_multi else None
        if lex is not None and not self._uniform_scores(lex):
            # Unspecified in Redis (see compare.lex_key): a read is compared
            # by type only, a write is not run at all.
            if "rem" in name or "store" in name:
                self.log.append(("skip", argv, 0))
                return
            self.unspecified = True
        else:
            self.unspecified = False
        use_sentinel = (not st.in_multi and (name in ("subscribe", "psubscribe", "ssubscribe",
                                                       "unsubscribe", "punsubscribe",
                                                       "sunsubscribe", "publish", "spublish")
                                              or (name == "exec" and st.subscribed)))
        payload = encode_command(*argv)
        token = None
        if use_sentinel:
            self.sentinel += 1
            token = b"sentinel-%d" % self.sentinel
            payload += encode_command(b"PING", token)
        self._send_both(payload, name)
        outs = None
        if name in self.blocking and not st.in_multi:
            outs = self._read_blocking(name)
        if outs is None:
            outs = [self._read_all(s, name, token) for s in self.sides]
        if outs[0] is None or outs[1] is None:
            if outs[0] is None and outs[1] is None:
                self._reconnect_fuzz()
                self.log.append(("cmd", argv, 0))
                return
            which = "tern" if outs[0] is None else "redis"
            raise Failure("closed", name, f"only {which} closed the connection",
                          {"tern": outs[0], "redis": outs[1]})
        self.log.append(("cmd", argv, len(outs[0])))
        self._compare(name, argv, outs[0], outs[1])
        self._track(name, argv, [tree(r) for r in outs[0]])
        if step.after:
            time.sleep(step.after)

    def _read_blocking(self, name):
        """Read the replies to a command that may block for good (a zero
        timeout, e.g. BRPOP k -0 or XREAD BLOCK 0): wait briefly, and if a
        side has not answered, CLIENT UNBLOCK the fuzz client there (an
        unblocked client gets its timeout reply).  The replies are then
        compared as usual, so blocking on one side only is a difference.
        Returns the two reply lists, or None to read them the ordinary way."""
        got = []
        for s in self.sides:
            try:
                got.append(s.fuzz.read_reply(0.3).raw)
            except ReplyTimeout:
                got.append(None)
            except ConnectionClosed:
                return None
        if got[0] is not None and got[1] is not None:
            return [[got[0]], [got[1]]]
        for s, g in zip(self.sides, got):
            if g is None:
                # Unblocking after a natural timeout is harmless (:0).
                self._obs_call(s, "CLIENT", "UNBLOCK", s.fuzz_id)
        outs = []
        for s, g in zip(self.sides, got):
            r = g if g is not None else self._read(s, s.fuzz, name)
            outs.append([r] if r is not None else None)
        return outs

    def _read_all(self, s, name, token):
        first = self._read(s, s.fuzz, name)
        if first is None:
            return None
        if token is None:
            return [first]
        got = [first]
        while not _is_sentinel(first, token):
            if len(got) > 2000:
                raise Failure("harness", name, "no sentinel after 2000 replies")
            first = self._read(s, s.fuzz, name)
            if first is None:
                return None
            got.append(first)
        return got[:-1]

    def _reconnect_fuzz(self):
        for s in self.sides:
            s.fuzz.close()
            self._connect_fuzz(s)
        self.state = ConnState()

    def _compare(self, name, argv, a_list, b_list):
        st = self.state
        replies = {"tern": a_list, "redis": b_list}
        if len(a_list) != len(b_list):
            raise Failure("diverge", name, f"{len(a_list)} replies vs {len(b_list)}", replies)
        if len(a_list) > 1 and len(argv) == 1 and name in (
                "unsubscribe", "punsubscribe", "sunsubscribe"):
            # Unsubscribing from everything goes in hash-table order: the
            # same channels and the same falling counts, in any order.
            ta, tb = [tree(r) for r in a_list], [tree(r) for r in b_list]
            if (sorted(canon(n.kids[1]) for n in ta if len(n.kids) == 3)
                    != sorted(canon(n.kids[1]) for n in tb if len(n.kids) == 3)
                    or [n.kids[2].raw for n in ta if len(n.kids) == 3]
                    != [n.kids[2].raw for n in tb if len(n.kids) == 3]
                    or [n.kids[0].raw for n in ta if n.kids] != [n.kids[0].raw for n in tb if n.kids]):
                raise Failure("diverge", name, "unsubscribe-all replies differ", replies)
            return
        if len(a_list) > 1:
            for x, y in zip(a_list, b_list):
                if x != y:
                    raise Failure("diverge", name, "replies differ", replies)
            return
        a, b = tree(a_list[0]), tree(b_list[0])
        if st.in_multi and name not in ("exec", "discard", "multi", "watch"):
            why = None if a.raw == b.raw else "replies differ"
        elif name == "exec" and st.in_multi:
            why = self._compare_exec(a, b)
        else:
            rule = "type" if self.unspecified else rule_for(name)
            why = self.checker.compare(rule, argv, a, b)
            if (why is None and rule == "scan" and a.t == "*" and len(a.kids) == 2
                    and argv_cursor(argv) == b"0"):
                why = self._compare_scan(argv, a, b)
            if why is None and name == "spop" and not is_error(a):
                self._resync_spop(argv, a, b)
            if name == "randomkey" or (name == "scan" and argv_cursor(argv) != b"0"):
                self._purge_expired()
        if why:
            raise Failure("diverge", name, why, replies)

    def _compare_exec(self, a, b):
        q = self.state.queued
        if a.t != "*" or b.t != "*" or len(a.kids) != len(q) or len(b.kids) != len(q):
            return None if a.raw == b.raw else "EXEC replies differ"
        for (qname, qargv), x, y in zip(q, a.kids, b.kids):
            why = self.checker.compare(rule_for(qname), qargv, x, y, in_exec=True)
            if why:
                return f"EXEC: {qname}: {why}"
            if qname == "spop" and not is_error(x):
                self._resync_spop(qargv, x, y)
            if qname in ("randomkey", "scan"):
                self._purge_expired()
        return None

    def _track(self, name, argv, nodes):
        st = self.state
        first = nodes[0]
        ok = not is_error(first)
        if st.in_multi:
            if name == "reset" and ok:
                self.state = ConnState()
            elif name in ("exec", "discard") and not (
                    ok is False and b"wrong number of arguments" in text(first)):
                st.in_multi, st.queued = False, []
            elif first.t == "+" and first.head == b"QUEUED":
                st.queued.append((name, argv))
            return
        if name == "multi" and ok:
            st.in_multi, st.queued = True, []
        elif name == "select" and ok:
            st.db = int(argv[1])
        elif name == "reset" and ok:
            self.state = ConnState()
        elif name == "hello" and ok and len(argv) > 1:
            st.resp = int(argv[1])
        for n in nodes:
            if len(n.kids) >= 3 and n.t in "*>":
                kind = text(n.kids[0]).lower()
                cnt = as_int(n.kids[2])
                if cnt is None:
                    continue
                if kind in PUBSUB_REPLY_KINDS:
                    st.subs = cnt
                elif kind in SHARD_REPLY_KINDS:
                    st.ssubs = cnt

    # ---- behind the stream's back ----

    def _compare_scan(self, argv, a, b):
        """Finish a SCAN family iteration from cursor 0 on both observers
        and compare the sets of elements."""
        name = argv[0].lower()
        got = []
        for s, first in zip(self.sides, (a, b)):
            self._obs_select(s, self.state.db)
            elems = set()
            node = first
            rounds = 0
            while True:
                cur = text(node.kids[0])
                els = node.kids[1].kids
                if name in (b"hscan", b"zscan"):
                    for j in range(0, len(els) - 1, 2):
                        elems.add((text(els[j]), text(els[j + 1])))
                else:
                    elems.update(text(e) for e in els)
                if cur == b"0" or rounds > 10000:
                    break
                rounds += 1
                nargv = list(argv)
                nargv[2 if name != b"scan" else 1] = cur
                s.obs.send(encode_command(*nargv))
                node = tree(s.obs.read_reply().raw)
                if is_error(node) or len(node.kids) != 2:
                    return f"{s.name}: continuing the scan got {node.raw[:80]!r}"
            got.append(elems)
        if got[0] != got[1]:
            only_t = sorted(got[0] - got[1])[:5]
            only_r = sorted(got[1] - got[0])[:5]
            return f"full iterations differ: only tern {only_t}, only redis {only_r}"
        return None

    def _uniform_scores(self, key):
        """True if `key` is not a sorted set with members of different
        scores, on the reference server (where the data is the spec)."""
        s = self.sides[1]
        self._obs_select(s, self.state.db)
        node = tree(self._obs_call(s, "TYPE", key).raw)
        if text(node) != b"zset":
            return True
        node = tree(self._obs_call(s, "ZRANGE", key, 0, -1, "WITHSCORES").raw)
        return len({k.raw for k in node.kids[1::2]}) <= 1

    def _purge_expired(self):
        """RANDOMKEY, and a SCAN that does not start at 0, delete the expired
        keys they happen to visit, which depends on the hash table: a full
        SCAN on both servers deletes all of them, so DBSIZE agrees again
        (SCAN expires what it visits, in Redis)."""
        for s in self.sides:
            self._obs_select(s, self.state.db)
            cur = b"0"
            for _ in range(100000):
                node = tree(self._obs_call(s, "SCAN", cur, "COUNT", 100).raw)
                cur = text(node.kids[0]) if len(node.kids) == 2 else b"0"
                if cur == b"0":
                    break

    def _resync_spop(self, argv, a, b):
        """SPOP picked different members on each side: remove from each set
        what the other side popped, so the data is equal again."""
        # An empty member ("") is a member too: test for a null, not for
        # an empty payload.
        pa = {text(k) for k in a.kids} if a.kids else ({text(a)} if a.head is not None else set())
        pb = {text(k) for k in b.kids} if b.kids else ({text(b)} if b.head is not None else set())
        if pa == pb:
            return
        for s, extra in zip(self.sides, (pb - pa, pa - pb)):
            if extra:
                self._obs_select(s, self.state.db)
                self._obs_call(s, "SREM", argv[1], *sorted(extra))

    def _membership(self, side, name, argv):
        s = self.sides[SIDES.index(side)]
        self._obs_select(s, self.state.db)
        if name == b"randomkey":
            q = ("KEYS", "*")
        elif name == b"srandmember":
            q = ("SMEMBERS", argv[1])
        elif name == b"hrandfield":
            q = ("HKEYS", argv[1])
        else:
            q = ("ZRANGE", argv[1], 0, -1)
        node = tree(self._obs_call(s, *q).raw)
        return {text(k) for k in node.kids}

    def _hash_encoding(self, argv):
        s = self.sides[1]
        self._obs_select(s, self.state.db)
        return text(tree(self._obs_call(s, "OBJECT", "ENCODING", argv[1]).raw))

    # ---- whole-dataset comparison ----

    def check_dataset(self):
        """Compare every key of every reachable db (type, TTL presence,
        encoding, value) and the keyspace events since the last check."""
        self.health("dataset")
        if self.notify_on:
            self._check_notifications()
        for db in DBS:
            heads = []
            for s in self.sides:
                s.obs.send(encode_command("SELECT", db) + encode_command("DBSIZE")
                           + encode_command("KEYS", "*"))
                s.obs_db = db
                rs = [s.obs.read_reply().raw for _ in range(3)]
                heads.append(rs)
            (t_sel, t_size, t_keys), (r_sel, r_size, r_keys) = heads
            sel = [] if db == 0 else [f"SELECT {db}"]
            if t_size != r_size:
                raise Failure("dataset", "dbsize", f"db {db}: DBSIZE {t_size!r} vs {r_size!r}",
                              tail=sel + ["DBSIZE", "~ KEYS *"])
            tk, rk = tree(t_keys), tree(r_keys)
            if sorted_kids(tk) != sorted_kids(rk):
                a = {text(k) for k in tk.kids}
                b = {text(k) for k in rk.kids}
                raise Failure("dataset", "keys", f"db {db}: keys only in tern {sorted(a - b)}, "
                                                 f"only in redis {sorted(b - a)}",
                              tail=sel + ["~ KEYS *"])
            for key in sorted(text(k) for k in tk.kids):
                self._compare_key(db, key)

    def _dump(self, s, key):
        s.obs.send(encode_command("TYPE", key) + encode_command("PTTL", key)
                   + encode_command("OBJECT", "ENCODING", key))
        typ, pttl, enc = (s.obs.read_reply().raw for _ in range(3))
        t = text(tree(typ))
        cmds = {b"string": [("GET", key)], b"list": [("LRANGE", key, 0, -1)],
                b"hash": [("HGETALL", key)], b"set": [("SMEMBERS", key)],
                b"zset": [("ZRANGE", key, 0, -1, "WITHSCORES")],
                b"stream": [("XRANGE", key, "-", "+"), ("XINFO", "STREAM", key, "FULL")]}.get(t, [])
        for c in cmds:
            s.obs.send(encode_command(*c))
        vals = [tree(s.obs.read_reply().raw) for _ in cmds]
        return t, as_int(tree(pttl)), text(tree(enc)), vals

    def _compare_key(self, db, key):
        (tt, tp, te, tv), (rt, rp, re_, rv) = (self._dump(s, key) for s in self.sides)
        where = f"db {db} key {key!r}"
        q = quote(key)
        sel = [] if db == 0 else [f"SELECT {db}"]
        dump = {b"string": [f"GET {q}"], b"list": [f"LRANGE {q} 0 -1"],
                b"hash": [f"~ HGETALL {q}"], b"set": [f"~ SMEMBERS {q}"],
                b"zset": [f"ZRANGE {q} 0 -1 WITHSCORES"],
                b"stream": [f"XRANGE {q} - +", f"~ XINFO STREAM {q} FULL"]}.get(rt, [])
        tail = sel + [f"TYPE {q}", f"~ PTTL {q}", f"OBJECT ENCODING {q}"] + dump
        if tt != rt:
            raise Failure("dataset", "type", f"{where}: type {tt!r} vs {rt!r}", tail=tail)
        cls = lambda p: "none" if p == -2 else "persistent" if p == -1 else "volatile"
        if cls(tp) != cls(rp):
            raise Failure("dataset", "ttl", f"{where}: PTTL {tp} vs {rp}", tail=tail)
        if te != re_:
            raise Failure("dataset", "encoding", f"{where} ({tt.decode()}): "
                                                 f"encoding {te!r} vs {re_!r}", tail=tail)
        for j, (a, b) in enumerate(zip(tv, rv)):
            if a.raw == b.raw:
                continue
            if tt == b"set" and sorted_kids(a) == sorted_kids(b):
                continue
            if tt == b"hash" and te == b"hashtable" and pairs(a) == pairs(b):
                continue
            if tt == b"stream" and j == 1 and xmask(a) == xmask(b):
                continue
            raise Failure("dataset", "value", f"{where} ({tt.decode()}): tern {a.raw[:300]!r}\n"
                                              f"        redis {b.raw[:300]!r}", tail=tail)

    def _check_notifications(self):
        self.sentinel += 1
        token = b"sentinel-%d" % self.sentinel
        streams = []
        for s in self.sides:
            s.notify.send(encode_command("PING", token))
            got = []
            while True:
                r = self._read(s, s.notify, "notify")
                if r is None:
                    raise Failure("notify", "notify", f"{s.name} closed the event connection")
                if _is_sentinel(r, token):
                    break
                got.append(r)
            streams.append(got)
        # A key that expired but was still stored is deleted, with an
        # "expired" event, by whatever visits it first; after a SCAN or
        # RANDOMKEY (see _purge_expired) that order is the hash table's.
        # So expiry events are compared as a multiset, the rest in order.
        def is_expiry(r):
            return b"$7\r\nexpired\r\n" in r or b"__keyevent@" in r and b":expired\r\n" in r
        exp = [sorted(r for r in st if is_expiry(r)) for st in streams]
        streams = [[r for r in st if not is_expiry(r)] for st in streams]
        if exp[0] != exp[1]:
            raise Failure("notify", "notify", f"expired events differ: tern {len(exp[0])}, "
                                              f"redis {len(exp[1])}: {exp[0][:2]!r} vs {exp[1][:2]!r}")
        if streams[0] != streams[1]:
            a, b = streams
            j = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
            raise Failure("notify", "notify",
                          f"keyspace events differ at event {j}: tern {a[j:j + 3]!r} "
                          f"redis {b[j:j + 3]!r} ({len(a)} vs {len(b)} events)")


def _is_sentinel(raw, token):
    return raw.endswith(b"\r\n" + token + b"\r\n") and (
        raw.startswith(b"$") or raw.startswith(b"*2\r\n$4\r\npong"))


def argv_cursor(argv):
    name = argv[0].lower()
    idx = 1 if name == b"scan" else 2
    return argv[idx] if len(argv) > idx else None
