"""Configuration: every directive parses from a file and from the command
line and reads back through CONFIG GET; load errors name their origin;
CONFIG SET is all or nothing; CONFIG REWRITE."""

import os
import re
import socket
import subprocess

import pytest

from support import servers

# Directives the harness sets itself, or that would break the test server.
# (aclfile needs a file, and replaces requirepass: test_acl.py covers it.)
# (tls-port needs certificates: test_tls.py covers it.)
HARNESS = {"port", "bind", "dir", "daemonize", "logfile", "pidfile", "unixsocket", "aclfile",
           "tls-port"}
# Directives the harness passes on the command line, overriding any file.
HARNESS_ARGS = {"save", "appendonly", "enable-debug-command"}

# A non-default value for each directive whose value we can predict, with
# the text CONFIG GET prints for it.  Directives missing here still get the
# default-value round trip below.
SAMPLES = {
    "acl-pubsub-default": ("allchannels", "allchannels"),
    "acllog-max-len": ("12", "12"),
    "tls-auth-clients": ("optional", "optional"),
    "tls-ca-cert-dir": ("/etc/ssl/certs", "/etc/ssl/certs"),
    "tls-ca-cert-file": ("/tmp/ca.crt", "/tmp/ca.crt"),
    "tls-cert-file": ("/tmp/server.crt", "/tmp/server.crt"),
    "tls-ciphers": ("HIGH", "HIGH"),
    "tls-ciphersuites": ("TLS_AES_256_GCM_SHA384", "TLS_AES_256_GCM_SHA384"),
    "tls-cluster": ("no", "no"),
    "tls-key-file": ("/tmp/server.key", "/tmp/server.key"),
    "tls-key-file-pass": ("pw", "pw"),
    "tls-prefer-server-ciphers": ("yes", "yes"),
    "tls-protocols": ("TLSv1.3", "TLSv1.3"),
    "tls-replication": ("no", "no"),
    "tls-session-cache-size": ("1000", "1000"),
    "tls-session-cache-timeout": ("60", "60"),
    "tls-session-caching": ("no", "no"),
    "appendonly": ("no", "no"),
    "busy-reply-threshold": ("3000", "3000"),
    "lua-time-limit": ("3000", "3000"),
    "lua-memory-limit": ("64mb", "67108864"),
    "client-output-buffer-limit": (
        "normal 0 0 0 slave 268435456 67108864 60 pubsub 1048576 524288 30",
        "normal 0 0 0 slave 268435456 67108864 60 pubsub 1048576 524288 30",
    ),
    "client-query-buffer-limit": ("2mb", "2097152"),
    "databases": ("4", "4"),
    "hll-sparse-max-bytes": ("1kb", "1024"),
    "hash-max-listpack-entries": ("64", "64"),
    "hash-max-listpack-value": ("32", "32"),
    "hash-max-ziplist-entries": ("64", "64"),
    "hash-max-ziplist-value": ("32", "32"),
    "set-max-intset-entries": ("100", "100"),
    "slowlog-log-slower-than": ("-1", "-1"),
    "slowlog-max-len": ("1000", "1000"),
    "stream-node-max-bytes": ("8kb", "8192"),
    "stream-node-max-entries": ("50", "50"),
    "zset-max-listpack-entries": ("64", "64"),
    "zset-max-listpack-value": ("1kb", "1024"),
    "zset-max-ziplist-entries": ("64", "64"),
    "zset-max-ziplist-value": ("1kb", "1024"),
    "notify-keyspace-events": ("KEA", "AKE"),
    "enable-debug-command": ("local", "local"),
    "enable-protected-configs": ("yes", "yes"),
    "hz": ("50", "50"),
    "lazyfree-lazy-user-del": ("yes", "yes"),
    "lazyfree-lazy-user-flush": ("yes", "yes"),
    "list-compress-depth": ("0", "0"),
    "list-max-listpack-size": ("-3", "-3"),
    "list-max-ziplist-size": ("-3", "-3"),
    "loglevel": ("verbose", "verbose"),
    "maxclients": ("123", "123"),
    "maxmemory": ("10mb", "10485760"),
    "proto-max-bulk-len": ("1gb", "1073741824"),
    "requirepass": ("s3cret", "s3cret"),
    "save": ('""', ""),
    "tcp-backlog": ("128", "128"),
    "tcp-keepalive": ("0", "0"),
    "timeout": ("7", "7"),
    "unixsocketperm": ("700", "700"),
}


def _config_get_all(conn):
    flat = conn.call("CONFIG", "GET", "*")
    return {k.decode(): v.decode() for k, v in zip(flat[::2], flat[1::2])}


def _quote(v):
    return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _auth(conn, password):
    if password:
        assert conn.call("AUTH", password) == b"OK"


