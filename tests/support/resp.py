"""RESP2/RESP3 over a raw socket, for tests that need exact bytes.

`RawConn` sends arbitrary bytes and reads exactly one complete reply at a
time, returning a `Reply` with both the parsed value and the exact bytes the
server sent for it.  The parser reads from a buffer that it refills on
demand, so a reply split across many TCP segments costs linear time.

Parsed values:
    +OK            SimpleString(b"OK")          (a bytes subclass)
    -ERR x / !N    ErrorReply(b"ERR x") / BlobError   (bytes subclasses, never raised)
    :N / (N        int / BigNumber(int)
    $N / =N        bytes / Verbatim(bytes) with .format (b"txt", b"mkd")
    $-1 *-1 _      None
    ,1.5 / #t      float / bool
    *N ~N >N       list / RespSet(list) / Push(list)  (order kept as sent)
    %N             dict (unhashable keys are frozen to tuples)
    |N             WithAttributes(attributes=dict, value=<the reply that follows>)

`shape(raw)` renders just the types and aggregate sizes of a reply, e.g.
`*2[$,$]` or `%1{$ :}`, used where values legitimately differ (TIME, INFO,
CLIENT ID).
"""

import socket
import time
from collections import namedtuple

CRLF = b"\r\n"


class SimpleString(bytes):
    """A `+` status reply."""


class ErrorReply(bytes):
    """A `-` error reply; `.code` is its first word (ERR, WRONGTYPE, ...)."""

    @property
    def code(self):
        return self.split(b" ", 1)[0]


class BlobError(ErrorReply):
    """A RESP3 `!` blob error."""


class BigNumber(int):
    """A RESP3 `(` big number."""


class Verbatim(bytes):
    """A RESP3 `=` verbatim string; the 3-byte format prefix is in `.format`."""

    format = b""


class RespSet(list):
    """A RESP3 `~` set, kept as a list in the order the server sent it."""


class Push(list):
    """A RESP3 `>` out-of-band push message."""


WithAttributes = namedtuple("WithAttributes", "attributes value")

Reply = namedtuple("Reply", "value raw")
Reply.__doc__ = "One complete reply: the parsed `value` and the exact `raw` bytes."


class ProtocolError(Exception):
    """The server sent bytes that are not valid RESP."""


class ConnectionClosed(Exception):
    """The peer closed the connection; `.partial` holds bytes of an unfinished reply."""

    def __init__(self, message, partial=b""):
        super().__init__(message)
        self.partial = partial


class ReplyTimeout(TimeoutError):
    """No complete reply within the timeout; `.partial` holds what did arrive."""

    def __init__(self, message, partial=b""):
        super().__init__(message)
        self.partial = partial


class _Incomplete(Exception):
    pass


def _as_bytes(arg):
    if isinstance(arg, (bytes, bytearray, memoryview)):
        return bytes(arg)
    if isinstance(arg, str):
        return arg.encode()
    if isinstance(arg, bool):
        raise TypeError("refusing to encode a bool as a command argument")
    if isinstance(arg, (int, float)):
        return repr(arg).encode()
    raise TypeError(f"cannot encode {type(arg).__name__} as a command argument")


def encode_command(*args):
    """Return `args` (str, bytes, int or float each) as one RESP multibulk request."""
    parts = [b"*%d\r\n" % len(args)]
    for arg in args:
        b = _as_bytes(arg)
        parts.append(b"$%d\r\n" % len(b))
        parts.append(b)
        parts.append(CRLF)
    return b"".join(parts)


class _Buffer:
    """Bytes received but not yet consumed, refilled through `fill()`.

    `fill()` appends more data or raises; parsing functions only advance
    `pos`, so a caller can slice out the raw bytes of what was parsed.
    """

    def __init__(self, data=b"", fill=None):
        self.data = bytearray(data)
        self.pos = 0
        self._fill = fill

    def more(self):
        if self._fill is None:
            raise _Incomplete()
        self._fill(self)

    def line(self):
        while True:
            end = self.data.find(CRLF, self.pos)
            if end >= 0:
                out = bytes(self.data[self.pos : end])
                self.pos = end + 2
                return out
            self.more()

    def take(self, n):
        while len(self.data) - self.pos < n:
            self.more()
        out = bytes(self.data[self.pos : self.pos + n])
        self.pos += n
        return out

    def compact(self):
        if self.pos:
            del self.data[: self.pos]
            self.pos = 0


