"""Tests of the test harness itself: script parsing, the RESP parser, RawConn
and the differential runner.  They need no tern binary (the runner and
RESP3 checks use the reference redis-server on both sides)."""

import socket
import threading

import pytest

from diffscript import ScriptError, parse_script, split_args
from support.resp import (BigNumber, BlobError, ConnectionClosed, ErrorReply, Push, RawConn,
                          ReplyTimeout, RespSet, SimpleString, Verbatim, WithAttributes,
                          encode_command, parse, shape)
from test_diff_cases import run_script


@pytest.mark.parametrize("line, words", [
    ('SET k v', [b"SET", b"k", b"v"]),
    ('  GET   "a b"  ', [b"GET", b"a b"]),
    ('ECHO "q\\"\\\\\\n\\r\\t\\x00\\xfF\\x4"', [b"ECHO", b'q"\\\n\r\t\x00\xff' + b"x4"]),
    ("ECHO 'lit \\n \\x41 \\' end'", [b"ECHO", b"lit \\n \\x41 ' end"]),
    ('ECHO "" \'\'', [b"ECHO", b"", b""]),
    ('ECHO "\u00e9"', [b"ECHO", "\u00e9".encode()]),
    ('GET k # a comment "with quotes', [b"GET", b"k"]),
    ('ECHO "#not a comment"', [b"ECHO", b"#not a comment"]),
    ('ECHO a#b', [b"ECHO", b"a#b"]),
])
def test_split_args_follows_redis_cli_quoting(line, words):
    assert [w for w, _ in split_args(line)] == words


@pytest.mark.parametrize("line", ['ECHO "open', "ECHO 'open", 'ECHO "a"b', "@nope", "@raw",
                                  '@raw "a" "b"', "@sleep", "@sleep x", "@read 1", "~ @sleep 1",
                                  "@send @read", "~ @send PING", "~"])
def test_a_bad_script_line_is_reported_with_its_file_and_line(line):
    with pytest.raises(ScriptError, match=r"^f\.txt:3: "):
        parse_script(f"# comment\n\n{line}\n", "f.txt")


def test_script_directives_parse_into_steps():
    steps = parse_script('PING\n~ TIME\n@send @raw "PI"\n@raw "NG\\r\\n"\n@read\n'
                         "@sleep 0.1\n@both-close\n\"@raw\" x\n")
    assert [(s.lineno, s.action, s.data, s.send_only, s.shape_only) for s in steps] == [
        (1, "command", [b"PING"], False, False),
        (2, "command", [b"TIME"], False, True),
        (3, "raw", b"PI", True, False),
        (4, "raw", b"NG\r\n", False, False),
        (5, "read", None, False, False),
        (6, "sleep", 0.1, False, False),
        (7, "both-close", None, False, False),
        (8, "command", [b"@raw", b"x"], False, False),
    ]


ALL_TYPES = (b"*14\r\n+OK\r\n-ERR bad\r\n:-7\r\n$3\r\na\r\n\r\n$-1\r\n*-1\r\n_\r\n,1.5\r\n"
             b"#t\r\n!3\r\nBAD\r\n=7\r\ntxt:abc\r\n(123456789012345678901\r\n"
             b"%2\r\n$1\r\nk\r\n:1\r\n*1\r\n:2\r\n~1\r\n:3\r\n"
             b"|1\r\n+ttl\r\n:9\r\n>2\r\n+msg\r\n*0\r\n")


def test_parse_understands_every_resp2_and_resp3_type():
    reply, used = parse(ALL_TYPES + b"+NEXT\r\n")
    assert used == len(ALL_TYPES) and reply.raw == ALL_TYPES
    v = reply.value
    assert v[0] == b"OK" and type(v[0]) is SimpleString
    assert v[1] == b"ERR bad" and type(v[1]) is ErrorReply and v[1].code == b"ERR"
    assert v[2:7] == [-7, b"a\r\n", None, None, None]
    assert v[7] == 1.5 and v[8] is True
    assert type(v[9]) is BlobError and v[9] == b"BAD"
    assert type(v[10]) is Verbatim and v[10] == b"abc" and v[10].format == b"txt"
    assert type(v[11]) is BigNumber and v[11] == 123456789012345678901
    assert v[12] == {b"k": 1, (2,): RespSet([3])}
    assert v[13] == WithAttributes({b"ttl": 9}, Push([b"msg", []]))
    assert type(v[13].value) is Push
    assert shape(ALL_TYPES) == ("*14[+,-,:,$,$-1,*-1,_,,,#,!,=,(,%2{$ :, *1[:] ~1[:]},"
                                "|1{+ :}>2[+,*0[]]]")


