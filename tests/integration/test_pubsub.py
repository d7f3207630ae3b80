"""Pub/sub: SUBSCRIBE/PSUBSCRIBE/SSUBSCRIBE, PUBLISH fan-out, RESP3 pushes,
slow consumers and client-output-buffer-limit.

Single-connection reply shapes are in tests/diff/cases/pubsub_basic.txt;
the tests marked "like redis" here replay multi-connection scenarios
against the reference server and compare the bytes.
"""

import os
import socket
import time

import pytest

from support import servers
from support.resp import ConnectionClosed, Push, ReplyTimeout, encode_command

SANITIZED = os.environ.get("TERN_SANITIZED", "") not in ("", "0")


def _wait_for(predicate, timeout=2.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


def _numsub(conn, channel):
    return conn.call("PUBSUB", "NUMSUB", channel)[1]


def _config_or_skip(conn, *args):
    reply = conn.call("CONFIG", *args)
    if isinstance(reply, bytes) and reply.startswith(b"ERR unknown command"):
        pytest.skip("CONFIG is not in this build yet")
    return reply


def _rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


# ---- delivery ----


def test_a_message_published_to_lobby_reaches_its_subscriber_within_a_second(server, client):
    ps = server.client().pubsub()
    ps.subscribe("lobby")
    assert ps.get_message(timeout=1.0)["type"] == "subscribe"
    assert client.publish("lobby", "hello everyone") == 1
    start = time.monotonic()
    msg = ps.get_message(timeout=1.0)
    assert time.monotonic() - start < 1.0
    assert msg == {"type": "message", "pattern": None, "channel": "lobby", "data": "hello everyone"}
    ps.close()


def test_psubscribe_room_star_receives_a_message_published_to_room_42(server, client):
    ps = server.client().pubsub()
    ps.psubscribe("room:*")
    assert ps.get_message(timeout=1.0)["type"] == "psubscribe"
    assert client.publish("room:42", "seat taken") == 1
    assert client.publish("hall:1", "not for rooms") == 0
    msg = ps.get_message(timeout=1.0)
    assert msg == {"type": "pmessage", "pattern": "room:*", "channel": "room:42", "data": "seat taken"}
    assert ps.get_message(timeout=0.1) is None
    ps.close()


def test_publish_to_a_channel_without_subscribers_returns_0(client):
    assert client.publish("nobody-listens", "x") == 0
    assert client.execute_command("SPUBLISH", "nobody-listens", "x") == 0


def test_a_client_on_a_channel_and_a_matching_pattern_gets_both_messages(server, raw):
    with server.raw() as sub:
        sub.send_command("SUBSCRIBE", "room:42")
        sub.send_command("PSUBSCRIBE", "room:*")
        assert sub.read_reply().value == [b"subscribe", b"room:42", 1]
        assert sub.read_reply().value == [b"psubscribe", b"room:*", 2]
        assert raw.call("PUBLISH", "room:42", "hi") == 2
        got = [sub.read_reply().value for _ in range(2)]
        assert got == [[b"message", b"room:42", b"hi"], [b"pmessage", b"room:*", b"room:42", b"hi"]]


def test_publish_returns_the_number_of_receivers_and_each_gets_exactly_one_copy(server, raw):
    subs = [server.raw() for _ in range(5)]
    try:
        for s in subs:
            assert s.call("SUBSCRIBE", "fan")[0] == b"subscribe"
        assert raw.call("PUBLISH", "fan", "payload") == 5
        for s in subs:
            assert s.read_reply().value == [b"message", b"fan", b"payload"]
            with pytest.raises(ReplyTimeout):
                s.read_reply(timeout=0.1)
    finally:
        for s in subs:
            s.close()


def test_resp2_and_resp3_subscribers_each_get_their_own_framing_of_one_publish(server, raw):
    with server.raw() as s2, server.raw() as s3, server.raw() as p3:
        s3.call("HELLO", "3")
        p3.call("HELLO", "3")
        for s in (s2, s3):
            s.call("SUBSCRIBE", "mixed")
        p3.call("PSUBSCRIBE", "mix*")
        s2.call("PSUBSCRIBE", "mix*")
        assert raw.call("PUBLISH", "mixed", "m") == 4
        assert s2.read_reply().raw == b"*3\r\n$7\r\nmessage\r\n$5\r\nmixed\r\n$1\r\nm\r\n"
        assert s2.read_reply().raw == b"*4\r\n$8\r\npmessage\r\n$4\r\nmix*\r\n$5\r\nmixed\r\n$1\r\nm\r\n"
        assert s3.read_reply().raw == b">3\r\n$7\r\nmessage\r\n$5\r\nmixed\r\n$1\r\nm\r\n"
        assert p3.read_reply().raw == b">4\r\n$8\r\npmessage\r\n$4\r\nmix*\r\n$5\r\nmixed\r\n$1\r\nm\r\n"
        # The next publish must not see a frame left flipped by the last one.
        assert raw.call("PUBLISH", "mixed", "again") == 4
        assert s2.read_reply().raw.startswith(b"*3\r\n")
        assert s2.read_reply().raw.startswith(b"*4\r\n")
        assert s3.read_reply().raw.startswith(b">3\r\n")


def test_resp3_subscriber_gets_pushes_while_running_other_commands(server, raw):
    with server.raw() as sub:
        sub.call("HELLO", "3")
        assert sub.call("SUBSCRIBE", "news") == Push([b"subscribe", b"news", 1])
        assert sub.call("SET", "k", "v") == b"OK"
        assert raw.call("PUBLISH", "news", "breaking") == 1
        # The push was queued before the GET ran, so it arrives first.
        sub.send_command("GET", "k")
        first, second = sub.read_reply(), sub.read_reply()
        assert first.raw == b">3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$8\r\nbreaking\r\n"
        assert isinstance(first.value, Push)
        assert second.raw == b"$1\r\nv\r\n"
        assert sub.call("PUBSUB", "NUMSUB", "news") == [b"news", 1]


def test_big_messages_and_binary_names_arrive_intact(server, raw):
    payload = bytes(range(256)) * 4096  # 1 MiB
    channel = b"bin\x00\r\nchan"
    subs = [server.raw() for _ in range(3)]
    try:
        for s in subs:
            s.call("SUBSCRIBE", channel)
        assert raw.call("PUBLISH", channel, payload) == 3
        for s in subs:
            assert s.read_reply(timeout=10).value == [b"message", channel, payload]
    finally:
        for s in subs:
            s.close()


def test_unsubscribe_without_arguments_leaves_every_channel_with_one_reply_each(server):
    with server.raw() as sub:
        sub.send_command("SUBSCRIBE", "a", "b", "c")
        assert [sub.read_reply().value[2] for _ in range(3)] == [1, 2, 3]
        with server.raw() as other:
            assert sorted(other.call("PUBSUB", "CHANNELS")) == [b"a", b"b", b"c"]
            assert sorted(other.call("PUBSUB", "CHANNELS", "[ab]")) == [b"a", b"b"]
        sub.send_command("UNSUBSCRIBE")
        replies = [sub.read_reply().value for _ in range(3)]
        assert sorted(r[1] for r in replies) == [b"a", b"b", b"c"]
        assert sorted(r[2] for r in replies) == [0, 1, 2]
        assert sub.call("PING") == b"PONG"


def test_a_closed_subscriber_no_longer_counts(server, raw):
    sub = server.raw()
    sub.call("SUBSCRIBE", "leaving")
    sub.call("PSUBSCRIBE", "leav*")
    sub.call("SSUBSCRIBE", "leaving")
    assert raw.call("PUBSUB", "NUMPAT") >= 1
    sub.close()
    _wait_for(lambda: _numsub(raw, "leaving") == 0, what="the subscriber to go")
    assert raw.call("PUBLISH", "leaving", "x") == 0
    assert raw.call("SPUBLISH", "leaving", "x") == 0
    assert b"leaving" not in raw.call("PUBSUB", "CHANNELS")
    assert raw.call("PUBSUB", "SHARDNUMSUB", "leaving") == [b"leaving", 0]


def test_pattern_counts_are_unique_patterns_not_subscriptions(server, raw):
    a, b = server.raw(), server.raw()
    try:
        base = raw.call("PUBSUB", "NUMPAT")
        a.call("PSUBSCRIBE", "np:*")
        b.call("PSUBSCRIBE", "np:*")
        assert raw.call("PUBSUB", "NUMPAT") == base + 1
        assert raw.call("PUBLISH", "np:1", "x") == 2
    finally:
        a.close()
        b.close()


def test_shard_channels_are_separate_from_plain_channels(server, raw):
    with server.raw() as sub:
        sub.call("SSUBSCRIBE", "orders")
        assert raw.call("PUBLISH", "orders", "plain") == 0
        assert raw.call("SPUBLISH", "orders", "sharded") == 1
        assert sub.read_reply().value == [b"smessage", b"orders", b"sharded"]
        assert raw.call("PUBSUB", "SHARDCHANNELS", "ord*") == [b"orders"]
        assert raw.call("PUBSUB", "NUMSUB", "orders") == [b"orders", 0]


def test_subscriptions_made_inside_exec_take_effect(server, raw):
    with server.raw() as sub:
        sub.call("MULTI")
        sub.call("SUBSCRIBE", "txchan")
        assert sub.call("EXEC") == [[b"subscribe", b"txchan", 1]]
        assert raw.call("PUBLISH", "txchan", "x") == 1
        assert sub.read_reply().value == [b"message", b"txchan", b"x"]


# ---- slow consumers ----


def _slow_subscriber(server, channel):
    """A subscriber with a tiny receive buffer that never reads."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect((server.host, server.port))
    s.sendall(encode_command("SUBSCRIBE", channel))
    return s


def _closed_by_peer(sock, timeout=5.0):
    """Drains `sock` until EOF; True if the peer closed within `timeout`."""
    sock.settimeout(timeout)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if not sock.recv(1 << 20):
                return True
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False
    return False


def _publish_until_dropped(pub, channel, payload, max_messages):
    for sent in range(1, max_messages + 1):
        if pub.call("PUBLISH", channel, payload, timeout=10) == 0:
            return sent
    return None


def test_a_subscriber_that_never_reads_is_disconnected_and_memory_stays_bounded(server, raw):
    # Default limits: pubsub hard limit 32mb.  Publishing up to 160 MiB to a
    # reader that never reads must end in a disconnect well before that.
    sub = _slow_subscriber(server, "firehose")
    try:
        _wait_for(lambda: _numsub(raw, "firehose") == 1, what="the subscription")
        payload = b"x" * (1 << 20)
        base = peak = _rss_kb(server.pid)
        for sent in range(1, 161):
            receivers = raw.call("PUBLISH", "firehose", payload, timeout=10)
            peak = max(peak, _rss_kb(server.pid))
            if receivers == 0:
                break
        assert receivers == 0, "the slow subscriber was never disconnected"
        assert sent < 80, f"disconnected only after {sent} MiB"
        if not SANITIZED:  # ASan's quarantine keeps freed memory resident
            assert peak - base < 96 * 1024, f"RSS grew by {(peak - base) // 1024} MiB"
        assert _numsub(raw, "firehose") == 0
        assert _closed_by_peer(sub)
        assert raw.call("PING") == b"PONG"
    finally:
        sub.close()


def test_the_pubsub_hard_limit_from_the_command_line_is_enforced(server_factory):
    srv = server_factory("--client-output-buffer-limit", "pubsub 1mb 0 0")
    with srv.raw() as pub:
        sub = _slow_subscriber(srv, "ch")
        try:
            _wait_for(lambda: _numsub(pub, "ch") == 1, what="the subscription")
            sent = _publish_until_dropped(pub, "ch", b"y" * (64 * 1024), 400)
            assert sent is not None and sent > 1
            assert _closed_by_peer(sub)
        finally:
            sub.close()
        info = pub.call("INFO", "stats")
        if not (isinstance(info, bytes) and info.startswith(b"ERR unknown command")):
            assert b"client_output_buffer_limit_disconnections:1\r\n" in info
    assert "closed ASAP for overcoming of output buffer limits" in srv.log()


def test_a_subscriber_over_the_soft_limit_for_longer_than_its_seconds_is_disconnected(server_factory):
    # Soft limit only: going over it does not disconnect at once, staying
    # over it for more than 1 second does, even with no further publishes.
    srv = server_factory("--client-output-buffer-limit", "pubsub 0 256kb 1", "--hz", "50")
    with srv.raw() as pub:
        sub = _slow_subscriber(srv, "ch")
        try:
            _wait_for(lambda: _numsub(pub, "ch") == 1, what="the subscription")
            payload = b"z" * (64 * 1024)
            for _ in range(200):  # well past the soft limit plus socket buffers
                assert pub.call("PUBLISH", "ch", payload) == 1
            assert _numsub(pub, "ch") == 1, "closed at once, like a hard limit"
            _wait_for(lambda: _numsub(pub, "ch") == 0, timeout=5.0, what="the soft-limit disconnect")
            assert _closed_by_peer(sub)
        finally:
            sub.close()


def test_a_subscriber_that_keeps_up_is_never_disconnected(server_factory):
    srv = server_factory("--client-output-buffer-limit", "pubsub 256kb 128kb 0")
    with srv.raw() as pub, srv.raw() as sub:
        sub.call("SUBSCRIBE", "ch")
        payload = b"w" * (32 * 1024)
        for _ in range(100):  # 3.2 MB in total, read as it comes
            assert pub.call("PUBLISH", "ch", payload) == 1
            assert sub.read_reply().value[2] == payload


def test_a_normal_client_with_a_hard_limit_is_disconnected_when_it_stops_reading(server_factory):
    srv = server_factory("--client-output-buffer-limit", "normal 1mb 0 0")
    with srv.raw() as setup:
        setup.call("SET", "big", "v" * (256 * 1024))
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.connect((srv.host, srv.port))
        try:
            s.sendall(encode_command("GET", "big") * 200)  # 50 MB of replies, never read
            assert _closed_by_peer(s, timeout=10)
        finally:
            s.close()
        assert setup.call("PING") == b"PONG"


def test_normal_clients_have_no_output_limit_by_default(server, raw):
    raw.call("SET", "big", "v" * (512 * 1024))
    raw.send(encode_command("GET", "big") * 100)  # 50 MB queued before we read
    time.sleep(0.2)
    for _ in range(100):
        assert len(raw.read_reply(timeout=10).value) == 512 * 1024


# ---- config ----


def test_config_get_shows_the_default_output_buffer_limits_as_redis_does(raw):
    reply = _config_or_skip(raw, "GET", "client-output-buffer-limit")
    assert reply == [b"client-output-buffer-limit",
                     b"normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"]


def test_config_set_output_buffer_limits_changes_only_the_classes_named(server_factory):
    srv = server_factory()
    with srv.raw() as c:
        _config_or_skip(c, "GET", "client-output-buffer-limit")
        assert c.call("CONFIG", "SET", "client-output-buffer-limit", "pubsub 1mb 512kb 10") == b"OK"
        assert c.call("CONFIG", "GET", "client-output-buffer-limit")[1] == (
            b"normal 0 0 0 slave 268435456 67108864 60 pubsub 1048576 524288 10")
        err = c.call("CONFIG", "SET", "client-output-buffer-limit", "master 1 2 3")
        assert err.startswith(b"ERR CONFIG SET failed")


def test_a_config_file_line_sets_the_output_buffer_limits(server_factory):
    srv = server_factory(config="client-output-buffer-limit pubsub 2mb 1mb 5\n")
    with srv.raw() as c:
        got = _config_or_skip(c, "GET", "client-output-buffer-limit")
        assert got[1] == b"normal 0 0 0 slave 268435456 67108864 60 pubsub 2097152 1048576 5"


def test_a_bad_output_buffer_limit_in_the_config_file_stops_startup(server_factory):
    with pytest.raises(servers.ServerError) as e:
        server_factory(config="client-output-buffer-limit pubsub 1mb\n")
    assert "Wrong number of arguments in buffer limit configuration." in str(e.value)


# ---- like redis: multi-connection scenarios compared byte for byte ----


def _fanout_scenario(srv):
    out = []
    with srv.raw() as pub, srv.raw() as s2, srv.raw() as s3:
        s3.call("HELLO", "3")
        out.append(s2.call("SUBSCRIBE", "room:42"))
        for args in (("SUBSCRIBE", "room:42"), ("PSUBSCRIBE", "room:*")):
            s3.send_command(*args)
            out.append(s3.read_reply().raw)
        out.append(pub.call("PUBLISH", "room:42", "hello"))
        out.append(s2.read_reply().raw)
        out += [s3.read_reply().raw, s3.read_reply().raw]
        out.append(pub.call("PUBLISH", "room:7", "only the pattern"))
        out.append(s3.read_reply().raw)
        out.append(pub.call("PUBSUB", "NUMSUB", "room:42", "room:7"))
        out.append(pub.call("PUBSUB", "NUMPAT"))
        out.append(pub.call("PUBSUB", "CHANNELS", "room:*"))
        s3.send_command("SET", "k", "v")
        out.append(s3.read_reply().raw)
        out.append(pub.call("PUBLISH", "room:42", "after"))
        out.append(s2.read_reply().raw)
        out += [s3.read_reply().raw, s3.read_reply().raw]
        out.append(s2.call("GET", "k"))
        s2.send_command("PING")
        out.append(s2.read_reply().raw)
    return out


def test_fan_out_to_resp2_and_resp3_subscribers_is_byte_identical_to_redis(server, ref_server):
    for srv in (server, ref_server):
        with srv.raw() as c:
            c.call("FLUSHALL")
    assert _fanout_scenario(server) == _fanout_scenario(ref_server)


def test_a_publisher_that_is_also_a_resp3_subscriber_sees_its_message_first_like_redis(server, ref_server):
    def scenario(srv):
        with srv.raw() as c:
            c.call("HELLO", "3")
            c.call("SUBSCRIBE", "self")
            c.send_command("PUBLISH", "self", "me")
            return [c.read_reply().raw, c.read_reply().raw]
    assert scenario(server) == scenario(ref_server)


def test_quit_is_allowed_while_subscribed_and_closes_the_connection(server):
    with server.raw() as sub:
        sub.call("SUBSCRIBE", "bye")
        assert sub.call("QUIT") == b"OK"
        assert sub.wait_closed()
        with pytest.raises(ConnectionClosed):
            sub.call("PING")
