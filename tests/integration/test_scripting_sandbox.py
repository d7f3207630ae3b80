"""The Lua sandbox: escape and abuse payloads, each a test, each ending in
an error reply (or a harmless value) with the server alive and the
interpreter intact for the next script.  Known Lua-in-Redis CVE shapes are
among them.  Where tern and Redis agree the exact replies are also in
tests/diff/cases/scripting_sandbox.txt; the cases here also cover where
tern is stricter than Redis (collectgarbage, the memory cap, coroutines
that outlive a FUNCTION LOAD)."""

import time

import pytest

from support.resp import ErrorReply

READONLY = b"Attempt to modify a readonly table"


def _nonexistent(name):
    return f"Script attempted to access nonexistent global variable '{name}'".encode()


# (payload, a fragment the error reply must contain)
ESCAPES = [
    # Host access that does not exist at all.
    ("return os.execute('id')", _nonexistent("os")),
    ("return io.open('/etc/passwd'):read('*a')", _nonexistent("io")),
    ("return io.popen('id')", _nonexistent("io")),
    # CVE-2022-0543: Debian's packaged Redis exposed package.loadlib.
    ("return package.loadlib('/usr/lib/x86_64-linux-gnu/liblua5.1.so.0', 'luaopen_io')",
     _nonexistent("package")),
    ("return require('os')", _nonexistent("require")),
    ("return module('m')", _nonexistent("module")),
    ("return loadlib('x', 'y')", _nonexistent("loadlib")),
    ("return dofile('/etc/passwd')", _nonexistent("dofile")),
    ("return loadfile('/etc/passwd')", _nonexistent("loadfile")),
    ("print('x')", _nonexistent("print")),
    ("return debug.getregistry()", _nonexistent("debug")),
    ("return debug.sethook()", _nonexistent("debug")),
    ("return getfenv(0).os", _nonexistent("getfenv")),
    ("return setfenv(0, {})", _nonexistent("setfenv")),
    ("return newproxy(true)", _nonexistent("newproxy")),
    # Read-only globals and library tables.
    ("x = 1", READONLY),
    ("_G.x = 1", READONLY),
    ("_G = nil", READONLY),
    ("redis.call = function() return 'hijacked' end", READONLY),
    ("redis = {}", READONLY),
    ("string.format = nil", READONLY),
    ("cjson.decode = nil", READONLY),
    ("cmsgpack.unpack = nil", READONLY),
    ("bit.band = nil", READONLY),
    ("struct.unpack = nil", READONLY),
    ("math.random = function() return 4 end", READONLY),
    ("coroutine.resume = nil", READONLY),
    ("table.concat = nil", READONLY),
    ("rawset(_G, 'x', 1)", READONLY),
    ("rawset(redis, 'call', nil)", READONLY),
    ("table.insert(string, 'x')", READONLY),
    ("table.remove(redis)", READONLY),
    ("table.sort(math)", READONLY),
    ("setmetatable(_G, nil)", READONLY),
    ("setmetatable(cjson, {})", READONLY),
    ("getmetatable(_G).__index = _G", READONLY),
    ("getmetatable(_G).__newindex = nil", READONLY),
    ("rawset(getmetatable(_G), '__index', {})", READONLY),
    # The string metatable (every string's methods) is protected too.
    ("getmetatable('').__index = {upper = function() return 'pwned' end}", READONLY),
    ("getmetatable('').__index.upper = nil", READONLY),
    ("rawset(getmetatable(''), '__index', nil)", READONLY),
    ("setmetatable(getmetatable(''), nil)", READONLY),
    # Bytecode is never loaded: binary chunks fail to parse as text.
    ("\x1bLuaQ\x00\x01\x04\x08\x04\x08\x00", b"unexpected symbol near 'char(27)'"),
    ("return loadstring(string.dump(function() return 1 end))()", b"attempt to call a nil value"),
    ("local s = string.dump(function() return 1 end) local i = 0 "
     "return load(function() i = i + 1 if i == 1 then return s end end)()",
     b"attempt to call a nil value"),
    # CVE-2024-31449 shape: bit.tohex with the negative count that overflows.
    ("return #bit.tohex(65535, -2147483648)", None),
    # unpack over a huge range: an error, not a crash (Debian's own unpack
    # overflows here).
    ("return unpack({}, 0, 2^31 - 1)", b"too many results to unpack"),
    ("return unpack({}, -2^31, 2^31 - 1)", b"too many results to unpack"),
    # A count that wraps to a negative int gives an empty string.
    ("return #string.rep('x', 2^31)", None),
    # Deep recursion ends in a Lua error, not a C stack overflow.
    ("local function f() return f() + 1 end return f()", b"stack overflow"),
    ("local function f(n) if n == 0 then return 0 end return 1 + f(n - 1) end return f(1e7)",
     b"stack overflow"),
    # cjson/cmsgpack on deep or huge inputs (CVE-2022-24834 shapes).
    ("return cjson.decode(string.rep('[', 100000))", b"Found too many nested data structures"),
    ("return cjson.decode(string.rep('{\"a\":', 100000))", b"Found too many nested data structures"),
    ("local t = {} for i = 1, 2000 do t = {t} end return cjson.encode(t)",
     b"Cannot serialise, excessive nesting"),
    ("cjson.encode_max_depth(2^31 - 1) local t = {} for i = 1, 100000 do t = {t} end "
     "local ok, e = pcall(cjson.encode, t) cjson.encode_max_depth(1000) error(e)",
     b"Cannot serialise, excessive nesting"),
    ("cjson.decode_max_depth(2^31 - 1) local ok, e = pcall(cjson.decode, string.rep('[', 200000)) "
     "cjson.decode_max_depth(1000) error(e)", b"Found too many nested data structures"),
    ("return cmsgpack.unpack(string.rep('\\145', 100000))", b"stack overflow"),
    ("return cmsgpack.unpack('\\219\\255\\255\\255\\255' .. 'x')", b"Missing bytes in input."),
    ("return cmsgpack.unpack('\\221\\127\\255\\255\\255')", b"Missing bytes in input."),
    ("local t = {} for i = 1, 100 do t = {t, t} end return #cmsgpack.pack(t)", None),
    ("return struct.unpack('c2147483647', 'x')", b"data string too short"),
    ("return struct.pack('i9999999999', 1)", b"integral size overflow"),
    ("return struct.pack('c99999999', 'x')", b"string too short"),
    # Restricted collector control (Redis allows these; tern does not).
    ("collectgarbage('stop')", b"collectgarbage option 'stop' is not allowed"),
    ("collectgarbage()", b"collectgarbage option 'collect' is not allowed"),
    ("collectgarbage('step', 1000)", b"collectgarbage option 'step' is not allowed"),
    ("collectgarbage('setpause', 1000)", b"collectgarbage option 'setpause' is not allowed"),
    ("collectgarbage('setstepmul', 1)", b"collectgarbage option 'setstepmul' is not allowed"),
    ("collectgarbage('restart')", b"collectgarbage option 'restart' is not allowed"),
    # Scripts cannot run what is marked noscript, nor reach the cache.
    ("return redis.call('eval', 'return 1', 0)", b"This Redis command is not allowed from script"),
    ("return redis.call('script', 'flush')", b"This Redis command is not allowed from script"),
    ("return redis.call('function', 'flush')", b"This Redis command is not allowed from script"),
    ("return redis.call('debug', 'sleep', '0')", b"This Redis command is not allowed from script"),
    ("return redis.call('config', 'set', 'dir', '/tmp')",
     b"This Redis command is not allowed from script"),
    ("return redis.call('shutdown', 'nosave')", b"This Redis command is not allowed from script"),
    ("return redis.call('client', 'kill', 'type', 'normal')",
     b"This Redis command is not allowed from script"),
    ("return redis.call('subscribe', 'c')", b"This Redis command is not allowed from script"),
]