def _int(text, what):
    try:
        return int(text)
    except ValueError:
        raise ProtocolError(f"bad {what}: {text!r}") from None


def _bulk_body(buf, n):
    body = buf.take(n + 2)
    if body[-2:] != CRLF:
        raise ProtocolError(f"bulk of length {n} not followed by CRLF: {body[-2:]!r}")
    return body[:-2]


def _freeze(v):
    if isinstance(v, list):
        return tuple(_freeze(x) for x in v)
    if isinstance(v, dict):
        return tuple((_freeze(k), _freeze(x)) for k, x in v.items())
    return v


def _parse(buf):
    line = buf.line()
    if not line:
        raise ProtocolError("empty line where a reply type was expected")
    t, rest = line[:1], line[1:]
    if t == b"+":
        return SimpleString(rest)
    if t == b"-":
        return ErrorReply(rest)
    if t == b":":
        return _int(rest, "integer")
    if t == b"(":
        return BigNumber(_int(rest, "big number"))
    if t == b"_":
        if rest:
            raise ProtocolError(f"null with payload: {line!r}")
        return None
    if t == b",":
        try:
            return float(rest)
        except ValueError:
            raise ProtocolError(f"bad double: {rest!r}") from None
    if t == b"#":
        if rest not in (b"t", b"f"):
            raise ProtocolError(f"bad boolean: {line!r}")
        return rest == b"t"
    if t in (b"$", b"!", b"="):
        n = _int(rest, "bulk length")
        if n == -1 and t == b"$":
            return None
        if n < 0:
            raise ProtocolError(f"bad bulk length: {line!r}")
        body = _bulk_body(buf, n)
        if t == b"$":
            return body
        if t == b"!":
            return BlobError(body)
        if len(body) < 4 or body[3:4] != b":":
            raise ProtocolError(f"verbatim string without format prefix: {body[:8]!r}")
        v = Verbatim(body[4:])
        v.format = body[:3]
        return v
    if t in (b"*", b"~", b">"):
        n = _int(rest, "aggregate length")
        if n == -1 and t == b"*":
            return None
        if n < 0:
            raise ProtocolError(f"bad aggregate length: {line!r}")
        items = [_parse(buf) for _ in range(n)]
        return items if t == b"*" else RespSet(items) if t == b"~" else Push(items)
    if t in (b"%", b"|"):
        n = _int(rest, "map length")
        if n < 0:
            raise ProtocolError(f"bad map length: {line!r}")
        m = {}
        for _ in range(n):
            k = _parse(buf)
            try:
                hash(k)
            except TypeError:
                k = _freeze(k)
            m[k] = _parse(buf)
        if t == b"%":
            return m
        return WithAttributes(m, _parse(buf))
    raise ProtocolError(f"unknown reply type byte {t!r} in line {line!r}")


def _shape(buf):
    line = buf.line()
    t, rest = line[:1], line[1:]
    if t in (b"+", b"-", b":", b"(", b"_", b",", b"#"):
        return t.decode()
    if t in (b"$", b"!", b"="):
        n = _int(rest, "bulk length")
        if n < 0:
            return t.decode() + "-1"
        _bulk_body(buf, n)
        return t.decode()
    if t in (b"*", b"~", b">"):
        n = _int(rest, "aggregate length")
        if n < 0:
            return t.decode() + "-1"
        return "%s%d[%s]" % (t.decode(), n, ",".join(_shape(buf) for _ in range(n)))
    if t in (b"%", b"|"):
        n = _int(rest, "map length")
        pairs = ", ".join("%s %s" % (_shape(buf), _shape(buf)) for _ in range(n))
        out = "%s%d{%s}" % (t.decode(), n, pairs)
        return out + _shape(buf) if t == b"|" else out
    raise ProtocolError(f"unknown reply type byte {t!r} in line {line!r}")