def test_parse_refuses_an_incomplete_reply_and_garbage():
    with pytest.raises(ValueError):
        parse(ALL_TYPES[:-1])
    with pytest.raises(Exception, match="unknown reply type"):
        parse(b"?1\r\n")


def test_encode_command_builds_a_multibulk_request():
    assert encode_command("SET", b"k\x00", 12) == b"*3\r\n$3\r\nSET\r\n$2\r\nk\x00\r\n$2\r\n12\r\n"


@pytest.fixture
def trickle_server():
    """A one-shot TCP server that runs `script(conn)` on its first client."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    threads = []

    def serve(script):
        def run():
            conn, _ = listener.accept()
            with conn:
                script(conn)
        t = threading.Thread(target=run, daemon=True)
        t.start()
        threads.append(t)
        return listener.getsockname()[1]

    yield serve
    listener.close()
    for t in threads:
        t.join(5)


def test_raw_conn_reassembles_replies_sent_one_byte_at_a_time(trickle_server):
    def script(conn):
        conn.recv(100)
        for i in range(len(ALL_TYPES)):
            conn.sendall(ALL_TYPES[i:i + 1])
        conn.sendall(b"+A\r\n+B\r\n")
        conn.recv(100)

    with RawConn("127.0.0.1", trickle_server(script)) as c:
        c.send_command("GO")
        assert c.read_reply().raw == ALL_TYPES
        assert c.read_reply().value == b"A" and c.read_reply().value == b"B"
        c.send(b"done")


def test_raw_conn_reports_a_timeout_then_a_close_with_the_partial_reply(trickle_server):
    release = threading.Event()

    def script(conn):
        conn.sendall(b"$5\r\nab")
        release.wait(5)

    with RawConn("127.0.0.1", trickle_server(script)) as c:
        with pytest.raises(ReplyTimeout) as e:
            c.read_reply(timeout=0.05)
        assert e.value.partial == b"$5\r\nab"
        release.set()
        with pytest.raises(ConnectionClosed) as e:
            c.read_reply()
        assert e.value.partial == b"$5\r\nab"


def test_debug_protocol_replies_from_redis_parse_as_resp3_types(ref_server):
    with ref_server.raw() as c:
        assert isinstance(c.call("HELLO", "3"), dict)
        assert c.call("DEBUG", "PROTOCOL", "bignum") == 1234567999999999999999999999999999999
        assert c.call("DEBUG", "PROTOCOL", "true") is True
        assert c.call("DEBUG", "PROTOCOL", "null") is None
        assert isinstance(c.call("DEBUG", "PROTOCOL", "verbatim"), Verbatim)
        assert isinstance(c.call("DEBUG", "PROTOCOL", "set"), RespSet)
        attrib = c.call("DEBUG", "PROTOCOL", "attrib")
        assert isinstance(attrib, WithAttributes)
        assert attrib.value == b"Some real reply following the attribute"
        c.send_command("DEBUG", "PROTOCOL", "map")
        assert shape(c.read_reply().raw) == "%3{: #, : #, : #}"


def test_runner_compares_bytes_or_just_shapes_and_reports_file_and_line(ref_server, tmp_path):
    # Two connections to one server: each INCR gives one side n and the other n+1.
    case = tmp_path / "selftest.txt"
    case.write_text('SET k v\n~ INCR n\nINCR n\n@send @raw "*1\\r\\n$4\\r\\nPI"\n@sleep 0.01\n'
                    '@raw "NG\\r\\n"\n@raw "PING\\r\\nPING\\r\\n"\n@read\n'
                    '@raw "*x\\r\\n"\n@both-close\nPING\n')
    seen = []
    run = run_script(str(case), [("one", ref_server), ("two", ref_server)],
                     show=lambda step, outs: seen.append((step.lineno, outs[0][1])))
    assert len(run.failures) == 1
    assert run.failures[0].startswith(f"{case}:3: INCR n\n")
    assert "b':3\\r\\n'" in run.failures[0] and "b':4\\r\\n'" in run.failures[0]
    assert seen[-1] == (11, b"+PONG\r\n")  # reconnected after @both-close
    assert [n for n, _ in seen] == [1, 2, 3, 6, 7, 8, 9, 11]


def test_runner_insists_on_both_close_after_the_servers_hang_up(ref_server, tmp_path):
    case = tmp_path / "hangup.txt"
    case.write_text('@raw "*x\\r\\n"\nPING\nPING\n')
    run = run_script(str(case), [("one", ref_server), ("two", ref_server)])
    assert len(run.failures) == 1 and "put @both-close" in run.failures[0]
