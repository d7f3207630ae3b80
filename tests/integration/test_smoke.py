"""First signs of life: PING, SET/GET, INCR and pipelining."""


def test_ping_replies_pong(client, raw):
    assert client.ping() is True
    assert raw.call("PING") == b"PONG"


def test_ping_with_an_argument_echoes_it_as_a_bulk_string(raw):
    raw.send_command("PING", "hello")
    assert raw.read_reply().raw == b"$5\r\nhello\r\n"


def test_set_replies_ok_and_get_returns_the_stored_value(client):
    assert client.set("greeting", "hello") is True
    assert client.get("greeting") == "hello"


def test_get_of_a_missing_key_replies_nil(client):
    assert client.get("no-such-key") is None


def test_incr_of_a_missing_key_replies_1(client):
    # redis-py's incr() sends INCRBY; this test is about INCR itself.
    assert client.execute_command("INCR", "counter") == 1
    assert client.get("counter") == "1"


def test_set_and_get_keep_binary_values_intact(server, client):
    value = bytes(range(256)) * 4
    b = server.client(decode_responses=False)
    assert b.set(b"bin\x00key", value) is True
    assert b.get(b"bin\x00key") == value


def test_ten_thousand_pings_pipelined_in_one_write_get_ten_thousand_pongs(raw):
    n = 10_000
    raw.send(b"*1\r\n$4\r\nPING\r\n" * n)
    replies = [raw.read_reply().raw for _ in range(n)]
    assert replies == [b"+PONG\r\n"] * n


def test_a_dedicated_server_runs_on_its_own_port(server, server_factory):
    other = server_factory()
    assert other.port != server.port and other.pid != server.pid
    with other.raw() as conn:
        assert conn.call("PING") == b"PONG"