def test_there_are_at_least_thirty_payloads():
    assert len(ESCAPES) >= 30


@pytest.mark.parametrize("payload,fragment", ESCAPES, ids=range(len(ESCAPES)))
def test_escape_payload_fails_cleanly_and_the_server_lives(raw, payload, fragment):
    reply = raw.call("EVAL", payload, 0)
    if fragment is None:
        assert not isinstance(reply, ErrorReply), reply
    else:
        assert isinstance(reply, ErrorReply), reply
        assert fragment in reply, reply
    assert raw.call("PING") == b"PONG"
    # The interpreter is intact: globals and libraries still work.
    check = "return {redis.call('ping')['ok'], string.upper('ok'), ('x'):rep(2), " \
            "cjson.encode({1}), type(redis.call), math.floor(1.5), bit.bor(1, 2)}"
    assert raw.call("EVAL", check, 0) == [b"PONG", b"OK", b"xx", b"[1]", b"function", 1, 3]


def test_globals_keep_their_values_after_every_attempt(raw):
    attempts = ["x = 1", "redis.call = nil", "string.rep = nil", "rawset(_G, 'KEYS', 1)"]
    for a in attempts:
        assert isinstance(raw.call("EVAL", a, 0), ErrorReply)
    assert raw.call("EVAL", "return {tostring(rawget(_G, 'x')), type(redis.call), "
                            "type(string.rep)}", 0) == [b"nil", b"function", b"function"]


