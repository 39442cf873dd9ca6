"""The plugin and the package themselves, without Lightly's client: the fixtures'
isolation, `Control`'s errors, a failed start, the binary's lookup, and a server that
ends with a killed pytest."""

import os
import select
import signal
import subprocess
import sys
import textwrap
import time
import urllib.request

import pytest

import collab_serve
from collab_serve import ControlError, Server, ServerError


def test_the_fixture_gives_a_user_dataset_and_environment_of_the_test(collab, collab_server):
    assert collab.url == collab_server.url
    assert os.environ["LIGHTLY_SERVER_LOCATION"] == collab.url
    assert os.environ["LIGHTLY_TOKEN"] == collab.token
    state = collab.control.state()
    assert {"id": collab.dataset_id, "owner": collab.user, "configs": []} in state["datasets"]
    assert collab.calls() == []
    # A call of the test's own, seen in its journal with the body as a Python value.
    url = f"{collab.url}/v1/datasets/{collab.dataset_id}/collaboration/access?token={collab.token}"
    with urllib.request.urlopen(url, timeout=10) as answer:
        assert answer.status == 200
    [entry] = collab.calls()
    assert entry["path"].startswith(f"/v1/datasets/{collab.dataset_id}/")
    assert collab.verify("list") == 1
    # The admin token is no credential of the API, and is never printed.
    assert collab_server.admin_token not in repr(collab_server.control)


def test_a_refused_control_call_raises_with_the_servers_message(collab):
    with pytest.raises(ControlError) as refused:
        collab.control.add_dataset("nobody-such")
    assert refused.value.status == 400
    assert refused.value.code == "BAD_REQUEST"
    assert 'unknown user "nobody-such"' in refused.value.message
    with pytest.raises(ControlError) as bad_rule:
        collab.control.arm_fault(operation="list", status=100)
    assert bad_rule.value.status == 400 and bad_rule.value.field == "status"
    assert "must be 200..=599" in str(bad_rule.value)
    with pytest.raises(ControlError) as missing:
        collab.control.disarm_fault(987654)
    assert missing.value.status == 404 and "no fault rule 987654" in missing.value.message


def test_a_fault_is_scoped_to_the_test_and_gone_after_it(collab):
    with collab.fault(operation="list", status=500, retry_after=2) as id:
        [armed] = [rule for rule in collab.control.faults() if rule["id"] == id]
        assert armed["dataset"] == collab.dataset_id and armed["retryAfter"] == 2
    assert id not in [rule["id"] for rule in collab.control.faults()]
    # Left armed on purpose: the fixture disarms it after the test (checked by
    # the next test of this worker, whichever it is, finding no rule of another).
    collab.control.arm_fault(operation="any", status=418, user="nobody")


@pytest.mark.parametrize("n", range(3))
def test_no_test_finds_a_rule_another_left(collab, n):
    assert collab.control.faults() == []


def test_control_verify_counts_with_comparators(collab):
    url = f"{collab.url}/v1/datasets/{collab.dataset_id}/collaboration/access?token={collab.token}"
    for _ in range(3):
        urllib.request.urlopen(url, timeout=10).read()
    control = collab.control
    assert control.verify("list", user=collab.user, times=3)
    assert control.verify("list", user=collab.user, at_least=2, at_most=3)
    assert not control.verify("list", user=collab.user, at_most=2)
    assert control.verify("createOrUpdate", user=collab.user).count == 0
    with pytest.raises(ValueError):
        control.verify("list", times=1, at_least=1)


def test_a_snapshot_gives_back_the_state_it_saved(collab):
    control = collab.control
    name = f"before-{collab.user}"
    saved = control.save_snapshot(name)
    assert saved["name"] == name and saved["size"] > 0
    before = control.state()
    extra = control.add_dataset(collab.user)
    assert extra["id"] in [dataset["id"] for dataset in control.state()["datasets"]]
    assert name in [snapshot["name"] for snapshot in control.snapshots()]
    control.restore_snapshot(name)
    assert control.state() == before
    control.forget_snapshot(name)
    with pytest.raises(ControlError) as gone:
        control.restore_snapshot(name)
    assert gone.value.status == 404 and name in gone.value.message


def test_a_failed_verification_shows_the_nearest_calls(collab):
    url = f"{collab.url}/v1/datasets/{collab.dataset_id}/collaboration/access?token={collab.token}"
    urllib.request.urlopen(url, timeout=10).read()
    result = collab.control.verify("list", user=collab.user, status=201)
    assert not result and result.count == 0
    [near] = [n for n in result.nearest if n["entry"]["user"] == collab.user]
    assert {"field": "status", "expected": 201, "actual": 200} in near["differences"]


def test_a_failed_start_shows_the_servers_own_error(tmp_path, pytestconfig):
    seed = tmp_path / "seed.toml"
    seed.write_text("[[users]]\nname = 3\n")
    with pytest.raises(ServerError) as failed:
        Server(bin=pytestconfig.getoption("collab_bin"), seed=seed).start()
    message = str(failed.value)
    assert "exited with status 2" in message
    # The server's own words: the file, where in it, and what is wrong.
    assert f"{seed}: line 2, column 8: invalid type: integer `3`, expected a string" in message


