"""TLS listeners: a throw-away CA and certificates are made with the openssl
CLI for each test session (nothing secret is committed).  Covered: the
handshake from redis-py and redis-cli --tls, mutual authentication
required / optional / off, certificates from another CA refused both ways,
plaintext on the TLS port, plain and TLS ports side by side, many
concurrent TLS clients, a client stalled mid-handshake not blocking
others, values larger than a TLS record, and CONFIG SET of the port and
of the certificate (reloaded for new connections)."""

import os
import socket
import ssl
import subprocess
import threading

import pytest
import redis

from support import servers


def _openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def _make_ca(d, name):
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out",
             f"{name}.crt", "-days", "2", "-subj", f"/CN={name}", cwd=d)


def _make_cert(d, ca, name, server=False):
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out",
             f"{name}.csr", "-subj", f"/CN={name}", cwd=d)
    args = ["x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.crt", "-CAkey", f"{ca}.key",
            "-CAcreateserial", "-out", f"{name}.crt", "-days", "2"]
    if server:
        with open(os.path.join(d, "san.cnf"), "w") as f:
            f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
        args += ["-extfile", "san.cnf"]
    _openssl(*args, cwd=d)


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    d = str(tmp_path_factory.mktemp("tls"))
    _make_ca(d, "ca")
    _make_ca(d, "otherca")
    _make_cert(d, "ca", "server", server=True)
    _make_cert(d, "ca", "server2", server=True)
    _make_cert(d, "ca", "client")
    _make_cert(d, "otherca", "stranger")
    return lambda name: os.path.join(d, name)


def _tls_args(certs, port, *extra):
    return ["--tls-port", str(port), "--tls-cert-file", certs("server.crt"),
            "--tls-key-file", certs("server.key"), "--tls-ca-cert-file", certs("ca.crt"), *extra]


def _start(server_factory, certs, *extra):
    port = servers.free_port()
    srv = server_factory(*_tls_args(certs, port, *extra))
    return srv, port


def _client(port, certs, cert="client", ca="ca.crt", **kw):
    kwargs = dict(host="127.0.0.1", port=port, ssl=True, ssl_ca_certs=certs(ca),
                  ssl_cert_reqs="required", socket_timeout=10)
    if cert:
        kwargs.update(ssl_certfile=certs(f"{cert}.crt"), ssl_keyfile=certs(f"{cert}.key"))
    kwargs.update(kw)
    return redis.Redis(**kwargs)


def test_redis_py_over_tls_with_mutual_auth(server_factory, certs):
    srv, port = _start(server_factory, certs)
    c = _client(port, certs)
    assert c.ping()
    assert c.set("k", "v")
    assert c.get("k") == b"v"
    # The plain port serves the same data.
    assert srv.client().get("k") == "v"


def test_redis_cli_tls(server_factory, certs):
    srv, port = _start(server_factory, certs)
    base = ["redis-cli", "-h", "127.0.0.1", "-p", str(port), "--tls", "--cacert",
            certs("ca.crt"), "--cert", certs("client.crt"), "--key", certs("client.key")]
    out = subprocess.run(base + ["SET", "cli", "yes"], capture_output=True, text=True, timeout=30)
    assert out.stdout.strip() == "OK", out.stderr
    out = subprocess.run(base + ["GET", "cli"], capture_output=True, text=True, timeout=30)
    assert out.stdout.strip() == "yes"


def test_a_client_without_a_certificate_is_refused_when_auth_is_required(server_factory, certs):
    srv, port = _start(server_factory, certs)
    with pytest.raises(redis.exceptions.ConnectionError):
        _client(port, certs, cert=None).ping()
    assert srv.client().ping()


def test_tls_auth_clients_optional_and_no(server_factory, certs):
    srv, port = _start(server_factory, certs, "--tls-auth-clients", "optional")
    assert _client(port, certs, cert=None).ping()
    assert _client(port, certs).ping()
    # optional still verifies a certificate that is offered.
    with pytest.raises(redis.exceptions.ConnectionError):
        _client(port, certs, cert="stranger").ping()
    srv.client().config_set("tls-auth-clients", "no")
    assert _client(port, certs, cert="stranger").ping()


