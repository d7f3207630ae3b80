"""EVAL, EVALSHA and SCRIPT against the real binary: the patterns
applications build on scripts (a rate limiter, a lock), the script cache,
the time limit with -BUSY, SCRIPT KILL and -UNKILLABLE, INFO's scripting
fields.  Reply texts and conversions are compared with Redis byte for byte
in tests/diff/cases/scripting_*.txt."""

import hashlib
import time

from support.blocking import open_blocked
from support.resp import ConnectionClosed, ErrorReply

RATE_LIMITER = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then
    redis.call('EXPIRE', KEYS[1], ARGV[2])
end
if count > tonumber(ARGV[1]) then
    return 0
end
return 1
"""

UNLOCK = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('DEL', KEYS[1])
end
return 0
"""

BUSY_EVAL = (b"BUSY Redis is busy running a script. You can only call SCRIPT KILL or "
             b"SHUTDOWN NOSAVE.")
BUSY_FUNCTION = (b"BUSY Redis is busy running a script. You can only call FUNCTION KILL or "
                 b"SHUTDOWN NOSAVE.")
UNKILLABLE = (b"UNKILLABLE Sorry the script already executed write commands against the "
              b"dataset. You can either wait the script termination or kill the server in a "
              b"hard way using the SHUTDOWN NOSAVE command.")


def _info_field(conn, section, name):
    for line in conn.call("INFO", section).split(b"\r\n"):
        if line.startswith(name.encode() + b":"):
            return line.split(b":", 1)[1].decode()
    raise AssertionError(f"INFO {section} has no {name}")


def _wait_busy(server, expected=BUSY_EVAL, timeout=10.0):
    """Returns once another connection gets -BUSY (the script is past the
    threshold and serving events), asking the server, never guessing."""
    deadline = time.monotonic() + timeout
    with server.raw() as probe:
        while True:
            reply = probe.call("PING")
            if reply == expected:
                return
            assert reply == b"PONG", reply
            assert time.monotonic() < deadline, "the script never became busy"
            time.sleep(0.01)


# ---- applications ----


def test_fixed_window_rate_limiter_allows_three_then_blocks_and_sets_the_ttl_once(raw):
    sha = raw.call("SCRIPT", "LOAD", RATE_LIMITER)
    assert [raw.call("EVALSHA", sha, 1, "rl:user", 3, 60) for _ in range(3)] == [1, 1, 1]
    assert 0 < raw.call("TTL", "rl:user") <= 60
    # A later hit must not push the window: shorten it and hit again.
    raw.call("PEXPIRE", "rl:user", 5000)
    assert raw.call("EVALSHA", sha, 1, "rl:user", 3, 60) == 0
    assert raw.call("EVALSHA", sha, 1, "rl:user", 3, 60) == 0
    assert raw.call("PTTL", "rl:user") <= 5000
    assert raw.call("GET", "rl:user") == b"5"


def test_rate_limiter_windows_are_per_key(raw):
    for _ in range(3):
        raw.call("EVAL", RATE_LIMITER, 1, "rl:a", 3, 60)
    assert raw.call("EVAL", RATE_LIMITER, 1, "rl:a", 3, 60) == 0
    assert raw.call("EVAL", RATE_LIMITER, 1, "rl:b", 3, 60) == 1


def test_lock_release_deletes_only_with_the_owners_token(raw):
    assert raw.call("SET", "lock", "token-1", "NX", "PX", 30000) == b"OK"
    assert raw.call("SET", "lock", "token-2", "NX", "PX", 30000) is None
    assert raw.call("EVAL", UNLOCK, 1, "lock", "token-2") == 0
    assert raw.call("GET", "lock") == b"token-1"
    assert raw.call("EVAL", UNLOCK, 1, "lock", "token-1") == 1
    assert raw.call("EXISTS", "lock") == 0
    assert raw.call("EVAL", UNLOCK, 1, "lock", "token-1") == 0


def test_a_script_is_atomic_against_other_clients(server, raw):
    script = "local v = redis.call('INCR', KEYS[1]) redis.call('SET', KEYS[2], v) return v"
    with server.raw() as other:
        for _ in range(50):
            raw.send_command("EVAL", script, 2, "n", "copy")
            other.send_command("EVAL", script, 2, "n", "copy")
            raw.read_reply()
            other.read_reply()
    assert raw.call("GET", "n") == b"100"
    assert raw.call("GET", "copy") == b"100"


# ---- the script cache ----


def test_script_load_then_evalsha_runs_the_cached_script(raw):
    body = "return ARGV[1] .. '!'"
    sha = raw.call("SCRIPT", "LOAD", body)
    assert sha == hashlib.sha1(body.encode()).hexdigest().encode()
    assert raw.call("EVALSHA", sha, 0, "hi") == b"hi!"
    assert raw.call("EVALSHA", sha.upper(), 0, "hi") == b"hi!"
    assert raw.call("SCRIPT", "EXISTS", sha, "0" * 40) == [1, 0]


