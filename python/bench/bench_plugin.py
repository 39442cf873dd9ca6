"""What the pytest plugin costs: a session's start (the ``collab_server`` fixture:
`collab serve` started and its first line read) and a test's own fixture (``collab``:
a user, a dataset, the environment; its teardown: the environment restored, the fault
rules checked) plus one ``collab.calls()``, each the median over N generated tests.

    python python/bench/bench_plugin.py [--tests 1000] [--collab-bin PATH]

Runs pytest in this process on N generated tests (one worker: what one xdist worker
pays); needs pytest and collab-serve installed. Target: a test's fixture and its
``calls()`` in 2 ms or less.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import textwrap
import time

import pytest

TEST_FILE = """
    import time

    import pytest

    CALLS = []

    @pytest.mark.parametrize("n", range({tests}))
    def test_generated(collab, n):
        start = time.perf_counter()
        collab.calls()
        CALLS.append(time.perf_counter() - start)
"""


class Timer:
    """Times the plugin's fixtures' set-up and each test's teardown."""

    def __init__(self) -> None:
        self.session_start = None
        self.setups = []
        self.teardowns = []

    @pytest.hookimpl(hookwrapper=True)
    def pytest_fixture_setup(self, fixturedef, request):
        start = time.perf_counter()
        yield
        spent = time.perf_counter() - start
        if fixturedef.argname == "collab_server":
            self.session_start = spent
        elif fixturedef.argname == "collab":
            self.setups.append(spent)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_teardown(self, item, nextitem):
        start = time.perf_counter()
        yield
        # The last test's teardown also stops the session's server: not a test's cost.
        if nextitem is not None:
            self.teardowns.append(time.perf_counter() - start)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.3f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tests", type=int, default=1000)
    parser.add_argument("--collab-bin", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="collab-bench-") as folder:
        path = os.path.join(folder, "test_generated.py")
        with open(path, "w") as file:
            file.write(textwrap.dedent(TEST_FILE).format(tests=args.tests))
        timer = Timer()
        options = ["-q", "-p", "no:cacheprovider", "-p", "no:randomly", "-p", "no:xdist", path]
        if args.collab_bin:
            options.append(f"--collab-bin={args.collab_bin}")
        sys.path.insert(0, folder)
        code = pytest.main(options, plugins=[timer])
        if code != 0:
            print(f"pytest failed ({code})", file=sys.stderr)
            return 1
        import test_generated  # the module pytest ran, with its timings

        calls = test_generated.CALLS
    per_test = [s + c + t for s, c, t in zip(timer.setups, calls, timer.teardowns)]
    print(f"\n{args.tests} tests, one worker, Python {sys.version.split()[0]}")
    print(f"session start (collab_server):   {ms(timer.session_start)}")
    for name, values in (
        ("collab set-up (user, dataset, env)", timer.setups),
        ("collab teardown (env, faults)", timer.teardowns),
        ("collab.calls()", calls),
        ("a test's fixture cost, in all", per_test),
    ):
        values = sorted(values)
        p90 = values[int(len(values) * 0.9)]
        print(f"{name:36} median {ms(statistics.median(values))}   p90 {ms(p90)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