def test_every_directive_round_trips_its_default_through_a_config_file(server_factory):
    base = server_factory()
    with base.raw() as conn:
        defaults = _config_get_all(conn)
    lines = [f"{k} {_quote(v) if k not in ('bind', 'save') or not v else v}"
             for k, v in sorted(defaults.items()) if k not in HARNESS]
    srv = server_factory(config="\n".join(lines) + "\n")
    with srv.raw() as conn:
        again = _config_get_all(conn)
    for k, v in defaults.items():
        if k not in HARNESS:
            assert again[k] == v, f"{k}: {again[k]!r} after loading {v!r}"


def test_every_sampled_directive_parses_from_a_file_and_from_the_command_line(server_factory):
    base = server_factory()
    with base.raw() as conn:
        known = set(_config_get_all(conn))
    unknown = set(SAMPLES) - known
    assert not unknown, f"SAMPLES names directives the server lacks: {unknown}"
    untested = known - set(SAMPLES) - HARNESS
    assert not untested, f"add a sample value for {sorted(untested)} to SAMPLES"

    text = "".join(f"{k} {v}\n" for k, (v, _) in SAMPLES.items())
    from_file = server_factory(config=text)
    args = []
    for k, (v, _) in SAMPLES.items():
        args += [f"--{k}", "" if v == '""' else v]
    from_args = server_factory(*args)
    for srv in (from_file, from_args):
        with srv.raw() as conn:
            _auth(conn, "s3cret")
            got = _config_get_all(conn)
        for k, (_, shown) in SAMPLES.items():
            if srv is from_file and k in HARNESS_ARGS:
                continue
            assert got[k] == shown, f"{k}: {got[k]!r}, expected {shown!r}"


def test_command_line_options_override_the_config_file(server_factory):
    srv = server_factory("--hz", "33", config="hz 20\ntimeout 5\n")
    with srv.raw() as conn:
        assert conn.call("CONFIG", "GET", "hz") == [b"hz", b"33"]
        assert conn.call("CONFIG", "GET", "timeout") == [b"timeout", b"5"]


def _start_expecting_failure(tern_binary, tmp_path, args, config=None):
    argv = [tern_binary]
    if config is not None:
        path = tmp_path / "bad.conf"
        path.write_text(config)
        argv.append(str(path))
    argv += ["--port", "0", "--unixsocket", str(tmp_path / "s.sock")] + args
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=30, cwd=tmp_path)
    return proc.returncode, proc.stdout + proc.stderr


def test_an_unknown_directive_in_a_file_names_the_file_and_line(tern_binary, tmp_path):
    rc, out = _start_expecting_failure(tern_binary, tmp_path, [],
                                       config="# comment\nhz 10\nnosuch-directive 1\n")
    assert rc == 1
    assert "*** FATAL CONFIG FILE ERROR" in out
    assert f"Reading the configuration file {tmp_path / 'bad.conf'}, at line 3" in out
    assert ">>> 'nosuch-directive 1'" in out
    assert "Bad directive or wrong number of arguments" in out


def test_a_bad_value_in_a_file_gives_the_reason(tern_binary, tmp_path):
    rc, out = _start_expecting_failure(tern_binary, tmp_path, [], config="hz abc\n")
    assert rc == 1
    assert "at line 1" in out and "argument couldn't be parsed into an integer" in out
    rc, out = _start_expecting_failure(tern_binary, tmp_path, [], config='hz "10\n')
    assert rc == 1 and "Unbalanced quotes in configuration line" in out


def test_a_bad_command_line_option_is_reported_as_such(tern_binary, tmp_path):
    rc, out = _start_expecting_failure(tern_binary, tmp_path, ["--hz", "10", "--nosuch", "1"],
                                       config="hz 5\n")
    assert rc == 1
    # --port and --unixsocket come first (see _start_expecting_failure).
    assert "Reading the command line options, at option 4" in out
    assert ">>> 'nosuch \"1\"'" in out
    assert "bad.conf" not in out


def test_a_missing_config_file_is_fatal(tern_binary, tmp_path):
    proc = subprocess.run([tern_binary, str(tmp_path / "absent.conf")], capture_output=True,
                          text=True, timeout=30)
    assert proc.returncode == 1
    assert "can't open config file" in proc.stderr


# ---- CONFIG SET ----

def test_config_set_of_several_pairs_is_all_or_nothing(raw):
    assert raw.call("CONFIG", "SET", "hz", "44", "timeout", "9", "maxclients", "0").startswith(
        b"ERR CONFIG SET failed (possibly related to argument 'maxclients')")
    assert raw.call("CONFIG", "GET", "hz") == [b"hz", b"10"]
    assert raw.call("CONFIG", "GET", "timeout") == [b"timeout", b"0"]


