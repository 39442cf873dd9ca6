"""A pytest suite on Lightly's official client against `collab serve`: the conftest.py
that docs/testing.md shows.

- one `collab serve` per xdist worker (`pytest -n 2`), on a free port, with its own
  admin token: workers never share state;
- a reset before every test, and a fresh user and dataset of its own for each test;
- the request journal to assert on what the client sent, without sleeping: an entry
  is in the journal before its answer reaches the client.

The `collab` binary is $COLLAB_BIN, else `collab` on the PATH.
"""

import json
import os
import secrets
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from types import SimpleNamespace

import pytest

COLLAB = os.environ.get("COLLAB_BIN", "collab")


class ControlPlane:
    """The routes under /_collab, with the server's admin token."""

    def __init__(self, url, admin_token):
        self.url = url
        self._admin = admin_token

    def call(self, verb, route, body=None, query=None):
        target = f"{self.url}/_collab{route}"
        if query:
            target += "?" + urllib.parse.urlencode(query)
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(target, data=data, method=verb)
        request.add_header("Authorization", f"Bearer {self._admin}")
        request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                return json.loads(answer.read())
        except urllib.error.HTTPError as error:
            raise AssertionError(f"{verb} {route}: {error.code} {error.read()!r}") from None

    def reset(self):
        return self.call("POST", "/reset")

    def add_user(self, name):
        return self.call("POST", "/users", {"name": name})

    def add_dataset(self, owner):
        return self.call("POST", "/datasets", {"owner": owner})["id"]

    def requests(self, **filters):
        return self.call("GET", "/requests", query=filters)


@pytest.fixture(scope="session")
def collab_server():
    """One server for this worker, on a port the system picks."""
    admin_token = secrets.token_hex(16)
    process = subprocess.Popen(
        [COLLAB, "serve", "--listen", "127.0.0.1:0", "--admin-token", admin_token],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    # The first line names the address: "listening on http://127.0.0.1:PORT".
    first = process.stdout.readline()
    assert first.startswith("listening on http://"), f"collab serve said {first!r}"
    url = first.split()[-1]
    # Lightly's client reads the server's location from the environment.
    os.environ["LIGHTLY_SERVER_LOCATION"] = url
    yield ControlPlane(url, admin_token)
    process.terminate()
    process.wait(timeout=30)


@pytest.fixture
def collab(collab_server):
    """The worker's server, back at its start state, with an empty journal."""
    collab_server.reset()
    return collab_server


@pytest.fixture
def owner(collab, request):
    """A user of this test's own, with a dataset of its own."""
    user = collab.add_user(f"owner-{request.node.name}"[:60])
    dataset = collab.add_dataset(user["name"])
    return SimpleNamespace(name=user["name"], token=user["token"], dataset=dataset)