def parse(data):
    """Parse one reply from the start of `data`; return (Reply, bytes_used).

    Raises ValueError if `data` holds less than one complete reply, and
    ProtocolError if it is not RESP.
    """
    buf = _Buffer(data)
    try:
        value = _parse(buf)
    except _Incomplete:
        raise ValueError("incomplete reply") from None
    return Reply(value, bytes(buf.data[: buf.pos])), buf.pos


def shape(raw):
    """Return the type/shape signature of the complete reply in `raw`.

    Scalars render as their type byte (`+`, `:`, `$`, ...), nulls as `$-1`,
    `*-1` or `_`, aggregates as type, length and members: `*2[$,:]`;
    map pairs as `key value`: `%2{$ :, $ *0[]}`.
    """
    buf = _Buffer(raw)
    try:
        out = _shape(buf)
    except _Incomplete:
        raise ValueError("incomplete reply") from None
    if buf.pos != len(buf.data):
        raise ValueError("trailing bytes after the reply")
    return out


class RawConn:
    """A plain TCP connection that speaks RESP byte for byte.

    Every read waits at most `timeout` seconds for a complete reply and then
    raises ReplyTimeout; a peer close raises ConnectionClosed.  Replies that
    arrive back to back (pipelining) are buffered, never lost.
    """

    def __init__(self, host, port, timeout=5.0):
        self.host, self.port, self.timeout = host, port, timeout
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._buf = _Buffer(fill=self._recv_into)
        self._deadline = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def send(self, data):
        """Write all of `data` (bytes) to the socket."""
        try:
            self.sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError) as e:
            raise ConnectionClosed(f"send failed: {e}") from None

    def send_command(self, *args):
        """Send `args` as one RESP multibulk request."""
        self.send(encode_command(*args))

    def _pending(self):
        return bytes(self._buf.data[self._start :])

    def _recv_into(self, buf):
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            raise ReplyTimeout(
                f"no complete reply within {self._timeout_used}s", self._pending()
            )
        self.sock.settimeout(remaining)
        try:
            chunk = self.sock.recv(1 << 16)
        except socket.timeout:
            raise ReplyTimeout(
                f"no complete reply within {self._timeout_used}s", self._pending()
            ) from None
        except ConnectionResetError:
            chunk = b""
        if not chunk:
            raise ConnectionClosed("connection closed by peer", self._pending())
        buf.data += chunk

    def read_reply(self, timeout=None):
        """Read exactly one complete reply and return it as a Reply(value, raw)."""
        self._timeout_used = self.timeout if timeout is None else timeout
        self._deadline = time.monotonic() + self._timeout_used
        buf = self._buf
        if buf.pos > (1 << 16) or buf.pos == len(buf.data):
            buf.compact()
        self._start = buf.pos
        try:
            value = _parse(buf)
        except Exception:
            buf.pos = self._start  # keep the unfinished bytes for a retry
            raise
        return Reply(value, bytes(buf.data[self._start : buf.pos]))

    def call(self, *args, timeout=None):
        """Send one command and return its parsed reply value."""
        self.send_command(*args)
        return self.read_reply(timeout).value

    def wait_closed(self, timeout=2.0):
        """Wait for the peer to close; return True if it did, False on timeout.

        Raises ProtocolError if the peer sends more bytes instead of closing.
        """
        if len(self._buf.data) > self._buf.pos:
            raise ProtocolError(f"unread data instead of a close: {self._pending_all()!r}")
        self.sock.settimeout(timeout)
        try:
            chunk = self.sock.recv(1 << 16)
        except socket.timeout:
            return False
        except ConnectionResetError:
            return True
        if chunk:
            raise ProtocolError(f"data instead of a close: {chunk[:200]!r}")
        return True

    def _pending_all(self):
        return bytes(self._buf.data[self._buf.pos :])