def test_runaway_table_hits_the_lua_memory_cap_and_the_server_recovers(server_factory):
    srv = server_factory("--lua-memory-limit", "64mb")
    with srv.raw() as conn:
        grow = "local t = {} local i = 0 while true do i = i + 1 t[i] = {i, i, i, i, i, i, i, i} end"
        reply = conn.call("EVAL", grow, 0)
        assert isinstance(reply, ErrorReply) and b"not enough memory" in reply, reply
        assert conn.call("EVAL", "return #string.rep('y', 1000)", 0) == 1000
        for line in conn.call("INFO", "memory").split(b"\r\n"):
            if line.startswith(b"used_memory_lua:"):
                assert int(line.split(b":")[1]) < 64 * 1024 * 1024
        assert conn.call("CONFIG", "GET", "lua-memory-limit") == [b"lua-memory-limit", b"67108864"]


def test_the_cap_stops_script_code_but_never_redis_call_half_way_or_keys_and_argv(server_factory):
    # The cap applies while script code runs.  A reply that no longer fits
    # is converted anyway and the script's next allocation fails; redis.call
    # works in the next script (an earlier build left its state half done
    # when the conversion itself ran out).  KEYS/ARGV bigger than the cap
    # are built outside the script and must not take the server down.
    srv = server_factory("--lua-memory-limit", "3mb")
    with srv.raw() as conn:
        conn.call("SET", "big", "x" * 1000000)
        grab = ("local t = {} for i = 1, 10 do t[i] = redis.call('GETRANGE', 'big', i, -1) end "
                "return #t")
        reply = conn.call("EVAL", grab, 0)
        assert isinstance(reply, ErrorReply) and b"not enough memory" in reply, reply
        assert conn.call("EVAL", "return redis.call('PING')", 0) == b"PONG"
        assert conn.call("EVAL", "return redis.pcall('ECHO', 'hi')", 0) == b"hi"
        assert conn.call("EVAL", "return #ARGV", 2, "k1", "k2", *(["a" * 1000] * 10000)) == 10000
        reply = conn.call("EVAL", "return #table.concat(ARGV)", 0, *(["a" * 1000] * 10000))
        assert isinstance(reply, ErrorReply) and b"not enough memory" in reply, reply
        assert conn.call("PING") == b"PONG"


