"""Print what the reference redis-server replies to each line of case files.

    /usr/bin/python3 tests/diff/show.py tests/diff/cases/strings_basic.txt

A help for writing cases: it starts its own reference server and stops it.
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

from support import servers  # noqa: E402
from test_diff_cases import run_script, _show  # noqa: E402


def main(paths):
    ref = servers.start_server(servers.REFERENCE_BINARY, servers.REFERENCE_ARGS, name="redis")
    try:
        for path in paths:
            print(f"== {path}")
            run = run_script(path, [("redis", ref)],
                              show=lambda step, outs: print(f"{step.lineno:4}  {step.text}\n"
                                                            f"      -> {_show(outs[0])}"))
            for failure in run.failures:
                print(failure)
    finally:
        ref.stop()


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
