"""ACL users end to end: users from the config file and the aclfile, ACL
SAVE / LOAD round trips, what happens to connections when their user is
deleted or loses a channel, the ACL LOG's entries, CLIENT KILL USER,
requirepass, and permissions inside MULTI/EXEC and scripts.  Reply texts
are checked against Redis 7.0's in tests/diff/cases/acl_*.txt; these tests
cover what one connection and one server cannot show."""

import hashlib

import pytest
import redis

from support import servers
from support.resp import ConnectionClosed, ErrorReply


# A connection the server closed: reading says so, or writing fails.
GONE = (ConnectionClosed, ConnectionError)


def _call(conn, *args):
    """A command on a RawConn; an error reply comes back as ErrorReply."""
    return conn.call(*args)


def _log(conn, count=10):
    entries = conn.call("ACL", "LOG", str(count))
    out = []
    for e in entries:
        d = {e[j].decode(): e[j + 1] for j in range(0, len(e), 2)}
        out.append(d)
    return out


def test_users_from_the_config_file_are_there_at_startup(server_factory):
    srv = server_factory(config="user alice on >apw ~a:* +@read +acl|whoami\n"
                                "user bob off nopass\n"
                                "user default on >dpw ~* &* +@all\n")
    c = srv.client(password="dpw")
    assert sorted(c.acl_users()) == ["alice", "bob", "default"]
    lines = c.execute_command("ACL", "LIST")
    sha = hashlib.sha256(b"apw").hexdigest()
    assert f"user alice on #{sha} ~a:* resetchannels -@all +@read +acl|whoami" in lines
    assert "user bob off nopass resetchannels -@all" in lines
    a = srv.client(username="alice", password="apw")
    assert a.acl_whoami() == "alice"
    with pytest.raises(redis.exceptions.NoPermissionError):
        a.set("a:1", "v")
    # The default user's password comes from its user line.
    with srv.raw() as raw:
        assert isinstance(_call(raw, "GET", "x"), ErrorReply)
        assert _call(raw, "AUTH", "dpw") == b"OK"


@pytest.mark.parametrize("line,why", [
    ("user alice on +nosuchcommand", "Unknown command or category name in ACL"),
    ("user alice ~a allkeys ~b", "Adding a pattern after the * pattern"),
    ("user alice (~a", "Unmatched parenthesis"),
])
def test_a_bad_user_line_stops_the_server_with_the_reason(tern_binary, tmp_path, line, why):
    import subprocess
    conf = tmp_path / "bad.conf"
    conf.write_text(line + "\n")
    proc = subprocess.run([tern_binary, str(conf), "--port", "0"], capture_output=True, text=True,
                          timeout=30, cwd=tmp_path)
    assert proc.returncode == 1
    assert "Error in user declaration" in proc.stdout + proc.stderr
    assert why in proc.stdout + proc.stderr


def test_users_in_the_config_and_an_aclfile_together_are_refused(tern_binary, tmp_path):
    import subprocess
    (tmp_path / "users.acl").write_text("user x on nopass\n")
    conf = tmp_path / "bad.conf"
    conf.write_text(f"aclfile {tmp_path / 'users.acl'}\nuser y on nopass\n")
    proc = subprocess.run([tern_binary, str(conf), "--port", "0"], capture_output=True, text=True,
                          timeout=30, cwd=tmp_path)
    assert proc.returncode == 1
    assert "please define either an ACL file or declare users" in proc.stdout + proc.stderr


def test_an_aclfile_with_errors_stops_the_server(tern_binary, tmp_path):
    import subprocess
    (tmp_path / "users.acl").write_text("user x on +nosuch\nnotauser line\n")
    proc = subprocess.run([tern_binary, "--port", "0", "--aclfile", str(tmp_path / "users.acl")],
                          capture_output=True, text=True, timeout=30, cwd=tmp_path)
    assert proc.returncode == 1
    out = proc.stdout + proc.stderr
    assert "Aborting Redis startup because of ACL errors" in out
    assert "Error in applying operation '+nosuch'" in out
    assert "should start with user keyword followed by the username" in out


def test_acl_save_and_load_round_trip_through_the_aclfile(server_factory, tmp_path):
    path = tmp_path / "users.acl"
    path.write_text("user default on nopass ~* &* +@all\nuser carol on >cpw ~c:* &news +get\n")
    srv = server_factory("--aclfile", str(path))
    c = srv.client()
    before = c.execute_command("ACL", "LIST")
    assert any(line.startswith("user carol on #") for line in before)
    c.execute_command("ACL", "SETUSER", "dave", "on", ">dpw", "(~d:* +set)", "+get")
    assert c.execute_command("ACL", "SAVE") == "OK"
    saved = path.read_text().splitlines()
    assert saved == c.execute_command("ACL", "LIST")
    c.execute_command("ACL", "DELUSER", "dave")
    c.execute_command("ACL", "SETUSER", "carol", "-get")
    assert c.execute_command("ACL", "LOAD") == "OK"
    assert c.execute_command("ACL", "LIST") == saved
    d = srv.client(username="dave", password="dpw")
    assert d.set("d:1", "v")


