"""Start and stop server processes (tern or the reference redis-server).

`start_server(binary, args)` runs `binary [config] --bind 127.0.0.1 --port P
--dir TMP <args>` in a fresh temp dir with stdout+stderr captured to
TMP/server.log, waits until the port answers a PING with any complete reply
(NOAUTH counts, LOADING does not) from a socket that the new process itself
owns, and returns a `Server`.  A port lost to a race with another process
is retried on a new port.

`Server.stop()` sends SIGTERM, then SIGKILL after a grace period, and
returns a list of problems: a crash or other bad exit status, a shutdown
hang, and (when `sanitized`) any AddressSanitizer, LeakSanitizer or UBSan
report in the log.  `Server.check()` does the cheap part of that
while the server runs, for use after every test.

Every started server is in LIVE until stopped; an atexit hook kills the
leftovers so an interrupted run does not leak processes.
"""

import atexit
import os
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import time

from support.resp import RawConn, ErrorReply, ConnectionClosed, ReplyTimeout, encode_command

REFERENCE_BINARY = os.environ.get("TERN_REF_SERVER", "/usr/bin/redis-server")

# Arguments every test server gets after --bind/--port/--dir: no persistence,
# so tests never fork or write. Both sides must accept these.
# DEBUG is allowed on both sides so differential scripts may use it.
COMMON_ARGS = ["--save", "", "--appendonly", "no", "--enable-debug-command", "yes"]
# Extra arguments for tern only, e.g. TERN_EXTRA_ARGS="--loglevel verbose".
TERN_ARGS = COMMON_ARGS + shlex.split(os.environ.get("TERN_EXTRA_ARGS", ""))
REFERENCE_ARGS = COMMON_ARGS

SANITIZER_MARKERS = ("AddressSanitizer", "LeakSanitizer", "runtime error:")

LIVE = []


class ServerError(Exception):
    """A server failed to start."""