def test_config_set_maxclients_range_is_unsigned_32_bit(raw):
    assert raw.call("CONFIG", "SET", "maxclients", "0") == (
        b"ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument must be "
        b"between 1 and 4294967295 inclusive")
    assert raw.call("CONFIG", "SET", "maxclients", "10000") == b"OK"


def test_config_set_port_moves_the_listener(server_factory):
    srv = server_factory()
    new_port = servers.free_port()
    with srv.raw() as conn:
        assert conn.call("CONFIG", "SET", "port", str(new_port)) == b"OK"
        assert conn.call("PING") == b"PONG"  # established connections stay
    with socket.create_connection(("127.0.0.1", new_port), timeout=5) as s:
        s.sendall(b"PING\r\n")
        assert s.recv(100) == b"+PONG\r\n"
    srv.port = new_port  # so the harness can still reach it


def test_config_set_port_to_a_busy_port_fails_and_keeps_the_old_one(server_factory, server):
    srv = server_factory()
    with srv.raw() as conn:
        assert conn.call("CONFIG", "SET", "port", str(server.port)) == (
            b"ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on "
            b"this port")
        assert conn.call("CONFIG", "GET", "port") == [b"port", str(srv.port).encode()]
    with srv.raw() as conn:
        assert conn.call("PING") == b"PONG"


def test_protected_configs_need_enable_protected_configs(server_factory, tmp_path):
    srv = server_factory("--enable-protected-configs", "yes")
    with srv.raw() as conn:
        assert conn.call("CONFIG", "SET", "dir", str(tmp_path)) == b"OK"
        assert conn.call("CONFIG", "GET", "dir") == [b"dir", str(tmp_path).encode()]
        assert conn.call("CONFIG", "SET", "dir", str(tmp_path / "absent")) == (
            b"ERR CONFIG SET failed (possibly related to argument 'dir') - No such file or "
            b"directory")
    local = server_factory("--enable-protected-configs", "local")
    with local.raw() as conn:
        assert conn.call("CONFIG", "SET", "dir", str(tmp_path)) == b"OK"


def test_config_set_requirepass_takes_effect_for_new_connections(server_factory):
    srv = server_factory()
    with srv.raw() as conn:
        assert conn.call("CONFIG", "SET", "requirepass", "pw") == b"OK"
    with srv.raw() as conn:
        assert conn.call("GET", "x") == b"NOAUTH Authentication required."
        assert conn.call("AUTH", "pw") == b"OK"
        assert conn.call("CONFIG", "SET", "requirepass", "") == b"OK"


# ---- CONFIG REWRITE ----

def test_config_rewrite_without_a_config_file_is_an_error(raw):
    assert raw.call("CONFIG", "REWRITE") == b"ERR The server is running without a config file"


def test_config_rewrite_updates_lines_keeps_comments_and_appends_changes(server_factory):
    srv = server_factory(config="# my settings\nhz 20\n\n# a note\ntimeout 5\nhz 21\n")
    path = os.path.join(srv.tmpdir, "server.conf")
    with srv.raw() as conn:
        assert conn.call("CONFIG", "SET", "hz", "30", "loglevel", "warning",
                         "requirepass", "two words") == b"OK"
        assert conn.call("CONFIG", "REWRITE") == b"OK"
    text = open(path).read()
    lines = text.splitlines()
    assert lines[:5] == ["# my settings", "hz 30", "", "# a note", "timeout 5"]
    assert "hz 21" not in lines  # later duplicates go
    tail = lines[lines.index("# Generated by CONFIG REWRITE"):]
    assert "loglevel warning" in tail
    assert 'requirepass "two words"' in tail
    assert not any(ln.startswith("databases") for ln in lines)  # defaults are left out
    # A second rewrite changes nothing and keeps the one signature line.
    with srv.raw() as conn:
        _auth(conn, "two words")
        assert conn.call("CONFIG", "REWRITE") == b"OK"
    assert open(path).read() == text
    # The rewritten file loads back to the same settings.
    again = server_factory(config=text)
    with again.raw() as conn:
        _auth(conn, "two words")
        assert conn.call("CONFIG", "GET", "hz") == [b"hz", b"30"]
        assert conn.call("CONFIG", "GET", "loglevel") == [b"loglevel", b"warning"]


def test_config_rewrite_writes_list_directives_as_words_and_empty_ones_quoted(server_factory):
    srv = server_factory(config='bind 127.0.0.1\nsave ""\nrequirepass ""\n')
    with srv.raw() as conn:
        assert conn.call("CONFIG", "SET", "bind", "127.0.0.1 -::1") == b"OK"
        assert conn.call("PING") == b"PONG"
        assert conn.call("CONFIG", "REWRITE") == b"OK"
    lines = open(os.path.join(srv.tmpdir, "server.conf")).read().splitlines()
    assert lines[:3] == ["bind 127.0.0.1 -::1", 'save ""', 'requirepass ""']
