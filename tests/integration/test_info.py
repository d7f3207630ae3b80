"""INFO: sections and field names as Redis 7.0 prints them (checked against
the reference server), section selection, and the counters behind them."""

import re
import time

import pytest

DEFAULT_SECTIONS = ["Server", "Clients", "Memory", "Persistence", "Stats", "Replication", "CPU",
                    "Modules", "Errorstats", "Cluster", "Keyspace"]
ALL_SECTIONS = ["Server", "Clients", "Memory", "Persistence", "Stats", "Replication", "CPU",
                "Modules", "Commandstats", "Errorstats", "Cluster", "Keyspace"]
# Sections whose lines depend on what ran (commands, errors, keys).
DYNAMIC = {"Commandstats", "Errorstats", "Keyspace", "Latencystats"}



# Fields Tern adds beyond Redis 7.0's (appended at the end of their section).
TERN_EXTRA_FIELDS = {
    "Server": ["tern_version"],
    "Stats": ["evicted_scripts", "client_query_buffer_limit_disconnections",
              "client_output_buffer_limit_disconnections"],
}

def _sections(text):
    text = text.decode() if isinstance(text, bytes) else text
    out, cur = {}, None
    for line in text.split("\r\n"):
        if line.startswith("# "):
            cur = line[2:]
            out[cur] = {}
        elif line:
            k, v = line.split(":", 1)
            out[cur][k] = v
    return out


def test_info_lines_end_in_crlf_and_sections_are_separated_by_one_empty_line(raw):
    text = raw.call("INFO", "server", "clients").decode()
    assert text.startswith("# Server\r\n")
    assert "\r\n\r\n# Clients\r\n" in text
    assert text.endswith("\r\n") and not text.endswith("\r\n\r\n")
    assert "\n" not in text.replace("\r\n", "")


def test_info_default_all_and_everything_select_redis_sections(raw):
    assert list(_sections(raw.call("INFO"))) == DEFAULT_SECTIONS
    assert list(_sections(raw.call("INFO", "default"))) == DEFAULT_SECTIONS
    assert list(_sections(raw.call("INFO", "all"))) == ALL_SECTIONS
    assert list(_sections(raw.call("INFO", "EVERYTHING"))) == ALL_SECTIONS
    assert list(_sections(raw.call("INFO", "keyspace", "SERVER"))) == ["Server", "Keyspace"]
    assert list(_sections(raw.call("INFO", "default", "commandstats"))) == ALL_SECTIONS
    assert raw.call("INFO", "nosuch") == b""


def test_every_field_redis_prints_is_present_in_the_same_order(raw, ref_server):
    ours = _sections(raw.call("INFO", "everything"))
    with ref_server.raw() as ref:
        theirs = _sections(ref.call("INFO", "everything"))
    problems = []
    for section, fields in theirs.items():
        if section == "Latencystats":
            continue  # not kept by Tern (documented in src/server/info.c)
        if section not in ours:
            problems.append(f"missing section {section}")
            continue
        if section in DYNAMIC:
            continue
        mine = [f for f in ours[section] if f in fields]
        if mine != list(fields):
            missing = [f for f in fields if f not in ours[section]]
            problems.append(f"{section}: missing {missing} or out of order")
        extra = [f for f in ours[section] if f not in fields]
        if extra != TERN_EXTRA_FIELDS.get(section, []):
            problems.append(f"{section}: unexpected fields {extra}")
    assert not problems, "\n".join(problems)


def test_redis_py_parses_every_section(server):
    c = server.client()
    info = c.info("everything")
    assert info["redis_version"] == "7.0.15"
    assert info["role"] == "master"
    assert info["tcp_port"] == server.port
    assert info["process_id"] == server.pid
    assert isinstance(info["used_memory"], int) and info["used_memory"] > 0
    assert isinstance(info["used_cpu_user"], float)
    assert info["mem_allocator"] in ("jemalloc-5.3.0", "libc")
    assert re.fullmatch(r"[0-9a-f]{40}", info["run_id"])
    assert re.fullmatch(r"[0-9a-f]{40}", info["master_replid"])
    assert info["run_id"] != info["master_replid"]
    assert c.info("cpu")["used_cpu_sys"] >= 0


def test_server_section_reports_uptime_port_executable_and_config_file(server_factory):
    srv = server_factory(config="hz 25\n")
    s = _sections(srv.raw().call("INFO", "server"))["Server"]
    assert s["tcp_port"] == str(srv.port)
    assert s["hz"] == "25" and s["configured_hz"] == "25"
    assert s["executable"].endswith("tern-server")
    assert s["config_file"].endswith("server.conf")
    assert int(s["uptime_in_seconds"]) >= 0 and s["uptime_in_days"] == "0"
    assert abs(int(s["server_time_usec"]) / 1e6 - time.time()) < 5


def test_clients_section_counts_connections(server_factory):
    srv = server_factory()
    conns = [srv.raw() for _ in range(3)]
    c = _sections(conns[0].call("INFO", "clients"))["Clients"]
    assert c["connected_clients"] == "3"
    assert c["maxclients"] == "10000"
    assert c["blocked_clients"] == "0"
    for conn in conns:
        conn.close()


def test_memory_section_follows_the_data(raw):
    before = _sections(raw.call("INFO", "memory"))["Memory"]
    raw.call("SET", "big", "x" * 1_000_000)
    after = _sections(raw.call("INFO", "memory"))["Memory"]
    assert int(after["used_memory"]) >= int(before["used_memory"]) + 1_000_000
    assert int(after["used_memory_peak"]) >= int(after["used_memory"])
    assert int(after["used_memory_rss"]) > 0
    assert re.fullmatch(r"\d+(\.\d\d[KMGTP]|B)", after["used_memory_human"])
    assert after["maxmemory"] == "0" and after["maxmemory_human"] == "0B"
    assert after["maxmemory_policy"] == "noeviction"
    assert int(after["used_memory_dataset"]) >= 1_000_000
    raw.call("DEL", "big")


def test_stats_section_counts_commands_hits_misses_and_connections(server_factory):
    srv = server_factory()
    conn = srv.raw()
    conn.call("SET", "k", "v")
    conn.call("GET", "k")
    conn.call("GET", "missing")
    conn.call("GET", "missing")
    s = _sections(conn.call("INFO", "stats"))["Stats"]
    assert s["keyspace_hits"] == "1" and s["keyspace_misses"] == "2"
    assert int(s["total_commands_processed"]) >= 4
    assert int(s["total_connections_received"]) >= 1
    assert int(s["total_net_input_bytes"]) > 0 and int(s["total_net_output_bytes"]) > 0


def test_instantaneous_ops_per_sec_rises_under_load(server_factory):
    srv = server_factory()
    conn = srv.raw()
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        conn.send(b"*1\r\n$4\r\nPING\r\n" * 200)
        for _ in range(200):
            conn.read_reply()
        ops = int(_sections(conn.call("INFO", "stats"))["Stats"]["instantaneous_ops_per_sec"])
        if ops > 0:
            return
        time.sleep(0.05)
    pytest.fail("instantaneous_ops_per_sec stayed 0 under load")


def test_commandstats_count_calls_rejections_and_failures_per_subcommand(server_factory):
    srv = server_factory()
    conn = srv.raw()
    conn.call("CONFIG", "GET", "hz")
    conn.call("CONFIG", "GET", "hz")
    conn.call("CONFIG", "GET")              # rejected: arity
    conn.call("CONFIG", "SET", "hz", "x")   # failed: runs, replies an error
    text = conn.call("INFO", "commandstats").decode()
    m = re.search(r"cmdstat_config\|get:calls=2,usec=\d+,usec_per_call=\d+\.\d\d,"
                  r"rejected_calls=1,failed_calls=0\r\n", text)
    assert m, text
    assert re.search(r"cmdstat_config\|set:calls=1,.*rejected_calls=0,failed_calls=1", text)
    assert "cmdstat_config:" not in text  # the container itself never runs


def test_errorstats_count_by_first_word_and_config_resetstat_clears_everything(server_factory):
    srv = server_factory()
    conn = srv.raw()
    conn.call("GET")
    conn.call("NOSUCH")
    conn.call("SET", "s", "abc")
    conn.call("INCR", "s")
    conn.call("DEBUG", "ERROR", "CUSTOM failure")  # raw, uncounted, as in Redis
    e = _sections(conn.call("INFO", "errorstats"))["Errorstats"]
    assert e == {"errorstat_ERR": "count=3"}
    assert conn.call("CONFIG", "RESETSTAT") == b"OK"
    info = _sections(conn.call("INFO", "everything"))
    assert info["Errorstats"] == {}
    assert list(info["Commandstats"]) == ["cmdstat_config|resetstat"]
    assert info["Stats"]["total_commands_processed"] == "1"
    assert info["Stats"]["total_error_replies"] == "0"
    assert info["Stats"]["keyspace_hits"] == "0"


def test_keyspace_section_counts_keys_and_keys_with_a_ttl_per_db(raw):
    raw.call("SET", "a", "1")
    raw.call("SET", "b", "2", "EX", "100")
    raw.call("SELECT", "2")
    raw.call("SET", "c", "3")
    ks = _sections(raw.call("INFO", "keyspace"))["Keyspace"]
    assert ks["db0"].startswith("keys=2,expires=1,avg_ttl=")
    assert ks["db2"] == "keys=1,expires=0,avg_ttl=0"
    assert "db1" not in ks


def test_info_in_resp3_is_a_verbatim_string(raw):
    raw.call("HELLO", "3")
    reply = raw.call("INFO", "cluster")
    assert reply.format == b"txt"
    assert reply == b"# Cluster\r\ncluster_enabled:0\r\n"


def test_stats_count_distinct_channels_and_patterns_with_subscribers(server_factory):
    srv = server_factory()
    a, b, probe = srv.raw(), srv.raw(), srv.raw()
    a.call("SUBSCRIBE", "news", "sport")
    a.read_reply()
    b.call("SUBSCRIBE", "news")
    b.call("PSUBSCRIBE", "n*")
    b.call("SSUBSCRIBE", "shard")
    st = _sections(probe.call("INFO", "stats"))["Stats"]
    assert (st["pubsub_channels"], st["pubsub_patterns"], st["pubsubshard_channels"]) == \
        ("2", "1", "1")
    a.close()
    b.call("UNSUBSCRIBE")
    st = _sections(probe.call("INFO", "stats"))["Stats"]
    assert (st["pubsub_channels"], st["pubsub_patterns"]) == ("0", "1")
    b.close()
    probe.close()