def test_acl_load_with_an_error_keeps_the_current_users(server_factory, tmp_path):
    path = tmp_path / "users.acl"
    path.write_text("user default on nopass ~* &* +@all\nuser keep on nopass\n")
    srv = server_factory("--aclfile", str(path))
    c = srv.client()
    path.write_text("user default on nopass ~* &* +@all\nuser new on +nosuch\nuser new on\n")
    with pytest.raises(redis.exceptions.ResponseError) as e:
        c.execute_command("ACL", "LOAD")
    msg = str(e.value)
    assert "Error in applying operation '+nosuch'" in msg
    assert "WARNING: ACL errors detected, no change to the previously active ACL rules" in msg
    assert sorted(c.acl_users()) == ["default", "keep"]


def test_acl_load_disconnects_clients_of_replaced_users(server_factory, tmp_path):
    path = tmp_path / "users.acl"
    path.write_text("user default on nopass ~* &* +@all\nuser eve on nopass ~* +@all\n")
    srv = server_factory("--aclfile", str(path))
    admin = srv.client()
    with srv.raw() as eve, srv.raw() as dflt:
        assert _call(eve, "AUTH", "eve", "x") == b"OK"
        assert admin.execute_command("ACL", "LOAD") == "OK"
        with pytest.raises(GONE):
            eve.call("PING")
        # The default user is updated in place: its clients stay.
        assert dflt.call("PING") == b"PONG"


def test_deleting_a_user_disconnects_its_clients(server):
    admin = server.client()
    admin.execute_command("ACL", "SETUSER", "gone", "on", "nopass", "~*", "+@all")
    try:
        with server.raw() as victim, server.raw() as bystander:
            assert victim.call("AUTH", "gone", "x") == b"OK"
            assert admin.execute_command("ACL", "DELUSER", "gone") == 1
            with pytest.raises(GONE):
                victim.call("PING")
            assert bystander.call("PING") == b"PONG"
    finally:
        admin.execute_command("ACL", "DELUSER", "gone")


def test_a_user_deleting_itself_gets_the_reply_then_is_disconnected(server):
    admin = server.client()
    admin.execute_command("ACL", "SETUSER", "self", "on", "nopass", "~*", "+@all")
    with server.raw() as conn:
        assert conn.call("AUTH", "self", "x") == b"OK"
        assert conn.call("ACL", "DELUSER", "self") == 1
        with pytest.raises(GONE):
            conn.call("PING")


def test_revoking_a_channel_disconnects_its_subscribers(server):
    admin = server.client()
    admin.execute_command("ACL", "SETUSER", "sub", "on", "nopass", "resetchannels", "&news",
                          "&sport", "+@all")
    try:
        with server.raw() as news, server.raw() as sport:
            assert news.call("AUTH", "sub", "x") == b"OK"
            assert sport.call("AUTH", "sub", "x") == b"OK"
            news.call("SUBSCRIBE", "news")
            sport.call("SUBSCRIBE", "sport")
            admin.execute_command("ACL", "SETUSER", "sub", "resetchannels", "&sport")
            with pytest.raises(GONE):
                news.call("PING")
            assert sport.call("PING") == [b"pong", b""]
    finally:
        admin.execute_command("ACL", "DELUSER", "sub")


def test_client_kill_user_and_client_list_name_the_user(server):
    admin = server.client()
    admin.execute_command("ACL", "SETUSER", "killme", "on", "nopass", "~*", "+@all")
    try:
        with server.raw() as conn:
            assert conn.call("AUTH", "killme", "x") == b"OK"
            assert b"user=killme" in conn.call("CLIENT", "INFO")
            assert admin.execute_command("CLIENT", "KILL", "USER", "killme") == 1
            with pytest.raises(GONE):
                conn.call("PING")
        with pytest.raises(redis.exceptions.ResponseError, match="No such user 'nobody'"):
            admin.execute_command("CLIENT", "KILL", "USER", "nobody")
    finally:
        admin.execute_command("ACL", "DELUSER", "killme")