def test_strings_and_encodings_over_the_cap_fail_with_a_memory_error(server_factory):
    srv = server_factory("--lua-memory-limit", "16mb")
    with srv.raw() as conn:
        for script in ["return #string.rep('x', 32 * 1024 * 1024)",
                       "return #cjson.encode(string.rep('\\1', 4 * 1024 * 1024))",
                       "return #cmsgpack.pack(string.rep('x', 6 * 1024 * 1024), "
                       "string.rep('y', 6 * 1024 * 1024))",
                       "return #table.concat({string.rep('z', 9 * 1024 * 1024), 'w'}, "
                       "string.rep('-', 1024 * 1024))"]:
            reply = conn.call("EVAL", script, 0)
            assert isinstance(reply, ErrorReply) and b"not enough memory" in reply, (script, reply)
            assert conn.call("EVAL", "return #string.rep('x', 1024 * 1024)", 0) == 1024 * 1024


def test_parsing_large_scripts_under_collector_pressure_is_safe(raw):
    # CVE-2025-49844 shape: the collector running while the parser holds
    # the chunk name.  Make garbage, then compile big scripts, both as EVAL
    # bodies and through loadstring with a chunk name of its own.
    body = "local t = {} " + " ".join(f"t[{j}] = 'constant string number {j}'"
                                      for j in range(1, 4001))
    for j in range(5):
        script = (f"-- variant {j}\n" + body +
                  " local g = {} for i = 1, 20000 do g[i] = {i} end return #t")
        assert raw.call("EVAL", script, 0) == 4000
    loader = ("local garbage = {} for i = 1, 20000 do garbage[i] = {i} end garbage = nil "
              "local f = loadstring(ARGV[1], 'chunk ' .. string.rep('n', 100)) return f()")
    assert raw.call("EVAL", loader, 0, body + " return #t") == 4000
    raw.call("SCRIPT", "FLUSH")


def test_a_coroutine_made_without_a_time_limit_cannot_outrun_function_kill(server_factory):
    # Lua threads keep the hook of the thread that created them: one made
    # while no time limit was set, kept in library state and resumed later,
    # would spin beyond SCRIPT/FUNCTION KILL without tern's resume wrapper.
    srv = server_factory("--busy-reply-threshold", "0")
    code = ("#!lua name=co\n"
            "local spin\n"
            "redis.register_function('make', function() "
            "spin = coroutine.create(function() while true do end end) return 1 end)\n"
            "redis.register_function('run', function() return {coroutine.resume(spin)} end)")
    busy = (b"BUSY Redis is busy running a script. You can only call FUNCTION KILL or "
            b"SHUTDOWN NOSAVE.")
    with srv.raw() as runner, srv.raw() as admin:
        assert admin.call("FUNCTION", "LOAD", code) == b"co"
        assert admin.call("FCALL", "make", 0) == 1
        assert admin.call("CONFIG", "SET", "busy-reply-threshold", "50") == b"OK"
        runner.send_command("FCALL", "run", 0)
        deadline = time.monotonic() + 10
        while admin.call("PING") != busy:
            assert time.monotonic() < deadline, "the function never became busy"
            time.sleep(0.01)
        assert admin.call("FUNCTION", "KILL") == b"OK"
        runner.read_reply(timeout=10)
        assert runner.call("PING") == b"PONG"


def test_library_state_cannot_reach_the_real_globals(raw):
    raw.call("FUNCTION", "FLUSH")
    code = ("#!lua name=probe\n"
            "redis.register_function{function_name='probe', flags={'no-writes'}, callback=function() "
            "local g = getmetatable(_G) return {type(g), tostring(rawget(_G, 'string') ~= nil)} "
            "end}")
    assert raw.call("FUNCTION", "LOAD", code) == b"probe"
    reply = raw.call("FCALL", "probe", 0)
    assert reply[1] == b"true"
    assert isinstance(raw.call("FCALL_RO", "probe", 0), list)
    raw.call("FUNCTION", "FLUSH")
