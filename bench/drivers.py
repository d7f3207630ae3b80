"""Raw-socket workloads for bench/run.py, where redis-benchmark cannot help.

- Datasets: `dataset(name, count)` builds the RESP bytes of a memory-test
  or preload dataset once, as (chunk, commands) pairs, so that both servers
  receive byte-identical data; `pipeline()` sends them and checks replies.
- `refill_zpop()` restores the members that ZPOPMIN runs removed.
- `transactions()`: N connections, each looping MULTI, 5x INCR, EXEC and
  waiting for its 12 reply lines; transactions per second.
- `fanout()`: 1 publisher and N subscribers on one channel; messages
  delivered per second (one message reaching one subscriber counts once).

Everything is single-threaded over epoll, reads with large buffers and
counts replies by byte patterns (newlines, message-frame prefixes) rather
than parsing them, to keep the Python side's cost per operation low.  Only single-line replies (+OK, :n) are pipelined
blindly; a line starting with '-' anywhere is reported as DriverError.
The drivers also return the server's CPU use over the timed window
(user+system, from /proc) so a run that the client, not the server,
limited shows up as a server below ~90 %.
"""

import os
import select
import socket
import time
from collections import namedtuple

from support.resp import ErrorReply, RawConn  # run.py puts tests/ on sys.path

CHUNK_COMMANDS = 1000
CHUNK_BYTES = 1 << 20
CLK_TCK = os.sysconf("SC_CLK_TCK")


class DriverError(Exception):
    pass


def resp(*args):
    """Encode one command (str, bytes or int arguments) as a RESP array."""
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if not isinstance(a, bytes):
            a = str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def _bulk(b):
    return b"$%d\r\n%s\r\n" % (len(b), b)