def test_evalsha_of_an_unknown_script_is_noscript(raw):
    reply = raw.call("EVALSHA", "f" * 40, 0)
    assert reply == b"NOSCRIPT No matching script. Please use EVAL."


def test_script_flush_forgets_every_script_and_resets_the_interpreter(raw):
    sha = raw.call("SCRIPT", "LOAD", "return 1")
    raw.call("EVAL", "return 2", 0)
    assert int(_info_field(raw, "memory", "number_of_cached_scripts")) >= 2
    assert raw.call("SCRIPT", "FLUSH") == b"OK"
    assert raw.call("EVALSHA", sha, 0).startswith(b"NOSCRIPT")
    assert _info_field(raw, "memory", "number_of_cached_scripts") == "0"


def test_eval_of_ever_new_scripts_keeps_the_cache_bounded(raw):
    raw.call("SCRIPT", "FLUSH")
    pinned = raw.call("SCRIPT", "LOAD", "return 'pinned'")
    raw.call("SCRIPT", "LOAD", "return 'also pinned'")
    for j in range(600):
        raw.send_command("EVAL", f"return {j}", 0)
    for j in range(600):
        assert raw.read_reply().value == j
    cached = int(_info_field(raw, "memory", "number_of_cached_scripts"))
    # 500 EVAL-only scripts at most, plus the two SCRIPT LOADed ones.
    assert cached == 502, cached
    assert int(_info_field(raw, "stats", "evicted_scripts")) >= 100
    assert raw.call("EVALSHA", pinned, 0) == b"pinned"
    # The oldest EVAL-only scripts went first; the newest are still there.
    newest = hashlib.sha1(b"return 599").hexdigest()
    oldest = hashlib.sha1(b"return 0").hexdigest()
    assert raw.call("SCRIPT", "EXISTS", newest, oldest) == [1, 0]
    raw.call("SCRIPT", "FLUSH")


def test_info_memory_reports_the_interpreters(raw):
    raw.call("SCRIPT", "FLUSH")
    raw.call("EVAL", "return 1", 0)
    lua = int(_info_field(raw, "memory", "used_memory_lua"))
    assert lua > 0
    assert int(_info_field(raw, "memory", "used_memory_vm_eval")) == lua
    assert int(_info_field(raw, "memory", "used_memory_scripts_eval")) > 0
    total = int(_info_field(raw, "memory", "used_memory_vm_total"))
    assert total == lua + int(_info_field(raw, "memory", "used_memory_vm_functions"))
    raw.call("SCRIPT", "FLUSH")


def test_lua_memory_stays_flat_over_many_scripts(raw):
    raw.call("SCRIPT", "FLUSH")
    sha = raw.call("SCRIPT", "LOAD", "local t = {} for i = 1, 1000 do t[i] = tostring(i) end "
                                     "return #t")
    for _ in range(200):
        raw.send_command("EVALSHA", sha, 0)
    for _ in range(200):
        assert raw.read_reply().value == 1000
    before = int(_info_field(raw, "memory", "used_memory_lua"))
    for _ in range(500):
        raw.send_command("EVALSHA", sha, 0)
    for _ in range(500):
        raw.read_reply()
    after = int(_info_field(raw, "memory", "used_memory_lua"))
    assert after < before * 4, (before, after)


def test_commandstats_count_the_script_and_its_commands(raw):
    raw.call("CONFIG", "RESETSTAT")
    raw.call("EVAL", "redis.call('set', 'a', 1) return redis.call('get', 'a')", 0)
    stats = raw.call("INFO", "commandstats")
    assert b"cmdstat_eval:calls=1," in stats
    assert b"cmdstat_set:calls=1," in stats
    assert b"cmdstat_get:calls=1," in stats


def test_errorstats_count_a_failed_redis_call_once(raw):
    raw.call("SET", "s", "x")
    raw.call("CONFIG", "RESETSTAT")
    reply = raw.call("EVAL", "return redis.call('incr', 's')", 0)
    assert reply.startswith(b"ERR value is not an integer or out of range script: ")
    assert _info_field(raw, "stats", "total_error_replies") == "1"
    stats = raw.call("INFO", "commandstats")
    assert b"cmdstat_incr:calls=1,usec" in stats
    assert b"failed_calls=1" in stats.split(b"cmdstat_eval:")[1].split(b"\r\n")[0]


def test_command_getkeys_reads_numkeys(raw):
    assert raw.call("COMMAND", "GETKEYS", "EVAL", "return 1", 2, "k1", "k2", "arg") == [b"k1", b"k2"]
    assert raw.call("COMMAND", "GETKEYS", "FCALL", "f", 1, "k", "a") == [b"k"]
    # EVAL may take no key (no_mandatory_keys): Redis 7.0 answers an empty list.
    assert raw.call("COMMAND", "GETKEYS", "EVAL", "return 1", 0) == []


