"""The pytest plugin (entry point ``pytest11``): fixtures ``collab_server`` and
``collab``, options ``--collab-bin``, ``--collab-seed``, ``--collab-wire`` (and the ini
keys ``collab_bin``, ``collab_seed``, ``collab_wire``).

- ``collab_server``: one `collab serve` per session, so one per xdist worker (each
  worker is a process of its own): ``.url``, ``.admin_token``, ``.control``.
- ``collab``: per test, a fresh user and dataset of the test's own on that server,
  ``LIGHTLY_SERVER_LOCATION`` and ``LIGHTLY_TOKEN`` set for the test's duration (and
  restored after), the journal of the test's user, fault rules scoped to the test's
  dataset, and ``verify``. Tests never share a user or a dataset, so they run in any
  order and next to each other; what a test armed is disarmed after it, however it
  ended.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import select
import threading
import time
from typing import Any, Dict, Iterator, List, Optional

import pytest

from .control import Control, operation_of
from .server import Server

#: The operation of Lightly's version checks, which its client makes on its own.
VERSION_CHECKS = "versions"

_ENVIRONMENT = ("LIGHTLY_SERVER_LOCATION", "LIGHTLY_TOKEN")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("collab", "collab serve (the fake of Lightly's Collaboration API)")
    group.addoption(
        "--collab-bin",
        metavar="PATH",
        help="the collab binary (default: the one collab-serve installed, then PATH, then $COLLAB_BIN)",
    )
    group.addoption("--collab-seed", metavar="FILE", help="users, datasets and configs the server starts with (--seed)")
    group.addoption("--collab-wire", metavar="GENERATION", help="auto (default), current or 2022 (--wire)")
    parser.addini("collab_bin", "the collab binary (as --collab-bin)")
    parser.addini("collab_seed", "the seed file (as --collab-seed), relative to the ini file")
    parser.addini("collab_wire", "the wire generation (as --collab-wire)")


def _setting(config: pytest.Config, name: str, path: bool = False) -> Optional[str]:
    """A command-line option, else its ini key (a path there is relative to the ini
    file's folder)."""
    value = config.getoption(name, default=None)
    if value:
        return value
    value = config.getini(name)
    if not value:
        return None
    if path and config.inipath is not None and not os.path.isabs(value):
        return os.path.join(os.path.dirname(str(config.inipath)), value)
    return value


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def collab_server(pytestconfig: pytest.Config) -> Iterator[Server]:
    """The session's `collab serve` (one per xdist worker): ``.url``,
    ``.admin_token``, ``.control``. It stops with the session, or with the test
    process however that ends."""
    server = Server(
        bin=_setting(pytestconfig, "collab_bin"),
        seed=_setting(pytestconfig, "collab_seed", path=True),
        wire=_setting(pytestconfig, "collab_wire"),
    )
    server.start()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        _stop_with_the_controller(server)
    try:
        yield server
    finally:
        server.stop()


def _stop_with_the_controller(server: Server) -> None:
    """In an xdist worker: stops the server when the controlling pytest (the worker's
    parent) ends. The server already ends with the worker, but a worker whose
    controller was killed (SIGKILL) runs on until its current test ends, which may be
    never; its server should not."""
    controller = os.getppid()

    def watch() -> None:
        try:
            # Linux: a descriptor that turns readable when the process ends.
            ended = os.pidfd_open(controller)  # type: ignore[attr-defined]
        except (AttributeError, OSError):
            ended = None
        if ended is not None:
            select.select([ended], [], [])
            os.close(ended)
        else:
            while os.getppid() == controller:
                time.sleep(1.0)
        server.stop(timeout=5)

    threading.Thread(target=watch, name="collab-serve-follows-pytest", daemon=True).start()


_numbers = itertools.count(1)


class CollabTest:
    """What the ``collab`` fixture gives a test: a user and a dataset of its own on
    the session's server, with the environment Lightly's client reads set to them."""

    def __init__(self, server: Server, user: str, token: str, dataset_id: str) -> None:
        self.url: str = server.url  # type: ignore[assignment]
        self.control: Control = server.control  # type: ignore[assignment]
        self.user = user
        self.token = token
        self.dataset_id = dataset_id

    def __repr__(self) -> str:
        return f"CollabTest(url={self.url!r}, user={self.user!r}, dataset_id={self.dataset_id!r})"

    def calls(self, **filters: Any) -> List[Dict[str, Any]]:
        """The journal entries of this test's user, oldest first, without Lightly's
        version checks; bodies as Python values. ``filters`` are those of
        :meth:`Control.requests` (``method=``, ``status=``, ``since=``...)."""
        entries = self.control.requests(user=self.user, **filters)
        return [entry for entry in entries if operation_of(entry) != VERSION_CHECKS]

    @contextlib.contextmanager
    def fault(self, **rule: Any) -> Iterator[int]:
        """Arms a fault rule on this test's dataset for the ``with`` block, then
        disarms it; yields its id. Keywords in Python's spelling::

            with collab.fault(operation="createOrUpdate", status=503, times=1):
                ...
        """
        rule.setdefault("dataset", self.dataset_id)
        rule.setdefault("operation", "any")
        id = self.control.arm_fault(**rule)
        try:
            yield id
        finally:
            self.control.disarm_fault(id)

    def verify(
        self,
        operation: str,
        times: Optional[int] = None,
        at_least: Optional[int] = None,
        at_most: Optional[int] = None,
        body: Any = None,
        status: Optional[int] = None,
    ) -> int:
        """Asserts how often this test's user called ``operation`` (``list``,
        ``createOrUpdate``, ``delete``): ``times`` exactly, or ``at_least`` /
        ``at_most``; none means at least once. ``body`` matches when the call's body
        contains it. Answers the count; raises ``AssertionError`` naming the
        expectation and listing the calls seen."""
        found = self.control.verify(
            operation,
            user=self.user,
            status=status,
            body=body,
            times=times,
            at_least=at_least,
            at_most=at_most,
        )
        if found.held:
            return found.count
        what = [operation]
        if body is not None:
            what.append(f"with a body containing {json.dumps(body)}")
        if status is not None:
            what.append(f"answered {status}")
        lines = [
            f"expected {' '.join(what)} {found.expected}; it matched {found.count} "
            f"time{'s' if found.count != 1 else ''}"
        ]
        calls = self.calls()
        lines.append(f"calls of this test (user {self.user}): {len(calls) or 'none'}")
        lines.extend(f"  {describe(entry)}" for entry in calls)
        for near in found.nearest:
            differences = ", ".join(
                f"{d.get('field')}: expected {json.dumps(d.get('expected'))}, got {json.dumps(d.get('actual'))}"
                for d in near.get("differences", [])
            )
            lines.append(f"nearest: seq {near.get('entry', {}).get('seq')}: {differences}")
        raise AssertionError("\n".join(lines))


def describe(entry: Dict[str, Any]) -> str:
    """One journal entry on one line."""
    text = f"#{entry.get('seq')} {entry.get('method')} {entry.get('path')} -> {entry.get('status')}"
    operation = operation_of(entry)
    if operation:
        text += f" ({operation})"
    if entry.get("body") is not None:
        text += f" body={json.dumps(entry['body'], sort_keys=True)}"
    if entry.get("fault"):
        text += f" fault={json.dumps(entry['fault'])}"
    return text


@pytest.fixture
def collab(collab_server: Server) -> Iterator[CollabTest]:
    """A user and a dataset of this test's own on the session's server;
    ``LIGHTLY_SERVER_LOCATION`` and ``LIGHTLY_TOKEN`` point Lightly's client at them
    for the test. ``.url``, ``.token``, ``.user``, ``.dataset_id``, ``.control``,
    ``.calls()``, ``.fault(**rule)``, ``.verify(...)``."""
    control = collab_server.control
    assert control is not None
    user = control.add_user(f"{_worker()}-test-{next(_numbers)}")
    dataset = control.add_dataset(user["name"])
    test = CollabTest(collab_server, user["name"], user["token"], dataset["id"])
    armed_before = control.armed_count
    saved = {name: os.environ.get(name) for name in _ENVIRONMENT}
    os.environ["LIGHTLY_SERVER_LOCATION"] = test.url
    os.environ["LIGHTLY_TOKEN"] = test.token
    try:
        yield test
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        # Every rule the test armed and left (scoped to it or not) goes, so that the
        # next test starts with the session's rules only.
        for id in control.armed_since(armed_before):
            with contextlib.suppress(Exception):
                control.disarm_fault(id)
