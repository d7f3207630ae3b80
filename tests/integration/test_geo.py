"""Geospatial indexes: "drivers near me" with GEOADD and GEOSEARCH, the
index as an ordinary sorted set, stores that wake blocked clients,
keyspace events and WATCH, and random points and searches (the poles,
the antimeridian, tiny and huge radii) compared with Redis byte for byte.

Byte-for-byte replies for ordinary and error cases of every GEO command
are in tests/diff/cases/geo_*.txt.
"""

import os
import random
import time

from support.blocking import open_blocked
from support.resp import ReplyTimeout

SEED = int(os.environ.get("GEO_TEST_SEED", time.time_ns() % 1_000_000_007))


def test_the_drivers_nearest_to_a_rider_come_back_nearest_first(client):
    client.geoadd("drivers", [2.3522, 48.8566, "d1", 2.2945, 48.8584, "d2",
                              2.3376, 48.8606, "d3", 4.8357, 45.7640, "lyon"])
    near = client.geosearch("drivers", longitude=2.35, latitude=48.86, radius=5, unit="km",
                            sort="ASC", withdist=True)
    assert [name for name, _ in near] == ["d1", "d3", "d2"]
    assert all(dist < 5 for _, dist in near)
    assert client.geosearch("drivers", member="d1", radius=500, unit="km", count=1,
                            sort="DESC") == ["lyon"]
    assert round(client.geodist("drivers", "d1", "lyon", "km")) == 392


def test_a_geo_index_is_a_sorted_set_of_52_bit_geohashes(client):
    client.geoadd("g", [13.361389, 38.115556, "Palermo"])
    assert client.type("g") == "zset"
    assert client.zscore("g", "Palermo") == 3479099956230698
    assert client.geohash("g", "Palermo") == ["sqc8b49rny0"]
    client.zrem("g", "Palermo")
    assert client.geopos("g", "Palermo") == [None]


def test_geosearchstore_fills_a_sorted_set_that_wakes_a_blocked_pop(server, client):
    client.geoadd("src", [10, 10, "a", 10.001, 10, "b"])
    waiter = open_blocked(server, "BZPOPMIN", "nearby", "5")
    try:
        assert client.geosearchstore("nearby", "src", longitude=10, latitude=10, radius=1,
                                     unit="km", storedist=True) == 2
        reply = waiter.read_reply().value
        assert reply[0] == b"nearby" and reply[1] == b"a"
        assert float(reply[2]) < 1  # metres: "a" decodes to its cell centre
    finally:
        waiter.close()
    assert client.zrange("nearby", 0, -1) == ["b"]


def _drain(sub):
    out = []
    while True:
        try:
            msg = sub.read_reply(timeout=0.2).value
        except ReplyTimeout:
            return out
        out.append((msg[2].split(b":", 1)[1].decode(), msg[3].decode()))


def test_geo_writes_publish_zadd_and_the_store_events(server_factory):
    s = server_factory("--notify-keyspace-events", "KEA")
    sub = s.raw()
    assert sub.call("PSUBSCRIBE", "__keyevent@0__:*")[0] == b"psubscribe"
    with s.raw() as c:
        c.call("GEOADD", "g", 10, 10, "a")
        c.call("GEOADD", "g", 10, 10, "a")  # unchanged: no event
        c.call("GEOADD", "g", "XX", 11, 11, "a")
        c.call("GEOSEARCHSTORE", "s1", "g", "FROMLONLAT", 11, 11, "BYRADIUS", 1, "km")
        c.call("GEORADIUS", "g", 11, 11, 1, "km", "STORE", "s2")
        c.call("GEORADIUS", "g", 11, 11, 1, "km", "STOREDIST", "s2")
        c.call("GEOSEARCHSTORE", "s1", "g", "FROMLONLAT", 50, 50, "BYRADIUS", 1, "km")
        c.call("GEOSEARCH", "g", "FROMLONLAT", 11, 11, "BYRADIUS", 1, "km")
    assert _drain(sub) == [("zadd", "g"), ("zadd", "g"), ("geosearchstore", "s1"),
                           ("georadiusstore", "s2"), ("georadiusstore", "s2"), ("del", "s1")]
    sub.close()


def test_watch_sees_a_geoadd_that_moves_a_member_but_not_one_that_does_not(server):
    with server.raw() as a, server.raw() as b:
        a.call("FLUSHALL")
        a.call("GEOADD", "g", 10, 10, "a")
        a.call("WATCH", "g")
        b.call("GEOADD", "g", 10, 10, "a")
        a.call("MULTI")
        a.call("PING")
        assert a.call("EXEC") == [b"PONG"]
        a.call("WATCH", "g")
        b.call("GEOADD", "g", 10, 11, "a")
        a.call("MULTI")
        a.call("PING")
        assert a.call("EXEC") is None


