"""The wire protocol end to end over raw sockets: inline commands and their
quoting, pipelining, split packets, RESP3 shapes, every malformed-input
error (exact Redis 7.0 text, then the connection closes while the server
keeps serving everyone else), and clients that disappear mid-reply.

Error texts were checked against redis-server 7.0.15; the differential
cases in tests/diff/cases/protocol_*.txt compare many of the same inputs
with the reference server byte for byte.
"""

import socket
import struct
import time

import pytest

from support.resp import ReplyTimeout, encode_command


def assert_error_then_close(conn, data, error):
    conn.send(data)
    reply = conn.read_reply()
    assert reply.raw == b"-" + error + b"\r\n"
    assert conn.wait_closed(), "the server kept the connection open after a protocol error"


# ---- inline commands -------------------------------------------------------


def test_inline_commands_reply_like_multibulk_ones(raw):
    raw.send(b"SET greeting hello\r\nGET greeting\nPING\r\n")
    assert raw.read_reply().raw == b"+OK\r\n"
    assert raw.read_reply().raw == b"$5\r\nhello\r\n"
    assert raw.read_reply().raw == b"+PONG\r\n"


def test_inline_double_quotes_take_escapes_and_hex_bytes(raw):
    raw.send(b'SET k "a b\\t\\x41\\x00\\"z\\\\"\r\nGET k\r\n')
    assert raw.read_reply().raw == b"+OK\r\n"
    assert raw.read_reply().value == b'a b\tA\x00"z\\'


def test_inline_single_quotes_are_literal_except_an_escaped_quote(raw):
    raw.send(b"ECHO 'it\\'s \\n'\r\n")
    assert raw.read_reply().value == b"it's \\n"


def test_inline_empty_quotes_make_an_empty_argument(raw):
    raw.send(b'SET e ""\r\nGET e\r\n')
    assert raw.read_reply().raw == b"+OK\r\n"
    assert raw.read_reply().raw == b"$0\r\n\r\n"


def test_inline_vertical_tab_stays_inside_a_word_like_redis(raw):
    raw.send(b"ECHO a\x0bb\r\n")
    assert raw.read_reply().value == b"a\x0bb"


def test_blank_inline_lines_are_skipped_without_a_reply(raw):
    raw.send(b"\r\n\n   \r\n*0\r\n*-1\r\nPING\r\n")
    assert raw.read_reply().raw == b"+PONG\r\n"


def test_inline_and_multibulk_mix_in_one_write(raw):
    raw.send(b"SET a 1\r\n" + encode_command("INCR", "a") + b"GET a\n" + encode_command("GET", "a"))
    assert [raw.read_reply().raw for _ in range(4)] == [b"+OK\r\n", b":2\r\n", b"$1\r\n2\r\n", b"$1\r\n2\r\n"]


# ---- pipelining and split packets --------------------------------------------


def test_ten_thousand_mixed_commands_in_one_write_are_answered_in_order(raw):
    n = 10_000
    parts, want = [], []
    for i in range(n):
        k = i % 3
        if k == 0:
            parts.append(encode_command("SET", f"key:{i}", f"value:{i}"))
            want.append(b"+OK\r\n")
        elif k == 1:
            parts.append(encode_command("GET", f"key:{i - 1}"))
            v = f"value:{i - 1}".encode()
            want.append(b"$%d\r\n%s\r\n" % (len(v), v))
        else:
            parts.append(b"INCR counter\r\n")
            want.append(b":%d\r\n" % ((i + 1) // 3))
    raw.send(b"".join(parts))
    got = [raw.read_reply().raw for _ in range(n)]
    assert got == want


def test_a_command_sent_one_byte_at_a_time_is_executed_once(raw):
    data = encode_command("SET", "slow", "x" * 20) + b"INCR drip\r\n"
    for i in range(len(data)):
        raw.send(data[i : i + 1])
        if i % 8 == 0:
            time.sleep(0.001)
    assert raw.read_reply().raw == b"+OK\r\n"
    assert raw.read_reply().raw == b":1\r\n"
    assert raw.call("GET", "slow") == b"x" * 20


def test_a_three_megabyte_argument_arriving_in_pieces_is_stored_intact(raw):
    value = bytes(range(256)) * (3 * 4096)
    data = encode_command("SET", "big", value)
    for off in range(0, len(data), 100_000):
        raw.send(data[off : off + 100_000])
    assert raw.read_reply().raw == b"+OK\r\n"
    assert raw.call("GET", "big") == value


def test_bulk_trailing_bytes_are_not_checked_like_redis(raw):
    raw.send(b"*1\r\n$4\r\nPINGxx*1\r\n$4\r\nPING\r\n")
    assert raw.read_reply().raw == b"+PONG\r\n"
    assert raw.read_reply().raw == b"+PONG\r\n"


# ---- RESP3 -------------------------------------------------------------------


def test_hello_3_switches_to_resp3_shapes_and_hello_2_back(raw):
    raw.send_command("HELLO", "3")
    reply = raw.read_reply()
    assert reply.raw.startswith(b"%7\r\n")
    assert reply.value[b"proto"] == 3
    raw.send_command("GET", "missing")
    assert raw.read_reply().raw == b"_\r\n"
    raw.send_command("HELLO", "2")
    assert raw.read_reply().raw.startswith(b"*14\r\n")
    raw.send_command("GET", "missing")
    assert raw.read_reply().raw == b"$-1\r\n"


def test_hello_with_an_unsupported_version_keeps_the_protocol(raw):
    raw.send_command("HELLO", "4")
    assert raw.read_reply().raw == b"-NOPROTO unsupported protocol version\r\n"
    raw.send_command("GET", "missing")
    assert raw.read_reply().raw == b"$-1\r\n"


DEBUG_PROTOCOL_TYPES = ["string", "integer", "double", "bignum", "null", "array", "set", "map",
                        "attrib", "push", "verbatim", "true", "false"]


@pytest.mark.parametrize("proto", [2, 3])
def test_debug_protocol_replies_match_redis_byte_for_byte(server_factory, ref_server, proto):
    tern = server_factory("--enable-debug-command", "yes")
    with tern.raw() as t, ref_server.raw() as r:
        t.send_command("COMMAND", "INFO", "debug")
        if t.read_reply().value == [None]:
            pytest.skip("DEBUG is not implemented yet")
        for conn in (t, r):
            conn.send_command("HELLO", str(proto))
            conn.read_reply()
        for typ in DEBUG_PROTOCOL_TYPES:
            # RESP3 push is followed by a normal reply.
            count = 2 if (typ == "push" and proto == 3) else 1
            got = []
            for conn in (t, r):
                conn.send_command("DEBUG", "PROTOCOL", typ)
                got.append([conn.read_reply().raw for _ in range(count)])
            assert got[0] == got[1], f"DEBUG PROTOCOL {typ} under RESP{proto}"


# ---- malformed input ---------------------------------------------------------

MALFORMED = [
    (b"*x\r\n", b"ERR Protocol error: invalid multibulk length"),
    (b"*\r\n", b"ERR Protocol error: invalid multibulk length"),
    (b"*01\r\n", b"ERR Protocol error: invalid multibulk length"),
    (b"*2147483648\r\n", b"ERR Protocol error: invalid multibulk length"),
    (b"*1\r\n$-1\r\n", b"ERR Protocol error: invalid bulk length"),
    (b"*1\r\n$x\r\n", b"ERR Protocol error: invalid bulk length"),
    (b"*2\r\n$4\r\nECHO\r\n$536870913\r\n", b"ERR Protocol error: invalid bulk length"),
    (b"*1\r\nx4\r\nPING\r\n", b"ERR Protocol error: expected '$', got 'x'"),
    (b"*1\r\n\r\n", b"ERR Protocol error: expected '$', got ' '"),
    (b"*1\r\n" + b"1" * 65535 + b"22", b"ERR Protocol error: too big bulk count string"),
    (b"*" + b"1" * 65536, b"ERR Protocol error: too big mbulk count string"),
    (b"x" * 65537, b"ERR Protocol error: too big inline request"),
    (b"PI\x00NG\n" + b"x" * (65537 - 6), b"ERR Protocol error: too big inline request"),
    (b"*1\r\n\x00\r\n" + b"y" * 65534, b"ERR Protocol error: too big bulk count string"),
    (b'ECHO "unbalanced\r\n', b"ERR Protocol error: unbalanced quotes in request"),
    (b'ECHO "ab"c\r\n', b"ERR Protocol error: unbalanced quotes in request"),
    (b"ECHO 'x\r\n", b"ERR Protocol error: unbalanced quotes in request"),
]


@pytest.mark.parametrize("data,error", MALFORMED, ids=[e.decode()[20:] + f"-{i}" for i, (_, e) in enumerate(MALFORMED)])
def test_malformed_input_gets_the_exact_error_then_the_connection_closes(server, data, error):
    bystander = server.raw()
    bystander.call("PING")
    with server.raw() as conn:
        assert_error_then_close(conn, data, error)
    assert bystander.call("PING") == b"PONG", "another client was hurt"
    with server.raw() as fresh:
        assert fresh.call("PING") == b"PONG"
    bystander.close()


def test_commands_before_a_protocol_error_in_the_same_write_are_answered(raw):
    raw.send(encode_command("SET", "before", "1") + b"PING\r\n*y\r\n" + encode_command("SET", "after", "1"))
    assert raw.read_reply().raw == b"+OK\r\n"
    assert raw.read_reply().raw == b"+PONG\r\n"
    assert raw.read_reply().raw == b"-ERR Protocol error: invalid multibulk length\r\n"
    assert raw.wait_closed()


def test_a_line_with_a_nul_before_its_end_waits_instead_of_running(server, client):
    with server.raw() as conn:
        # Were the line cut at the NUL, this would run "SET nulkey v".
        conn.send(b"SET nulkey v\x00 x\r\n")
        with pytest.raises(ReplyTimeout):
            conn.read_reply(timeout=0.3)
    assert client.get("nulkey") is None


# ---- clients that disappear --------------------------------------------------


def test_a_client_that_closes_in_the_middle_of_a_big_reply_does_not_hurt_the_server(server, client):
    value = b"v" * (1 << 20)
    server.client(decode_responses=False).set(b"big", value)
    for linger in (False, True):
        s = socket.create_connection((server.host, server.port))
        if linger:  # close with a reset instead of a FIN
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.sendall(encode_command("GET", "big") * 40)  # 40 MB of replies
        s.recv(1000)  # the reply has started
        s.close()
    time.sleep(0.1)
    assert client.ping() is True
    with server.raw() as conn:
        assert conn.call("GET", "big") == value


def test_a_client_that_closes_with_commands_still_unparsed_does_not_hurt_the_server(server, client):
    s = socket.create_connection((server.host, server.port))
    s.sendall(encode_command("SET", "half", "x") + b"*3\r\n$3\r\nSET\r\n$4\r\nha")
    s.close()
    time.sleep(0.05)
    assert client.get("half") in ("x", None)
    assert client.ping() is True


def test_many_clients_connecting_and_vanishing_leave_the_server_healthy(server, client):
    for _ in range(50):
        s = socket.create_connection((server.host, server.port))
        s.sendall(b"PING\r\n*2\r\n$3\r\nGET\r\n")
        s.close()
    assert client.ping() is True
    with server.raw() as conn:
        assert conn.call("PING") == b"PONG"


# ---- replies assembled from many pieces ------------------------------------------


@pytest.mark.parametrize("proto", [2, 3])
def test_replies_built_with_many_deferred_lengths_arrive_intact(raw, proto):
    # COMMAND and COMMAND DOCS open a deferred length per flag/ACL set.
    raw.send_command("HELLO", str(proto))
    raw.read_reply()
    count = raw.call("COMMAND", "COUNT")
    commands = raw.call("COMMAND")
    assert len(commands) == count
    assert all(isinstance(info, list) and len(info) == 10 for info in commands)
    docs = raw.call("COMMAND", "DOCS")
    if proto == 3:
        assert isinstance(docs, dict) and len(docs) == count
    else:
        assert isinstance(docs, list) and len(docs) == 2 * count


def test_a_pipeline_of_big_and_small_replies_keeps_its_order(raw):
    big = b"B" * 100_000
    raw.call("SET", "big", big)
    raw.send((encode_command("GET", "big") + encode_command("PING") + encode_command("COMMAND", "COUNT")) * 50)
    for _ in range(50):
        assert raw.read_reply().value == big
        assert raw.read_reply().raw == b"+PONG\r\n"
        assert isinstance(raw.read_reply().value, int)