def free_port():
    """Return a TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _listen_inodes(port):
    """Socket inodes listening on `port`, or None if /proc/net is unreadable."""
    inodes, readable = set(), False
    for path in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(path) as f:
                lines = f.read().splitlines()[1:]
        except OSError:
            continue
        readable = True
        for ln in lines:
            fields = ln.split()
            if len(fields) > 9 and fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(fields[9])
    return inodes if readable else None


def _owns_listener(pid, port):
    """True if process `pid` holds a socket listening on `port` (True if unknowable)."""
    inodes = _listen_inodes(port)
    if inodes is None:
        return True
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return True
    for fd in fds:
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:[") and target[8:-1] in inodes:
            return True
    return False


def _tail(text, lines=40):
    return "\n".join(text.splitlines()[-lines:])


def sanitizer_report(text, max_chars=20000):
    """Return the part of a log from the first sanitizer marker on, or ''."""
    first = min((i for i in (text.find(m) for m in SANITIZER_MARKERS) if i >= 0), default=-1)
    if first < 0:
        return ""
    start = text.rfind("\n", 0, first) + 1
    report = text[start:]
    if len(report) > max_chars:
        report = report[:max_chars] + "\n... (truncated, see the log)"
    return report


class Server:
    """A running server process.

    Attributes: name, binary, port, pid, tmpdir, log_path, argv, sanitized.
    """

    host = "127.0.0.1"

    def __init__(self, name, binary, argv, port, proc, tmpdir, log_path, log_file, sanitized):
        self.name, self.binary, self.argv = name, binary, argv
        self.port, self.proc, self.pid = port, proc, proc.pid
        self.tmpdir, self.log_path, self._log_file = tmpdir, log_path, log_file
        self.sanitized = sanitized
        self._checked_upto = 0
        self._reported_exit = False
        self._keep_files = False
        self._clients = []

    def __repr__(self):
        return f"<Server {self.name} pid={self.pid} port={self.port}>"

    def client(self, decode_responses=True, **kwargs):
        """Return a new redis-py client for this server (closed at stop())."""
        import redis

        kwargs.setdefault("socket_timeout", 10)
        c = redis.Redis(host=self.host, port=self.port, decode_responses=decode_responses, **kwargs)
        self._clients.append(c)
        return c

    def raw(self, timeout=5.0):
        """Return a new connected RawConn (see support.resp)."""
        return RawConn(self.host, self.port, timeout=timeout)

    def log(self, start=0):
        """The captured stdout+stderr so far, from byte offset `start`, as text."""
        try:
            with open(self.log_path, "rb") as f:
                f.seek(start)
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def alive(self):
        return self.proc.poll() is None

    def check(self):
        """Return a problem description if the server died badly or logged a
        sanitizer report since the last check; '' if all is well.

        A clean exit (status 0, e.g. after SHUTDOWN) is not a problem.
        """
        problems = []
        rc = self.proc.poll()
        if rc is not None and rc != 0 and not self._reported_exit:
            self._reported_exit = True
            problems.append(f"{self.name} (pid {self.pid}) exited unexpectedly: {describe_exit(rc)}")
        if self.sanitized:
            try:
                size = os.path.getsize(self.log_path)
            except OSError:
                size = 0
            if size > self._checked_upto:
                report = sanitizer_report(self.log(self._checked_upto))
                self._checked_upto = size
                if report:
                    problems.append(f"sanitizer report in {self.log_path}:\n{report}")
        if problems and not any("sanitizer" in p for p in problems):
            problems.append(f"last lines of {self.log_path}:\n{_tail(self.log())}")
        self._keep_files |= bool(problems)
        return "\n".join(problems)

    def stop(self, grace=None):
        """Stop the server and return a list of problems (empty if none).

        The temp dir is removed when there are no problems and kept (its
        path is in the messages) otherwise.
        """
        if grace is None:
            grace = 30.0 if self.sanitized else 10.0
        for c in self._clients:
            try:
                c.close()
            except Exception:
                pass
        problems = []
        was_running = self.proc.poll() is None
        if was_running:
            try:
                os.kill(self.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(grace)
            except subprocess.TimeoutExpired:
                os.kill(self.pid, signal.SIGKILL)
                self.proc.wait()
                problems.append(f"{self.name} (pid {self.pid}) ignored SIGTERM for {grace}s; killed")
        rc = self.proc.returncode
        if not self._reported_exit and rc not in (0, -signal.SIGTERM, -signal.SIGKILL):
            problems.append(f"{self.name} (pid {self.pid}) exited badly: {describe_exit(rc)}")
        self._log_file.close()
        if self.sanitized:
            report = sanitizer_report(self.log(self._checked_upto))  # not reported yet
            if report:
                problems.append(f"sanitizer report in {self.log_path}:\n{report}")
        if self in LIVE:
            LIVE.remove(self)
        if problems:
            problems.append(f"server files kept in {self.tmpdir}")
        if not (problems or self._keep_files):
            shutil.rmtree(self.tmpdir, ignore_errors=True)
        return problems


def describe_exit(rc):
    """Say how a process with returncode `rc` ended, e.g. 'killed by SIGSEGV'."""
    if rc is None:
        return "still running"
    if rc < 0:
        try:
            return f"killed by {signal.Signals(-rc).name}"
        except ValueError:
            return f"killed by signal {-rc}"
    return f"exit status {rc}"


def _probe(port, timeout):
    """One PING attempt: 'ready', 'loading' or 'down'."""
    try:
        conn = RawConn("127.0.0.1", port, timeout=timeout)
    except OSError:
        return "down"
    try:
        conn.send(encode_command("PING"))
        reply = conn.read_reply(timeout)
    except (ConnectionClosed, ReplyTimeout, OSError):
        return "down"
    finally:
        conn.close()
    if isinstance(reply.value, ErrorReply) and reply.value.startswith(b"LOADING"):
        return "loading"
    return "ready"


def start_server(binary, args=(), *, name=None, config=None, sanitized=False, env=None,
                 ready_timeout=None, attempts=3):
    """Start `binary` on a free loopback port and wait until it answers PING.

    `args` are appended after `--bind 127.0.0.1 --port P --dir TMP`, so they
    can override anything but the port.  `config`, if given, is written to
    TMP/server.conf and passed as the first argument.  `sanitized` turns on
    sanitizer-report scanning and longer timeouts.  `env` entries are added
    to the environment.  Raises ServerError, with the log tail, if the
    process exits or stays silent past `ready_timeout` seconds.
    """
    name = name or os.path.basename(binary)
    if ready_timeout is None:
        ready_timeout = 60.0 if sanitized else 20.0
    child_env = dict(os.environ)
    if sanitized:
        child_env.setdefault("ASAN_OPTIONS", "detect_leaks=1:halt_on_error=1")
        child_env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
    child_env.update(env or {})
    last_error = None
    for _ in range(attempts):
        tmpdir = tempfile.mkdtemp(prefix=f"{name}-")
        argv = [binary]
        if config is not None:
            conf = os.path.join(tmpdir, "server.conf")
            with open(conf, "w") as f:
                f.write(config)
            argv.append(conf)
        port = free_port()
        argv += ["--bind", "127.0.0.1", "--port", str(port), "--dir", tmpdir] + [str(a) for a in args]
        log_path = os.path.join(tmpdir, "server.log")
        log_file = open(log_path, "wb")
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log_file,
                                stderr=subprocess.STDOUT, cwd=tmpdir, env=child_env,
                                start_new_session=True)
        server = Server(name, binary, argv, port, proc, tmpdir, log_path, log_file, sanitized)
        LIVE.append(server)
        deadline = time.monotonic() + ready_timeout
        delay = 0.002
        while True:
            if proc.poll() is not None:
                log = server.log()
                server.stop()
                shutil.rmtree(tmpdir, ignore_errors=True)  # the message carries the log
                last_error = (f"{name} exited during startup ({describe_exit(proc.returncode)})\n"
                              f"command: {shlex.join(argv)}\n{_tail(log)}")
                if "in use" in log.lower():
                    break  # lost a port race: retry on another port
                raise ServerError(last_error)
            state = _probe(port, 2.0)
            if state == "ready" and _owns_listener(proc.pid, port):
                return server
            if time.monotonic() > deadline:
                log = server.log()
                problems = server.stop()
                raise ServerError(f"{name} did not answer PING within {ready_timeout}s\n"
                                  f"command: {shlex.join(argv)}\n{_tail(log)}\n"
                                  + "\n".join(problems))
            time.sleep(delay)
            delay = min(delay * 2, 0.05)
    raise ServerError(last_error)


@atexit.register
def _kill_leftovers():
    for s in list(LIVE):
        try:
            os.kill(s.pid, signal.SIGKILL)
            s.proc.wait(5)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass
