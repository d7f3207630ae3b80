"""Scripts replicate their effects: EVAL and FCALL never reach the
propagation stream themselves; the writes their scripts make do, wrapped
in MULTI/EXEC when there is more than one, so the AOF and replicas replay
the same data without rerunning the script (its clock, random numbers and
reads are out of the picture).  Read through DEBUG PROPAGATION-LOG, as in
test_propagation.py, and replayed into a second server."""

import os
import time

import pytest

from support import replaycheck
from support.resp import ErrorReply
from test_propagation import Log
from test_propagation import logged as _logged


def upper(commands):
    """Command names as upper case: a script's commands are logged as the
    script wrote them ('set'), as Redis does."""
    return [[cmd[0].upper()] + cmd[1:] for cmd in commands]


def logged(srv, *commands):
    return upper(_logged(srv, *commands))


@pytest.fixture
def srv(server_factory):
    return server_factory()


def test_a_script_with_one_write_is_logged_as_that_write_only(srv):
    assert logged(srv, ["EVAL", "return redis.call('set', KEYS[1], ARGV[1])", "1", "k", "v"]) == [
        [b"SET", b"k", b"v"]]


def test_a_script_with_several_writes_is_logged_as_multi_its_writes_exec(srv):
    script = "redis.call('set', 'a', '1') redis.call('get', 'a') redis.call('incr', 'b') return 1"
    assert logged(srv, ["EVAL", script, "0"]) == [
        [b"MULTI"], [b"SET", b"a", b"1"], [b"INCR", b"b"], [b"EXEC"]]


def test_a_read_only_script_and_a_failing_one_before_writing_log_nothing(srv):
    srv.raw().call("SET", "k", "v")
    assert logged(srv, ["EVAL", "return redis.call('get', 'k')", "0"],
                  ["EVAL", "return redis.call('nosuch')", "0"],
                  ["EVAL", "return redis.call('set', 'k', 'w', 'nx')", "0"]) == []


def test_writes_made_before_a_script_error_are_logged(srv):
    script = "redis.call('set', 'a', '1') redis.call('set', 'b', '2') error('late')"
    assert logged(srv, ["EVAL", script, "0"]) == [
        [b"MULTI"], [b"SET", b"a", b"1"], [b"SET", b"b", b"2"], [b"EXEC"]]


def test_a_value_from_the_clock_is_logged_as_the_value_written(srv):
    script = "local t = redis.call('time') redis.call('set', 'k', t[1]) return t[1]"
    c = srv.raw()
    with Log(srv) as log:
        now = c.call("EVAL", script, "0")
    assert upper(log.without_select()) == [[b"SET", b"k", now]]


def test_relative_expiry_inside_a_script_is_logged_as_an_absolute_time(srv):
    before = int(time.time() * 1000)
    out = logged(srv, ["EVAL", "redis.call('set', 'k', 'v') redis.call('expire', 'k', 100)", "0"])
    after = int(time.time() * 1000)
    assert out[:3] == [[b"MULTI"], [b"SET", b"k", b"v"], [b"PEXPIREAT", b"k", out[2][2]]]
    assert out[3:] == [[b"EXEC"]]
    assert before + 100000 <= int(out[2][2]) <= after + 100000


def test_set_repl_none_keeps_the_following_writes_out_of_the_stream(srv):
    script = ("redis.call('set', 'a', '1') redis.set_repl(redis.REPL_NONE) "
              "redis.call('set', 'b', '2') redis.set_repl(redis.REPL_ALL) "
              "redis.call('set', 'c', '3')")
    assert logged(srv, ["EVAL", script, "0"]) == [
        [b"MULTI"], [b"SET", b"a", b"1"], [b"SET", b"c", b"3"], [b"EXEC"]]
    # The AOF consumer of the log takes REPL_AOF writes.
    script = "redis.set_repl(redis.REPL_AOF) redis.call('set', 'd', '4')"
    assert logged(srv, ["EVAL", script, "0"]) == [[b"SET", b"d", b"4"]]


def test_a_script_writes_in_the_db_of_its_caller_and_select_in_it_is_logged(srv):
    c = srv.raw()
    c.call("SELECT", "3")
    with Log(srv) as log:
        c.call("EVAL", "redis.call('set', 'a', '1') redis.call('select', '5') "
               "redis.call('set', 'b', '2')", "0")
    assert upper(log.commands) == [[b"SELECT", b"3"], [b"MULTI"], [b"SET", b"a", b"1"],
                            [b"SELECT", b"5"], [b"SET", b"b", b"2"], [b"EXEC"]]
    assert c.call("GET", "a") == b"1"


def test_function_load_delete_flush_are_logged_as_sent_and_fcall_as_its_writes(srv):
    code = "#!lua name=lib\nredis.register_function('w', function(k) return redis.call('incr', k[1]) end)"
    out = logged(srv, ["FUNCTION", "LOAD", code], ["FCALL", "w", "1", "n"],
                 ["FCALL_RO", "w", "1", "n"], ["FUNCTION", "DELETE", "lib"],
                 ["FUNCTION", "DELETE", "lib"], ["FUNCTION", "FLUSH"])
    assert out == [[b"FUNCTION", b"LOAD", code.encode()], [b"INCR", b"n"],
                   [b"FUNCTION", b"DELETE", b"lib"], [b"FUNCTION", b"FLUSH"]]


def test_script_load_and_evalsha_are_not_logged_but_the_scripts_writes_are(srv):
    c = srv.raw()
    with Log(srv) as log:
        sha = c.call("SCRIPT", "LOAD", "return redis.call('rpush', KEYS[1], ARGV[1])")
        c.call("EVALSHA", sha, "1", "l", "x")
        c.call("SCRIPT", "FLUSH")
    assert upper(log.without_select()) == [[b"RPUSH", b"l", b"x"]]


def test_replaying_the_log_of_a_scripted_workload_gives_the_same_dataset(srv, server_factory):
    c = srv.raw()
    path = os.path.join(srv.tmpdir, "scripts.resp")
    assert c.call("DEBUG", "PROPAGATION-LOG", path) == b"OK"
    c.call("FUNCTION", "LOAD", "#!lua name=q\nredis.register_function('push', function(k, a) "
           "redis.call('rpush', k[1], a[1]) return redis.call('llen', k[1]) end)")
    limiter = ("local n = redis.call('incr', KEYS[1]) if n == 1 then "
               "redis.call('expire', KEYS[1], 60) end return n")
    for j in range(200):
        c.call("EVAL", limiter, "1", f"rate:{j % 7}")
        c.call("FCALL", "push", "1", f"q:{j % 3}", str(j))
        c.call("EVAL", "redis.call('hset', KEYS[1], 'r', tostring(math.random())) "
               "redis.call('zadd', 'z', math.random(1000), KEYS[1])", "1", f"h:{j % 11}")
    c.call("EVAL", "for i = 1, 20 do redis.call('spop', 'nothing') redis.call('lpop', 'q:0') end",
           "0")
    assert c.call("DEBUG", "PROPAGATION-LOG", "OFF") == b"OK"
    with open(path, "rb") as f:
        data = f.read()
    assert b"EVAL" not in data and b"FCALL" not in data
    replica = server_factory().raw()
    replica.send(data)
    for _ in replaycheck.stream_commands(data):
        assert not isinstance(replica.read_reply(), ErrorReply)
    assert replica.call("DEBUG", "DIGEST") == c.call("DEBUG", "DIGEST")