def test_georadius_store_keys_are_reported_by_command_getkeys(raw):
    keys = raw.call("COMMAND", "GETKEYS", "GEOSEARCHSTORE", "dst", "src", "FROMLONLAT", "0",
                    "0", "BYRADIUS", "1", "km")
    assert keys == [b"dst", b"src"]


# ---- random points and searches against Redis ----

def _point(rnd):
    r = rnd.random()
    if r < 0.1:
        lon = rnd.choice([-180, 180]) + rnd.uniform(-0.5, 0.5) * (1 if rnd.random() < 0.5 else 0)
        lon = max(-180, min(180, lon))
    else:
        lon = rnd.uniform(-180, 180)
    if r > 0.9:
        lat = rnd.choice([-1, 1]) * rnd.uniform(80, 85.05112878)
    else:
        lat = rnd.uniform(-85.05112878, 85.05112878)
    return lon, lat


def _num(rnd, x):
    return repr(round(x, rnd.choice([2, 6, 12])))


def _search_command(rnd, members):
    key = rnd.choice(["g1", "g2"])
    radius = 10 ** rnd.uniform(-1, 7.3)  # 0.1 m .. 20000 km
    unit, per = rnd.choice([("m", 1), ("km", 1000), ("mi", 1609.34), ("ft", 0.3048)])
    size = _num(rnd, radius / per)
    opts = []
    for word in ("WITHDIST", "WITHCOORD", "WITHHASH"):
        if rnd.random() < 0.4:
            opts.append(word)
    if rnd.random() < 0.6:
        opts.append(rnd.choice(["ASC", "DESC"]))
    if rnd.random() < 0.3:
        opts += ["COUNT", str(rnd.randint(1, 20))] + (["ANY"] if rnd.random() < 0.3 else [])
    lon, lat = _point(rnd)
    kind = rnd.random()
    if kind < 0.4:
        cmd = ["GEOSEARCH", key]
        cmd += (["FROMMEMBER", rnd.choice(members)] if rnd.random() < 0.4
                else ["FROMLONLAT", _num(rnd, lon), _num(rnd, lat)])
        cmd += (["BYRADIUS", size, unit] if rnd.random() < 0.5
                else ["BYBOX", size, _num(rnd, radius / per * rnd.uniform(0.2, 3)), unit])
        return cmd + opts
    if kind < 0.6:
        cmd = ["GEOSEARCHSTORE", "dst", key, "FROMLONLAT", _num(rnd, lon), _num(rnd, lat),
               "BYRADIUS", size, unit]
        opts = [o for o in opts if not o.startswith("WITH")]
        return cmd + opts + (["STOREDIST"] if rnd.random() < 0.5 else [])
    if kind < 0.8:
        return ["GEORADIUS", key, _num(rnd, lon), _num(rnd, lat), size, unit] + opts
    return ["GEORADIUSBYMEMBER_RO", key, rnd.choice(members), size, unit] + opts


def test_random_points_and_searches_get_byte_identical_replies_from_tern_and_redis(
        server, ref_server):
    rnd = random.Random(SEED)
    with server.raw() as t, ref_server.raw() as r:
        for conn in (t, r):
            assert conn.call("FLUSHALL") == b"OK"
        members = []
        for key, n in (("g1", 100), ("g2", 3000)):
            args = []
            for j in range(n):
                lon, lat = _point(rnd)
                name = f"{key}:{j}"
                members.append(name)
                args += [_num(rnd, lon), _num(rnd, lat), name]
            for conn in (t, r):
                assert conn.call("GEOADD", key, *args) == n
        for key in ("g1", "g2"):
            assert t.call("ZRANGE", key, 0, -1, "WITHSCORES") == \
                r.call("ZRANGE", key, 0, -1, "WITHSCORES")
        for step in range(1500):
            if step % 50 == 0:
                sample = rnd.sample(members, 5)
                cmds = [["GEOPOS", "g2"] + sample, ["GEOHASH", "g2"] + sample,
                        ["GEODIST", "g2", sample[0], sample[1], rnd.choice(["m", "km", "mi"])]]
            else:
                cmds = [_search_command(rnd, members)]
                if cmds[0][0] == "GEOSEARCHSTORE":
                    cmds.append(["ZRANGE", "dst", 0, -1, "WITHSCORES"])
            for cmd in cmds:
                t.send_command(*cmd)
                r.send_command(*cmd)
                ours, theirs = t.read_reply().raw, r.read_reply().raw
                assert ours == theirs, f"seed {SEED}, step {step}: {cmd}"
