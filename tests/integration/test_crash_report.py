"""Crash reports: a fatal signal or a failed assertion leaves a bug report in
the log (signal, stack trace, the command and its client, INFO server,
clients and memory) and the process dies of that signal."""

import os
import signal

import pytest

from support import servers
from support.resp import ConnectionClosed


@pytest.fixture
def doomed(tern_binary):
    """A tern server this test will crash: stopped and checked here, without
    counting its death by signal as a failure of the test."""
    started = []

    def start(*args):
        s = servers.start_server(tern_binary, list(servers.TERN_ARGS) + list(args), name="doomed",
                                 sanitized=False)
        started.append(s)
        return s

    yield start
    for s in started:
        s.stop()


def _crash(srv, *command):
    conn = srv.raw()
    conn.send_command(*command)
    with pytest.raises((ConnectionClosed, ConnectionResetError)):
        conn.read_reply()
    conn.close()
    srv.proc.wait(30)
    return srv.proc.returncode, srv.log()


def _report(log):
    start = log.index("=== TERN BUG REPORT START")
    end = log.index("=== TERN BUG REPORT END ===", start)
    return log[start:end]


def test_debug_segfault_logs_signal_trace_command_client_and_info(doomed):
    srv = doomed()
    with srv.raw() as other:
        other.call("SET", "k", "v")
    rc, log = _crash(srv, "DEBUG", "SEGFAULT")
    assert rc == -signal.SIGSEGV
    report = _report(log)
    assert "crashed by signal: 11 (SIGSEGV)" in report
    assert "Accessing address: 0x" in report
    trace = report.split("------ STACK TRACE ------", 1)[1].split("------", 1)[0]
    assert "debugCommand" in trace and "processCommand" in trace
    client = report.split("------ CURRENT CLIENT INFO ------", 1)[1]
    assert "client: id=" in client and " cmd=debug " in client
    assert 'argc: 2\nargv[0]: "DEBUG"\nargv[1]: "SEGFAULT"\n' in client
    info = report.split("------ INFO OUTPUT ------", 1)[1]
    for section in ("# Server\n", "# Clients\n", "# Memory\n"):
        assert section in info
    assert f"process_id:{srv.pid}\n" in info
    assert "connected_clients:1\n" in info
    assert "\r" not in info


def test_long_and_binary_arguments_are_quoted_and_cut_in_the_report(doomed):
    srv = doomed()
    rc, log = _crash(srv, "DEBUG", "SEGFAULT", "x" * 300, b"a\"b\r\n\x00")
    assert rc == -signal.SIGSEGV
    report = _report(log)
    assert 'argv[2]: "' + "x" * 128 + '"... (172 more bytes)\n' in report
    assert 'argv[3]: "a\\"b\\x0d\\x0a\\x00"\n' in report


def test_debug_assert_logs_the_failed_assertion_and_dies_of_sigabrt(doomed):
    srv = doomed()
    rc, log = _crash(srv, "DEBUG", "ASSERT")
    assert rc == -signal.SIGABRT
    report = _report(log)
    assert "=== ASSERTION FAILED ===" in report
    assert "debug.c:" in report
    assert "------ STACK TRACE ------" in report
    assert 'argv[1]: "ASSERT"' in report
    assert report.count("BUG REPORT START") == 1  # abort() does not report twice


def test_a_signal_from_outside_is_reported_with_its_sender_and_no_client(doomed):
    srv = doomed()
    os.kill(srv.pid, signal.SIGABRT)
    srv.proc.wait(30)
    assert srv.proc.returncode == -signal.SIGABRT
    report = _report(srv.log())
    assert "crashed by signal: 6 (SIGABRT)" in report
    assert f"Sent by pid {os.getpid()}," in report
    assert "no client was running a command" in report