# ---- the time limit, BUSY and KILL ----


def test_busy_script_answers_others_busy_and_script_kill_stops_it(server_factory):
    srv = server_factory("--busy-reply-threshold", "50")
    with srv.raw() as runner, srv.raw() as admin:
        runner.send_command("EVAL", "local i = 0 while true do i = i + 1 end", 0)
        _wait_busy(srv)
        # New connections are still accepted and answered.
        with srv.raw() as late:
            assert late.call("GET", "k") == BUSY_EVAL
            assert late.call("FUNCTION", "KILL") == BUSY_EVAL
        stats = admin.call("FUNCTION", "STATS")
        assert stats == BUSY_EVAL
        assert admin.call("SCRIPT", "KILL") == b"OK"
        reply = runner.read_reply(timeout=10).value
        assert reply.startswith(b"ERR Script killed by user with SCRIPT KILL... script: ")
        assert runner.call("PING") == b"PONG"
        assert admin.call("SCRIPT", "KILL") == b"NOTBUSY No scripts in execution right now."


def test_pcall_cannot_swallow_script_kill(server_factory):
    srv = server_factory("--busy-reply-threshold", "50")
    script = "while true do pcall(function() while true do end end) end"
    with srv.raw() as runner, srv.raw() as admin:
        runner.send_command("EVAL", script, 0)
        _wait_busy(srv)
        assert admin.call("SCRIPT", "KILL") == b"OK"
        assert runner.read_reply(timeout=10).value.startswith(b"ERR Script killed by user")


def test_a_script_that_wrote_is_unkillable_and_only_shutdown_nosave_ends_it(server_factory):
    srv = server_factory("--busy-reply-threshold", "50")
    with srv.raw() as runner, srv.raw() as admin:
        runner.send_command("EVAL", "redis.call('set', 'x', 'y') while true do end", 0)
        _wait_busy(srv)
        assert admin.call("SCRIPT", "KILL") == UNKILLABLE
        assert admin.call("SHUTDOWN") == BUSY_EVAL
        admin.send_command("SHUTDOWN", "NOSAVE")
        assert admin.wait_closed(10)
    srv.proc.wait(20)
    assert srv.proc.returncode == 0


def test_busy_function_is_stopped_by_function_kill_only(server_factory):
    srv = server_factory("--busy-reply-threshold", "50")
    with srv.raw() as runner, srv.raw() as admin:
        assert admin.call("FUNCTION", "LOAD",
                          "#!lua name=spin\nredis.register_function('spin', function() "
                          "while true do end end)") == b"spin"
        runner.send_command("FCALL", "spin", 0)
        _wait_busy(srv, BUSY_FUNCTION)
        assert admin.call("SCRIPT", "KILL") == BUSY_FUNCTION
        stats = admin.call("FUNCTION", "STATS")
        running = dict(zip(stats[1][::2], stats[1][1::2]))
        assert running[b"name"] == b"spin"
        assert running[b"command"] == [b"FCALL", b"spin", b"0"]
        assert running[b"duration_ms"] >= 0
        assert admin.call("FUNCTION", "KILL") == b"OK"
        assert runner.read_reply(timeout=10).value.startswith(b"ERR Script killed by user")


def test_lua_time_limit_is_an_alias_of_busy_reply_threshold(raw):
    old = raw.call("CONFIG", "GET", "busy-reply-threshold")[1]
    assert raw.call("CONFIG", "SET", "lua-time-limit", "1234") == b"OK"
    assert raw.call("CONFIG", "GET", "busy-reply-threshold") == [b"busy-reply-threshold", b"1234"]
    raw.call("CONFIG", "SET", "busy-reply-threshold", old)


def test_blocked_clients_are_not_served_while_a_script_is_busy(server_factory):
    srv = server_factory("--busy-reply-threshold", "50")
    waiter = open_blocked(srv, "BLPOP", "q", 0)
    with srv.raw() as runner, srv.raw() as admin:
        # The script fills the list the client waits on, then spins.
        runner.send_command("EVAL", "redis.call('rpush', 'q', 'item') while true do end", 0)
        _wait_busy(srv)
        admin.send_command("SHUTDOWN", "NOSAVE")
        assert admin.wait_closed(10)
    # Serving the waiter would have changed the list under the script: it
    # got nothing before the server went away.
    try:
        reply = waiter.read_reply(timeout=10).value
    except ConnectionClosed as e:
        assert e.partial == b""
    else:
        raise AssertionError(f"the blocked client was served during the script: {reply!r}")
    waiter.close()
    srv.proc.wait(20)
