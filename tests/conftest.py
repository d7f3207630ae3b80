"""Fixtures for tests/integration and tests/diff.

Environment (set by `make integration`):
    TERN_SERVER       absolute path of the tern-server binary; unset = skip
    TERN_SANITIZED    non-empty: ASan/UBSan build, scan logs for reports
    TERN_EXTRA_ARGS   optional extra arguments for every tern server
    TERN_REF_SERVER   reference binary (default /usr/bin/redis-server)

Fixtures:
    server          session-wide tern server (Server: .port .pid .tmpdir
                    .client() .raw() .log())
    client          redis-py client (str replies) on `server`, after FLUSHALL
    raw             RawConn on `server`, after FLUSHALL
    server_factory  start a dedicated server with custom args; stopped
                    and checked at the end of the test
    ref_server      session-wide reference redis-server, for differential tests

After every test each live server is checked: a crash, or (sanitized
builds) a new sanitizer report in its log, fails that test.
"""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from support import servers  # noqa: E402

SANITIZED = os.environ.get("TERN_SANITIZED", "") not in ("", "0")
_shared = {}  # fixture name -> session-wide Server


def _fail_if(problems):
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


@pytest.fixture(scope="session")
def tern_binary():
    path = os.environ.get("TERN_SERVER")
    if not path:
        pytest.skip("TERN_SERVER is not set: run `make integration`, or set "
                    "TERN_SERVER=/abs/path/to/tern-server before running pytest")
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        pytest.fail(f"TERN_SERVER={path!r} is not an executable file", pytrace=False)
    return path


def _start_shared(binary, args, name, sanitized):
    try:
        return servers.start_server(binary, args, name=name, sanitized=sanitized)
    except servers.ServerError as e:
        error = str(e)
    pytest.fail(error, pytrace=False)


@pytest.fixture(scope="session")
def server(tern_binary):
    s = _shared["server"] = _start_shared(tern_binary, servers.TERN_ARGS, "tern", SANITIZED)
    yield s
    _fail_if(s.stop())


@pytest.fixture(scope="session")
def ref_server():
    binary = servers.REFERENCE_BINARY
    if not os.access(binary, os.X_OK):
        pytest.skip(f"reference server {binary} not found (apt-get install redis-server)")
    s = _shared["ref_server"] = _start_shared(binary, servers.REFERENCE_ARGS, "redis", False)
    yield s
    _fail_if(s.stop())


@pytest.fixture
def server_factory(tern_binary):
    """Call as `server_factory("--requirepass", "pw", config="maxclients 3\\n")`.

    Returns a new tern Server (or, with binary=servers.REFERENCE_BINARY, a
    reference one).  The default args (persistence off) come first, yours
    after them; other keywords go to servers.start_server.  A server that
    will not start raises servers.ServerError (expect it with pytest.raises).
    All are stopped at the end of the test; a crash, shutdown hang or
    sanitizer report fails the test.
    """
    started = []

    def start(*args, config=None, binary=None, env=None, **kwargs):
        is_tern = binary is None
        b = tern_binary if is_tern else binary
        base = servers.TERN_ARGS if is_tern else servers.REFERENCE_ARGS
        s = servers.start_server(b, list(base) + list(args),
                                 name="tern" if is_tern else os.path.basename(b),
                                 sanitized=SANITIZED and is_tern, config=config, env=env, **kwargs)
        started.append(s)
        return s

    yield start
    problems = []
    for s in started:
        problems += s.stop()
    _fail_if(problems)


@pytest.fixture
def client(server):
    c = server.client()
    c.flushall()
    yield c
    c.close()


@pytest.fixture
def raw(server):
    conn = server.raw()
    conn.send_command("FLUSHALL")
    reply = conn.read_reply()
    assert reply.raw == b"+OK\r\n", f"FLUSHALL replied {reply.raw!r}"
    yield conn
    conn.close()


@pytest.fixture(autouse=True)
def _servers_stay_healthy(request):
    # A dead shared server fails the tests that need it in one line, not
    # in a connection-refused traceback each.
    for name, s in _shared.items():
        if name in request.fixturenames and not s.alive():
            how = servers.describe_exit(s.proc.returncode)
            pytest.fail(f"the shared {s.name} server is gone ({how}); see the first failure",
                        pytrace=False)
    yield
    problems = [p for p in (s.check() for s in list(servers.LIVE)) if p]
    _fail_if(problems)