def cpu_seconds(pid):
    """User+system CPU seconds used so far by process `pid` (all threads)."""
    with open(f"/proc/{pid}/stat", "rb") as f:
        fields = f.read().rsplit(b")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def _chunks(commands):
    """Group encoded commands into (bytes, n) chunks of at most
    CHUNK_COMMANDS commands or about CHUNK_BYTES bytes."""
    out, batch, size = [], [], 0
    for c in commands:
        batch.append(c)
        size += len(c)
        if len(batch) == CHUNK_COMMANDS or size >= CHUNK_BYTES:
            out.append((b"".join(batch), len(batch)))
            batch, size = [], 0
    if batch:
        out.append((b"".join(batch), len(batch)))
    return out


def _zadd_commands(key, count, name_fmt=b"member:%012d", per_command=500):
    """ZADD `key` members name_fmt % i with score i, for i in 0..count-1."""
    key = _bulk(key)
    name_len = len(name_fmt % 0)
    for s in range(0, count, per_command):
        e = min(count, s + per_command)
        yield (b"*%d\r\n$4\r\nZADD\r\n%s" % (2 + 2 * (e - s), key) +
               b"".join(b"$%d\r\n%d\r\n$%d\r\n%s\r\n" % (len(b"%d" % i), i, name_len, name_fmt % i)
                        for i in range(s, e)))


Dataset = namedtuple("Dataset", "chunks sample_key size_command expected_size")

# The analytics suite's datasets: fixed sizes, whatever the count asked.
BITMAP_KEY = "bench:bitmap"
HLL_KEYS = ["bench:hll:%d" % j for j in range(10)]
GEO_KEY, GEO_GRID = "bench:geoidx", 316
GEO_RADIUS_KM = "1.54"  # 99 grid points around (13.5, 52.5)
SORT_KEY, SORT_IDS = "bench:ids", 1000
FIXED_DATASETS = ("bitmap1mb", "hll10", "geogrid", "sortids")


def _lcg(seed):
    """Deterministic pseudo-random 32-bit numbers (identical loads)."""
    x = seed
    while True:
        x = (x * 6364136223846793005 + 1442695040888963407) % (1 << 64)
        yield x >> 32


def _fixed_dataset(name):
    if name == "bitmap1mb":  # one 1 MiB string of pseudo-random bytes
        rnd = _lcg(1)
        value = b"".join(next(rnd).to_bytes(4, "little") for _ in range(1 << 18))
        return Dataset([(resp("SET", BITMAP_KEY, value), 1)], BITMAP_KEY,
                       ["STRLEN", BITMAP_KEY], 1 << 20)
    if name == "hll10":  # ten dense sketches of 20,000 elements, half shared
        cmds = []
        for j, key in enumerate(HLL_KEYS):
            for s in range(0, 20000, 1000):
                cmds.append(resp("PFADD", key, *(b"e:%d" % (j * 10000 + i)
                                                 for i in range(s, s + 1000))))
        return Dataset(_chunks(cmds), HLL_KEYS[0], ["EXISTS"] + HLL_KEYS, len(HLL_KEYS))
    if name == "geogrid":  # a 316 x 316 grid over 13..14 E, 52..53 N
        pts = [(13 + x / GEO_GRID, 52 + y / GEO_GRID)
               for x in range(GEO_GRID) for y in range(GEO_GRID)]
        cmds = []
        for s in range(0, len(pts), 500):
            args = []
            for i, (lon, lat) in enumerate(pts[s:s + 500], s):
                args += [b"%.6f" % lon, b"%.6f" % lat, b"p:%d" % i]
            cmds.append(resp("GEOADD", GEO_KEY, *args))
        return Dataset(_chunks(cmds), GEO_KEY, ["ZCARD", GEO_KEY], len(pts))
    if name == "sortids":  # ids 1..1000 in a list, a weight per id in a hash
        rnd = _lcg(2)
        cmds = [resp("RPUSH", SORT_KEY, *(b"%d" % i for i in range(1, SORT_IDS + 1)))]
        cmds += [resp("HSET", b"bench:w:%d" % i, "weight", b"%d" % (next(rnd) % 100000))
                 for i in range(1, SORT_IDS + 1)]
        return Dataset(_chunks(cmds), SORT_KEY, ["LLEN", SORT_KEY], SORT_IDS)
    raise ValueError(f"unknown dataset {name!r}")


def dataset(name, count):
    """Build the RESP payload of dataset `name` with `count` items, once,
    so that both servers get identical bytes.

    Returns a Dataset: `chunks` is a list of (bytes, number of commands),
    every command having a one-line reply; `size_command` (a list) sent
    after loading must reply `expected_size`; `sample_key` is one key to
    ask OBJECT ENCODING about.  Names: strings, hashes, sets, list, zset
    (the memory tests) and zpreload:KEY (data of the zset throughput tests:
    members member:%012d, the form redis-benchmark gives member:__rand_int__,
    with score i).
    """
    if name == "strings":  # 16-byte names, 32-byte values
        cmds = (b"*3\r\n$3\r\nSET\r\n$16\r\nkey:%012d\r\n$32\r\nval:%028d\r\n" % (i, i)
                for i in range(count))
        return Dataset(_chunks(cmds), "key:000000000000", ["DBSIZE"], count)
    if name == "hashes":  # 10 fields f0..f9 with 8-byte, non-numeric values
        def hset(i):
            fields = b"".join(b"$2\r\nf%d\r\n$8\r\nv:%06d\r\n" % (j, (i * 10 + j) % 1000000)
                              for j in range(10))
            return b"*22\r\n$4\r\nHSET\r\n$15\r\nhash:%010d\r\n" % i + fields
        return Dataset(_chunks(hset(i) for i in range(count)), "hash:0000000000",
                       ["DBSIZE"], count)
    if name == "sets":  # 10 distinct integers each
        def sadd(i):
            members = b"".join(_bulk(b"%d" % (i * 10 + j)) for j in range(10))
            return b"*12\r\n$4\r\nSADD\r\n$14\r\nset:%010d\r\n" % i + members
        return Dataset(_chunks(sadd(i) for i in range(count)), "set:0000000000",
                       ["DBSIZE"], count)
    if name == "list":  # one list of 12-byte items, 1000 per RPUSH
        def rpush(s, e):
            items = b"".join(b"$12\r\nitem:%07d\r\n" % i for i in range(s, e))
            return b"*%d\r\n$5\r\nRPUSH\r\n$7\r\nbiglist\r\n" % (2 + e - s) + items
        cmds = (rpush(s, min(count, s + 1000)) for s in range(0, count, 1000))
        return Dataset(_chunks(cmds), "biglist", ["LLEN", "biglist"], count)
    if name == "zset":  # one zset of 16-byte member names, integer scores
        cmds = _zadd_commands(b"bigzset", count, b"member:%09d")
        return Dataset(_chunks(cmds), "bigzset", ["ZCARD", "bigzset"], count)
    if name in FIXED_DATASETS:
        return _fixed_dataset(name)
    if name.startswith("zpreload:"):
        key = name.split(":", 1)[1]
        return Dataset(_chunks(_zadd_commands(key.encode(), count)), key, ["ZCARD", key], count)
    raise ValueError(f"unknown dataset {name!r}")


def _first_error(replies):
    """The first line of `replies` that is an error reply, or None."""
    if replies.startswith(b"-"):
        at = 0
    else:
        at = replies.find(b"\n-") + 1
        if at == 0:
            return None
    end = replies.find(b"\r\n", at)
    return replies[at:end if end >= 0 else None].decode(errors="replace")


def pipeline(host, port, chunks, timeout=120.0):
    """Send `chunks` ((bytes, n) pairs) on one connection, two chunks in
    flight, and wait for every one-line reply.  Raises DriverError on an
    error reply or a closed connection."""
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if chunks:
            sock.sendall(chunks[0][0])
        expected = lines = 0
        for k, (_, n) in enumerate(chunks):
            if k + 1 < len(chunks):
                sock.sendall(chunks[k + 1][0])
            expected += n
            while lines < expected:
                data = sock.recv(1 << 16)
                if not data:
                    raise DriverError(f"connection closed after {k} of {len(chunks)} batches")
                if data[:1] == b"-" or b"\n-" in data:
                    raise DriverError(f"error reply while loading: {_first_error(data)}")
                lines += data.count(b"\n")


def _call(host, port, *args):
    with RawConn(host, port, timeout=30) as conn:
        reply = conn.call(*args)
    if isinstance(reply, ErrorReply):
        raise DriverError(f"{' '.join(map(str, args))}: {reply.decode(errors='replace')}")
    return reply


def refill_zpop(host, port, key, size):
    """Put back the members of zset `key` that ZPOPMIN removed, so it again
    holds members 0..size-1 (score i).  ZPOPMIN takes the lowest scores, so
    the missing members are exactly 0..size-ZCARD-1."""
    missing = size - _call(host, port, "ZCARD", key)
    if missing > 0:
        pipeline(host, port, _chunks(_zadd_commands(key.encode(), missing)))
    return missing


def _connect(host, port, n):
    socks = []
    try:
        for _ in range(n):
            s = socket.create_connection((host, port), timeout=10)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            socks.append(s)
    except OSError as e:
        for s in socks:
            s.close()
        raise DriverError(f"connection {len(socks) + 1} of {n} failed: {e}") from None
    return socks


def transactions(host, port, pid, seconds, conns=50, depth=1, incrs=5):
    """Run MULTI, `incrs` x INCR, EXEC on `conns` connections for `seconds`.
    Each connection writes `depth` transactions at once and waits for all
    their replies (12 lines each for 5 INCRs) before the next write, as
    redis-benchmark -P does.  Returns (transactions/s, server CPU fraction).
    Checks at the end that the counters grew by exactly the number of
    transactions sent."""
    keys = [f"bench:tx:{j}" for j in range(incrs)]
    burst = (resp("MULTI") + b"".join(resp("INCR", k) for k in keys) + resp("EXEC")) * depth
    lines = (2 + 2 * incrs) * depth  # +OK, +QUEUED x incrs, *incrs, :n x incrs
    base = _call(host, port, "INCRBY", keys[0], 0)
    socks = _connect(host, port, conns)
    ep = select.epoll()
    try:
        by_fd = {}
        for s in socks:
            s.setblocking(False)
            by_fd[s.fileno()] = s
            ep.register(s.fileno(), select.EPOLLIN)
        left = dict.fromkeys(by_fd, lines)
        cpu0 = cpu_seconds(pid)
        t0 = time.monotonic()
        for s in socks:
            s.sendall(burst)
        bursts, done, inflight = conns, 0, conns
        t_end = t0 + seconds
        sending = True
        while inflight:
            for fd, _ in ep.poll(0.05):
                data = by_fd[fd].recv(1 << 16)
                if not data:
                    raise DriverError("server closed a connection")
                if data[:1] == b"-" or b"\n-" in data:
                    raise DriverError("error reply: " + _first_error(data))
                n = left[fd] - data.count(b"\n")
                if n == 0:
                    if sending:
                        done += depth
                        by_fd[fd].sendall(burst)
                        bursts += 1
                        n = lines
                    else:
                        inflight -= 1
                elif n < 0:
                    raise DriverError("more reply lines than expected")
                left[fd] = n
            if sending and time.monotonic() >= t_end:
                sending = False
                elapsed = time.monotonic() - t0
                cpu = cpu_seconds(pid) - cpu0
    finally:
        ep.close()
        for s in socks:
            s.close()
    grown = _call(host, port, "INCRBY", keys[0], 0) - base
    if grown != bursts * depth:
        raise DriverError(f"{bursts * depth} transactions sent but {keys[0]} grew by {grown}")
    return done / elapsed, cpu / elapsed


def fanout(host, port, pid, seconds, subscribers, payload=64, batch=256, window=1024):
    """Publish `payload`-byte messages on one channel with `subscribers`
    subscribed, for `seconds` after a short warm-up, keeping at most
    `window` messages per subscriber unread (so the server's output buffers
    stay small) and publishing `batch` PUBLISHes per write.  Returns
    (messages delivered per second over all subscribers, server CPU
    fraction)."""
    chan = b"bench:fanout:%d" % time.monotonic_ns()
    prefix = b"$7\r\nmessage\r\n" + _bulk(chan)
    tail_len = len(prefix) - 1
    confirm = len(b"*3\r\n" + _bulk(b"subscribe") + _bulk(chan) + b":1\r\n")
    msg = resp("PUBLISH", chan, b"x" * payload)
    subs = _connect(host, port, subscribers)
    pub = None
    ep = select.epoll()
    try:
        for s in subs:
            s.sendall(resp("SUBSCRIBE", chan))
        by_fd, tails = {}, {}
        for s in subs:
            s.setblocking(False)
            by_fd[s.fileno()] = s
            tails[s.fileno()] = b""
            ep.register(s.fileno(), select.EPOLLIN)
        # wait for every subscription confirmation
        need = dict.fromkeys(by_fd, confirm)
        deadline = time.monotonic() + 20
        while need:
            if time.monotonic() > deadline:
                raise DriverError(f"{len(need)} of {subscribers} SUBSCRIBEs unconfirmed after 20s")
            for fd, _ in ep.poll(0.1):
                data = by_fd[fd].recv(1 << 16)
                if not data or data[:1] == b"-":
                    raise DriverError(f"SUBSCRIBE failed: {data[:100]!r}")
                need[fd] -= len(data)
                if need[fd] <= 0:
                    del need[fd]
        pub = socket.create_connection((host, port), timeout=10)
        pub.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        pub.sendall(msg)
        first = pub.recv(100)
        if first != b":%d\r\n" % subscribers:
            raise DriverError(f"PUBLISH to {subscribers} subscribers replied {first!r}")
        pub.setblocking(False)
        pub_fd = pub.fileno()
        ep.register(pub_fd, select.EPOLLIN)
        burst = msg * batch
        buf = bytearray(1 << 18)  # one large receive buffer, reused
        published, delivered = 1, 0
        out = b""
        t_start = time.monotonic() + min(0.2, seconds / 4)
        t_end = t_start + seconds
        mark = None
        while True:
            now = time.monotonic()
            if mark is None and now >= t_start:
                mark = (now, delivered, cpu_seconds(pid))
            if now >= t_end:
                break
            if not out and published - delivered // subscribers + batch <= window:
                out = burst
                published += batch
            if out:
                try:
                    out = out[pub.send(out):]
                except BlockingIOError:
                    pass
            for fd, _ in ep.poll(0 if not out and published - delivered // subscribers
                                 + batch <= window else 0.01):
                if fd == pub_fd:
                    data = pub.recv(1 << 16)
                    if not data or b"-" in data:
                        raise DriverError(f"publisher got {data[:100]!r}")
                    continue
                n = by_fd[fd].recv_into(buf)
                if not n:
                    raise DriverError("server closed a subscriber connection")
                # frames split across two reads are found in the old tail
                # plus the new head; neither alone can hold a whole prefix
                tail = tails[fd]
                delivered += buf.count(prefix, 0, n) + (tail + buf[:tail_len]).count(prefix)
                tails[fd] = (tail + buf[:n])[-tail_len:] if n < tail_len else bytes(buf[n - tail_len:n])
        now = time.monotonic()
        elapsed = now - mark[0]
        return (delivered - mark[1]) / elapsed, (cpu_seconds(pid) - mark[2]) / elapsed
    finally:
        ep.close()
        if pub is not None:
            pub.close()
        for s in subs:
            s.close()
