"""Test support shared by tests/integration, tests/diff and bench/.

resp.py     RESP2/RESP3 encoder, parser and a raw socket connection.
servers.py  start/stop a server binary on a free loopback port.

Pure stdlib: nothing here imports pytest, so bench/run.py can use it too.
"""