def test_certificates_of_another_ca_are_refused_both_ways(server_factory, certs):
    srv, port = _start(server_factory, certs)
    with pytest.raises(redis.exceptions.ConnectionError):
        _client(port, certs, cert="stranger").ping()
    # The client does not trust the server's CA.
    with pytest.raises(redis.exceptions.ConnectionError):
        _client(port, certs, ca="otherca.crt").ping()
    assert _client(port, certs).ping()


def test_plaintext_on_the_tls_port_is_refused_cleanly(server_factory, certs):
    srv, port = _start(server_factory, certs)
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(b"*1\r\n$4\r\nPING\r\n")
        data = b""
        try:
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
        except ConnectionResetError:
            pass
        assert b"PONG" not in data
    assert _client(port, certs).ping()
    assert srv.client().ping()


def test_a_client_stalled_mid_handshake_does_not_block_others(server_factory, certs):
    srv, port = _start(server_factory, certs)
    stalled = []
    for _ in range(3):
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        s.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")  # a ClientHello's first bytes
        stalled.append(s)
    silent = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        c = _client(port, certs)
        for j in range(20):
            assert c.set(f"s{j}", j)
        assert srv.client().ping()
    finally:
        for s in stalled + [silent]:
            s.close()


def test_many_concurrent_tls_clients(server_factory, certs):
    srv, port = _start(server_factory, certs)
    errors = []

    def work(n):
        try:
            c = _client(port, certs)
            for j in range(20):
                c.rpush(f"list{n}", j)
            assert c.llen(f"list{n}") == 20
            c.close()
        except Exception as e:  # reported below
            errors.append(repr(e))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors
    plain = srv.client()
    assert sum(plain.llen(f"list{n}") for n in range(40)) == 800


def test_values_larger_than_a_tls_record_round_trip(server_factory, certs):
    srv, port = _start(server_factory, certs)
    c = _client(port, certs)
    big = os.urandom(3 * 1024 * 1024 + 17)
    assert c.set("big", big)
    assert c.get("big") == big
    pipe = c.pipeline(transaction=False)
    for j in range(200):
        pipe.set(f"p{j}", big[:40000])
    for j in range(200):
        pipe.get(f"p{j}")
    out = pipe.execute()
    assert out[:200] == [True] * 200 and all(v == big[:40000] for v in out[200:])


def test_config_set_tls_port_and_certificate_reload(server_factory, certs):
    srv, port = _start(server_factory, certs)
    admin = srv.client()
    new_port = servers.free_port()
    assert admin.config_set("tls-port", new_port)
    assert admin.config_get("tls-port") == {"tls-port": str(new_port)}
    assert _client(new_port, certs).ping()
    with pytest.raises(redis.exceptions.ConnectionError):
        _client(port, certs).ping()

    def served_cn():
        ctx = ssl.create_default_context(cafile=certs("ca.crt"))
        ctx.load_cert_chain(certs("client.crt"), certs("client.key"))
        with socket.create_connection(("127.0.0.1", new_port), timeout=10) as s:
            with ctx.wrap_socket(s, server_hostname="localhost") as t:
                return dict(x[0] for x in t.getpeercert()["subject"])["commonName"]

    assert served_cn() == "server"
    assert admin.config_set("tls-cert-file", certs("server2.crt"),
                            "tls-key-file", certs("server2.key"))
    assert served_cn() == "server2"
    with pytest.raises(redis.exceptions.ResponseError, match="Unable to update TLS configuration"):
        admin.config_set("tls-cert-file", certs("nosuch.crt"))
    assert admin.config_get("tls-cert-file") == {"tls-cert-file": certs("server2.crt")}
    assert served_cn() == "server2"


def test_a_bad_certificate_at_startup_is_fatal(tern_binary, certs, tmp_path):
    proc = subprocess.run([tern_binary, "--port", "0", "--tls-port", str(servers.free_port()),
                           "--tls-cert-file", certs("nosuch.crt"), "--tls-key-file",
                           certs("server.key"), "--tls-ca-cert-file", certs("ca.crt")],
                          capture_output=True, text=True, timeout=30, cwd=tmp_path)
    assert proc.returncode != 0
    assert "Failed to configure TLS" in proc.stdout + proc.stderr