def test_acl_log_records_denials_with_reason_context_and_client(server):
    admin = server.client()
    admin.execute_command("ACL", "LOG", "RESET")
    admin.execute_command("ACL", "SETUSER", "logged", "on", ">pw", "~k*", "&c*", "-@all", "+get",
                          "+multi", "+exec", "+eval", "+publish")
    try:
        with server.raw() as conn:
            assert isinstance(conn.call("AUTH", "logged", "bad"), ErrorReply)
            assert conn.call("AUTH", "logged", "pw") == b"OK"
            conn.call("CLIENT", "SETNAME", "x")      # command denied
            conn.call("GET", "other")                # key denied
            conn.call("PUBLISH", "zz", "m")          # channel denied
            conn.call("MULTI")
            conn.call("GET", "other2")
            conn.call("EXEC")
            conn.call("EVAL", "return redis.call('get', 'other3')", "0")
        log = _log(server.raw(), 10)
        got = [(e["reason"], e["context"], e["object"], e["username"]) for e in log]
        assert got == [
            (b"key", b"lua", b"other3", b"logged"),
            (b"key", b"multi", b"other2", b"logged"),
            (b"channel", b"toplevel", b"zz", b"logged"),
            (b"key", b"toplevel", b"other", b"logged"),
            (b"command", b"toplevel", b"client|setname", b"logged"),
            (b"auth", b"toplevel", b"AUTH", b"logged"),
        ]
        assert b"cmd=eval" in log[0]["client-info"]
        assert all(e["count"] == 1 for e in log)
    finally:
        admin.execute_command("ACL", "DELUSER", "logged")
        admin.execute_command("ACL", "LOG", "RESET")


def test_acl_log_groups_repeats_and_keeps_acllog_max_len_entries(server):
    admin = server.client()
    admin.execute_command("ACL", "LOG", "RESET")
    admin.config_set("acllog-max-len", 3)
    try:
        with server.raw() as conn:
            for _ in range(5):
                conn.call("AUTH", "nosuchuser", "pw")
            assert _log(conn)[0]["count"] == 5
            for j in range(5):
                conn.call("AUTH", f"user{j}", "pw")
            log = _log(conn)
            assert len(log) == 3
            assert [e["username"] for e in log] == [b"user4", b"user3", b"user2"]
    finally:
        admin.config_set("acllog-max-len", 128)
        admin.execute_command("ACL", "LOG", "RESET")


def test_exec_refuses_a_queued_command_whose_permission_went_away(server):
    admin = server.client()
    admin.execute_command("ACL", "SETUSER", "tx", "on", "nopass", "~*", "+@all")
    try:
        with server.raw() as conn:
            assert conn.call("AUTH", "tx", "x") == b"OK"
            assert conn.call("MULTI") == b"OK"
            assert conn.call("SET", "txk", "1") == b"QUEUED"
            assert conn.call("GET", "txk") == b"QUEUED"
            admin.execute_command("ACL", "SETUSER", "tx", "-get")
            reply = conn.call("EXEC")
            assert reply[0] == b"OK"
            assert reply[1] == ErrorReply(
                b"NOPERM ACLs rules changed between the moment the transaction was accumulated "
                b"and the EXEC call. This command is no longer allowed for the following "
                b"reason: no permission to execute the command or subcommand")
    finally:
        admin.execute_command("ACL", "DELUSER", "tx")
        admin.delete("txk")


def test_requirepass_at_startup_protects_the_default_user(server_factory):
    srv = server_factory("--requirepass", "startpw")
    with srv.raw() as conn:
        err = conn.call("GET", "x")
        assert err.startswith(b"NOAUTH")
        assert conn.call("AUTH", "default", "startpw") == b"OK"
        getuser = conn.call("ACL", "GETUSER", "default")
        assert getuser[3] == [hashlib.sha256(b"startpw").hexdigest().encode()]


def test_config_rewrite_writes_the_users(server_factory):
    srv = server_factory(config="user w1 on nopass ~* +@all\n")
    c = srv.client()
    c.execute_command("ACL", "SETUSER", "w2", "on", ">pw", "~x", "+get")
    assert c.config_rewrite()
    with open(srv.argv[1]) as f:
        text = f.read()
    assert "user w1 on nopass ~* resetchannels +@all" in text
    sha = hashlib.sha256(b"pw").hexdigest()
    assert f"user w2 on #{sha} ~x resetchannels -@all +get" in text
    assert "user default on nopass ~* &* +@all" in text


def test_acl_pubsub_default_allchannels_gives_new_users_every_channel(server_factory):
    srv = server_factory("--acl-pubsub-default", "allchannels")
    c = srv.client()
    c.execute_command("ACL", "SETUSER", "pub", "on", "nopass", "+@all")
    assert "&*" in c.execute_command("ACL", "GETUSER", "pub")[9]
    p = srv.client(username="pub", password="x")
    assert p.publish("anything", "m") == 0


def test_restricted_user_via_redis_py_gets_noperm_exceptions(server):
    admin = server.client()
    admin.execute_command("ACL", "SETUSER", "py", "on", ">pw", "%R~ro:*", "%W~wo:*", "+@all")
    try:
        c = server.client(username="py", password="pw")
        assert c.get("ro:1") is None
        assert c.set("wo:1", "v")
        with pytest.raises(redis.exceptions.NoPermissionError):
            c.get("wo:1")
        with pytest.raises(redis.exceptions.NoPermissionError):
            c.set("ro:1", "v")
        with pytest.raises(redis.exceptions.NoPermissionError):
            c.lmove("wo:1", "ro:1")
    finally:
        admin.execute_command("ACL", "DELUSER", "py")
        admin.delete("wo:1")
