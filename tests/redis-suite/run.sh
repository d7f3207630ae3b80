#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Redis's own Tcl test suite against tern-server (or any server), one unit per
# process.  Usage: tests/redis-suite/run.sh REDIS_SRC [options] [UNIT...]
# See runsuite.py --help.  Not part of `make test`: without REDIS_SRC it only
# says so and exits 0.
exec /usr/bin/python3 "$(dirname "$0")/runsuite.py" "$@"