def test_no_binary_found_names_every_place_looked_at(tmp_path, monkeypatch):
    monkeypatch.setattr(collab_serve._find, "_script_folders", lambda: [str(tmp_path)])
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.delenv("COLLAB_BIN", raising=False)
    with pytest.raises(collab_serve.CollabNotFound) as missing:
        collab_serve.find_collab_bin()
    message = str(missing.value)
    assert str(tmp_path / "collab") in message
    assert "on PATH" in message and "$COLLAB_BIN (not set)" in message
    assert "pip install" in message


def test_the_wheel_installed_the_collab_command():
    # The scripts folder of this venv, as `pip install` of the wheel leaves it.
    found = collab_serve.find_collab_bin()
    assert os.path.dirname(found) == os.path.dirname(sys.executable), found
    version = subprocess.run([found, "--version"], capture_output=True, text=True, timeout=30)
    assert version.returncode == 0 and version.stdout.startswith("collab "), version


SEEDED = """
    import json
    import urllib.request

    def test_the_ini_keys_reach_the_server(collab_server, collab):
        state = collab_server.control.state()
        assert {"name": "carol", "token": "carol-token"} in state["users"]
        url = f"{collab.url}/v1/datasets/{collab.dataset_id}/collaboration/access?token={collab.token}"
        with urllib.request.urlopen(url, timeout=10) as answer:
            assert json.loads(answer.read()) == []
        [entry] = collab.calls()
        assert entry["generation"] == "2022"
"""


def test_the_ini_keys_set_the_seed_and_the_wire(tmp_path, pytestconfig):
    (tmp_path / "fixtures").mkdir()
    (tmp_path / "fixtures" / "seed.toml").write_text('[[users]]\nname = "carol"\ntoken = "carol-token"\n')
    (tmp_path / "pytest.ini").write_text("[pytest]\ncollab_seed = fixtures/seed.toml\ncollab_wire = 2022\n")
    (tmp_path / "test_seeded.py").write_text(textwrap.dedent(SEEDED))
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist", str(tmp_path)]
    if pytestconfig.getoption("collab_bin"):
        command.append(f"--collab-bin={pytestconfig.getoption('collab_bin')}")
    # From another folder: the seed's path is relative to the ini file.
    inner = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=tmp_path / "fixtures")
    assert inner.returncode == 0, inner.stdout + inner.stderr
    assert "1 passed" in inner.stdout


INNER = """
    import os
    import threading

    import pytest

    @pytest.mark.parametrize("n", range(2))
    def test_holds_the_server(collab_server, n):
        with open(os.environ["COLLAB_PID_FIFO"], "w") as fifo:
            fifo.write(f"{collab_server.pid}\\n")
        threading.Event().wait(600)  # held until the outer test kills the pytest
"""


@pytest.mark.parametrize("workers", [None, 2], ids=["one-process", "xdist"])
def test_a_killed_pytest_leaves_no_server(tmp_path, pytestconfig, workers):
    (tmp_path / "test_inner.py").write_text(textwrap.dedent(INNER))
    fifo = tmp_path / "pids"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    # A writer of our own, so that the FIFO never reads as ended before the inner's.
    keeper = os.open(fifo, os.O_WRONLY)
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)]
    command += ["-x"] if workers is None else ["-n", str(workers)]
    if pytestconfig.getoption("collab_bin"):
        command.append(f"--collab-bin={pytestconfig.getoption('collab_bin')}")
    env = dict(os.environ, COLLAB_PID_FIFO=str(fifo))
    inner = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, cwd=tmp_path)
    try:
        # Each server's pid, as its tests start: one server per pytest process.
        wanted = 1 if workers is None else 2
        pids, text, deadline = set(), b"", time.monotonic() + 120
        while len(pids) < wanted:
            assert inner.poll() is None, inner.stdout.read().decode()
            assert time.monotonic() < deadline, f"no server pid from the inner pytest in 120 s: {text!r}"
            readable, _, _ = select.select([reader], [], [], 1.0)
            if readable:
                text += os.read(reader, 4096)
                pids = {int(line) for line in text.split()}
        ended = {pid: os.pidfd_open(pid) for pid in pids}
        inner.send_signal(signal.SIGKILL)
        inner.wait(timeout=30)
        # A server's pidfd turns readable when it ends; bounded at 30 s.
        deadline = time.monotonic() + 30
        for pid, fd in ended.items():
            readable, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
            assert readable and not _runs(pid), f"collab serve (pid {pid}) still runs after its pytest was killed"
            os.close(fd)
    finally:
        os.close(reader)
        os.close(keeper)
        if inner.poll() is None:
            inner.kill()
            inner.wait()
        _end_orphaned_workers(tmp_path)


def _end_orphaned_workers(folder):
    """The xdist workers of the killed pytest run on until their test ends: end them
    (found by their working folder, this test's own)."""
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != os.getpid():
            try:
                if os.readlink(f"/proc/{entry}/cwd") == str(folder):
                    os.kill(int(entry), signal.SIGKILL)
            except OSError:
                pass


def _runs(pid):
    """Whether process `pid` runs (a zombie has ended)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
