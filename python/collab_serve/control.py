"""`Control`: a typed client of `collab serve`'s control plane (the routes under
`/_collab`), stdlib only.

Every method is one route; JSON bodies come back as Python values. Keyword names are
Python's (``retry_after=``), sent as the server spells them (``retryAfter``). A refused
call raises :class:`ControlError` with the status and the server's own message.
"""

from __future__ import annotations

import http.client
import json
import threading
import urllib.parse
from typing import Any, Dict, List, Mapping, Optional

__all__ = ["Control", "ControlError", "Verification", "camel_case", "operation_of"]

#: The reserved prefix of the control plane.
PREFIX = "/_collab"


class ControlError(Exception):
    """A control-plane call the server refused, or could not be made.

    ``status`` is the HTTP status (``None`` when no answer came), ``code`` the
    server's error code (``BAD_REQUEST``, ``NOT_FOUND``...), ``message`` the server's
    own sentence, ``field`` the field of the request it names (on a 400), if any.
    """

    def __init__(
        self,
        call: str,
        status: Optional[int],
        message: str,
        code: Optional[str] = None,
        field: Optional[str] = None,
    ) -> None:
        self.call = call
        self.status = status
        self.message = message
        self.code = code
        self.field = field
        where = f" (at {field})" if field else ""
        said = ""
        if status is not None:
            said = f"{status} {code}: " if code else f"{status}: "
        super().__init__(f"{call}: {said}{message}{where}")


def camel_case(name: str) -> str:
    """``retry_after`` -> ``retryAfter``; a name without ``_`` stays as it is."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _camel_keys(value: Mapping[str, Any]) -> Dict[str, Any]:
    return {camel_case(key): item for key, item in value.items()}


class Verification:
    """What :meth:`Control.verify` found: whether the count held, how many journal
    entries matched, and (when the server says) the entries nearest the pattern."""

    __slots__ = ("held", "count", "nearest", "pattern", "expected")

    def __init__(self, held: bool, count: int, nearest: List[Dict[str, Any]], pattern: Dict[str, Any], expected: str) -> None:
        self.held = held
        self.count = count
        self.nearest = nearest
        self.pattern = pattern
        self.expected = expected

    def __bool__(self) -> bool:
        return self.held

    def __repr__(self) -> str:
        return f"Verification(held={self.held}, count={self.count}, expected={self.expected!r})"


class Control:
    """The control plane of the server at ``url`` (``http://127.0.0.1:PORT``), with its
    admin token. Safe to share between threads; one kept-alive connection."""

    def __init__(self, url: str, admin_token: Optional[str], timeout: float = 10.0) -> None:
        parsed = urllib.parse.urlsplit(url)
        if parsed.scheme != "http" or not parsed.hostname:
            raise ValueError(f"not an http:// URL of a collab server: {url!r}")
        self.url = url.rstrip("/")
        self._host = parsed.hostname
        self._port = parsed.port or 80
        self._admin = admin_token
        self._timeout = timeout
        self._lock = threading.Lock()
        self._connection: Optional[http.client.HTTPConnection] = None
        # None: not asked yet; then whether POST /_collab/requests/verify exists.
        self._server_verifies: Optional[bool] = None
        #: How many rules this client has armed, ever, and the ones still armed (id:
        #: their number in that count): the plugin disarms what a test left armed
        #: without listing the rules after every test.
        self.armed_count = 0
        self._still_armed: Dict[int, int] = {}

    def __repr__(self) -> str:
        # The admin token is a credential: never printed.
        return f"Control({self.url!r})"

    def close(self) -> None:
        """Closes the kept-alive connection (a later call opens another)."""
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    # -- the routes ----------------------------------------------------------------

    def health(self) -> Dict[str, Any]:
        """``GET /_collab/health`` (no credential): ``{"status": "ok", ...}``."""
        return self._call("GET", "/health")

    def state(self) -> Dict[str, Any]:
        """``GET /_collab/state``: the whole state as a fixture document."""
        return self._call("GET", "/state")

    def put_state(self, state: Mapping[str, Any]) -> Dict[str, Any]:
        """``PUT /_collab/state``: replaces the state (checked whole first; a bad
        document changes nothing). Answers the sizes of the new state."""
        return self._call("PUT", "/state", body=state)

    def reset(self) -> Dict[str, Any]:
        """``POST /_collab/reset``: back to the start state, journal emptied, the
        start's fault rules armed again."""
        self._still_armed.clear()
        return self._call("POST", "/reset")

    def add_user(self, name: str, token: Optional[str] = None) -> Dict[str, str]:
        """``POST /_collab/users``: ``{"name", "token"}`` (a token is made when none
        is given)."""
        body: Dict[str, Any] = {"name": name}
        if token is not None:
            body["token"] = token
        return self._call("POST", "/users", body=body)

    def add_dataset(self, owner: str, id: Optional[str] = None) -> Dict[str, str]:
        """``POST /_collab/datasets``: ``{"id", "owner"}`` (a fresh id when none is
        given)."""
        body: Dict[str, Any] = {"owner": owner}
        if id is not None:
            body["id"] = id
        return self._call("POST", "/datasets", body=body)

    def requests(
        self,
        method: Optional[str] = None,
        path: Optional[str] = None,
        dataset: Optional[str] = None,
        user: Optional[str] = None,
        status: Optional[int] = None,
        since: Optional[int] = None,
        limit: Optional[int] = None,
        operation: Optional[str] = None,
    ) -> List[Dict[str, Any]]:
        """``GET /_collab/requests``: the journal, oldest first, filtered;
        ``operation=`` (``list``, ``createOrUpdate``, ``delete``, ``versions``,
        ``openapi``), ``since=SEQ`` keeps entries with a larger ``seq``, ``limit=N`` the
        newest N."""
        query = {
            "operation": operation,
            "method": method,
            "path": path,
            "dataset": dataset,
            "user": user,
            "status": status,
            "since": since,
            "limit": limit,
        }
        return self._call("GET", "/requests", query=query)

    def clear_requests(self) -> int:
        """``DELETE /_collab/requests``: empties the journal; how many entries went."""
        return self._call("DELETE", "/requests")["cleared"]

    def arm_fault(self, rule: Optional[Mapping[str, Any]] = None, **fields: Any) -> int:
        """``POST /_collab/faults``: arms a rule, given as keywords in Python's
        spelling (``operation="createOrUpdate", status=503, retry_after=2``) or as a
        mapping in the server's; answers the rule's id."""
        body = dict(rule or {})
        body.update(_camel_keys(fields))
        id = self._call("POST", "/faults", body=body)["id"]
        self.armed_count += 1
        self._still_armed[id] = self.armed_count
        return id

    def armed_since(self, count: int) -> List[int]:
        """The ids of the rules this client armed after its ``armed_count`` was
        ``count`` and has not disarmed (nor reset away) since."""
        return [id for id, number in self._still_armed.items() if number > count]

    def faults(self) -> List[Dict[str, Any]]:
        """``GET /_collab/faults``: the armed rules with their counters."""
        return self._call("GET", "/faults")

    def disarm_fault(self, id: int) -> None:
        """``DELETE /_collab/faults/{id}``: a rule not armed is a 404."""
        self._still_armed.pop(int(id), None)
        self._call("DELETE", f"/faults/{int(id)}")

    def disarm_faults(self) -> List[int]:
        """``DELETE /_collab/faults``: disarms every rule; their ids."""
        self._still_armed.clear()
        return self._call("DELETE", "/faults")["removed"]

    def save_snapshot(self, name: str) -> Dict[str, Any]:
        """``POST /_collab/snapshots/{name}``: saves the whole state under ``name``
        (the same name replaces); ``{"name", "savedAt", "size"}``."""
        return self._call("POST", f"/snapshots/{urllib.parse.quote(name, safe='')}")

    def snapshots(self) -> List[Dict[str, Any]]:
        """``GET /_collab/snapshots``: the saved snapshots, by name, with their times
        and sizes."""
        return self._call("GET", "/snapshots")["snapshots"]

    def restore_snapshot(self, name: str) -> Dict[str, Any]:
        """``POST /_collab/snapshots/{name}/restore``: makes the snapshot the state
        (ids and times as saved); an unknown name is a 404."""
        return self._call("POST", f"/snapshots/{urllib.parse.quote(name, safe='')}/restore")

    def forget_snapshot(self, name: str) -> None:
        """``DELETE /_collab/snapshots/{name}``: forgets the snapshot."""
        self._call("DELETE", f"/snapshots/{urllib.parse.quote(name, safe='')}")

    def verify(
        self,
        operation: Optional[str] = None,
        *,
        method: Optional[str] = None,
        path: Optional[str] = None,
        dataset: Optional[str] = None,
        user: Optional[str] = None,
        status: Optional[int] = None,
        body: Any = None,
        body_equals: Any = None,
        times: Optional[int] = None,
        at_least: Optional[int] = None,
        at_most: Optional[int] = None,
    ) -> Verification:
        """How many journal entries match a pattern, and whether the count holds.

        ``body`` matches when the entry's body contains it (objects by their keys,
        the API's arrays of users and teams as sets); ``body_equals`` when it is
        equal. The count: ``times`` exactly, or ``at_least`` / ``at_most`` (both
        allowed); none means at least once. Asks ``POST /_collab/requests/verify``
        when the server has it (answers nearest entries too), else counts over the
        journal here."""
        if body is not None and body_equals is not None:
            raise ValueError("give body (contains) or body_equals, not both")
        if times is not None and (at_least is not None or at_most is not None):
            raise ValueError("give times, or at_least and/or at_most, not both")
        pattern: Dict[str, Any] = {
            key: value
            for key, value in (
                ("operation", operation),
                ("method", method),
                ("path", path),
                ("dataset", dataset),
                ("user", user),
                ("status", status),
            )
            if value is not None
        }
        if body is not None:
            pattern["body"] = {"contains": body}
        elif body_equals is not None:
            pattern["body"] = {"equalTo": body_equals}
        expected = _expected_count(times, at_least, at_most)

        def holds(count: int) -> bool:
            if times is not None:
                return count == times
            if at_least is None and at_most is None:
                return count >= 1
            return (at_least is None or count >= at_least) and (at_most is None or count <= at_most)

        if self._server_verifies is not False:
            request = dict(pattern)
            if times is not None:
                request["count"] = {"exactly": times}
            elif at_least is not None and at_most is None:
                request["count"] = {"atLeast": at_least}
            elif at_most is not None and at_least is None:
                request["count"] = {"atMost": at_most}
            try:
                answer = self._call("POST", "/requests/verify", body=request)
            except ControlError as error:
                if error.status != 404 or self._server_verifies:
                    raise
                self._server_verifies = False
            else:
                self._server_verifies = True
                count = int(answer["count"])
                return Verification(holds(count), count, list(answer.get("nearest") or []), pattern, expected)
        entries = self.requests(
            method=method, path=path, dataset=dataset, user=user, status=status
        )
        count = sum(1 for entry in entries if matches(entry, pattern))
        return Verification(holds(count), count, [], pattern, expected)

    # -- the wire ------------------------------------------------------------------

    def _call(
        self,
        verb: str,
        route: str,
        body: Any = None,
        query: Optional[Mapping[str, Any]] = None,
    ) -> Any:
        target = PREFIX + route
        if query:
            present = [(key, str(value)) for key, value in query.items() if value is not None]
            if present:
                target += "?" + urllib.parse.urlencode(present)
        headers = {"Accept": "application/json"}
        if self._admin is not None:
            headers["Authorization"] = f"Bearer {self._admin}"
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        call = f"{verb} {PREFIX}{route}"
        with self._lock:
            status, data = self._exchange(call, verb, target, payload, headers)
        if status >= 400:
            raise _refusal(call, status, data)
        if not data:
            return None
        try:
            return json.loads(data)
        except ValueError:
            raise ControlError(call, status, f"the answer is not JSON: {data[:200]!r}") from None

    def _exchange(self, call, verb, target, payload, headers):
        # One retry on a fresh connection: a kept-alive one the server closed (idle
        # timeout) fails on first use, before the server saw the request.
        for attempt in (1, 2):
            if self._connection is None:
                self._connection = http.client.HTTPConnection(self._host, self._port, timeout=self._timeout)
            try:
                self._connection.request(verb, target, body=payload, headers=headers)
                answer = self._connection.getresponse()
                data = answer.read()
                if answer.will_close:
                    self._connection.close()
                    self._connection = None
                return answer.status, data
            except (ConnectionError, http.client.HTTPException, OSError) as error:
                self._connection.close()
                self._connection = None
                retriable = isinstance(error, (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError))
                if attempt == 2 or not retriable:
                    raise ControlError(call, None, f"cannot reach {self.url}: {error}") from None
        raise AssertionError("unreachable")


def _refusal(call: str, status: int, data: bytes) -> ControlError:
    try:
        answer = json.loads(data)
    except ValueError:
        answer = None
    if isinstance(answer, dict) and isinstance(answer.get("error"), str):
        return ControlError(call, status, answer["error"], answer.get("code"), answer.get("path"))
    text = data.decode("utf-8", "replace").strip() or "(no body)"
    return ControlError(call, status, text[:500])


def _expected_count(times: Optional[int], at_least: Optional[int], at_most: Optional[int]) -> str:
    if times is not None:
        return f"exactly {times} time{'s' if times != 1 else ''}"
    if at_least is not None and at_most is not None:
        return f"between {at_least} and {at_most} times"
    if at_least is not None:
        return f"at least {at_least} time{'s' if at_least != 1 else ''}"
    if at_most is not None:
        return f"at most {at_most} time{'s' if at_most != 1 else ''}"
    return "at least once"


def operation_of(entry: Mapping[str, Any]) -> Optional[str]:
    """The API operation of a journal entry: its ``operation`` field, or (from a
    server whose journal does not say it) told by its method and path."""
    if "operation" in entry:
        return entry["operation"]
    path = str(entry.get("path") or "").split("?", 1)[0].rstrip("/")
    method = entry.get("method")
    parts = path.split("/")
    if path.startswith("/v1/versions"):
        return "versions"
    # /v1/datasets/{id}/collaboration/access[/{config}]
    if len(parts) >= 6 and parts[1:3] == ["v1", "datasets"] and parts[4:6] == ["collaboration", "access"]:
        if len(parts) == 6:
            return {"GET": "list", "POST": "createOrUpdate"}.get(method)
        if len(parts) == 7 and method == "DELETE":
            return "delete"
    return None


def matches(entry: Mapping[str, Any], pattern: Mapping[str, Any]) -> bool:
    """Whether a journal entry matches a pattern of :meth:`Control.verify` (the
    server's rules, for a server without the verify route)."""
    if "operation" in pattern and operation_of(entry) != pattern["operation"]:
        return False
    for key in ("method", "path", "dataset", "user", "status"):
        if key in pattern and entry.get(key) != pattern[key]:
            return False
    wanted = pattern.get("body")
    if wanted is None:
        return True
    if "equalTo" in wanted:
        return entry.get("body") == wanted["equalTo"]
    return contains(entry.get("body"), wanted["contains"])


def contains(actual: Any, expected: Any) -> bool:
    """``actual`` holds ``expected``: objects by their keys (recursively), arrays as
    sets (every expected item is in the actual array), anything else equal."""
    if isinstance(expected, Mapping):
        return isinstance(actual, Mapping) and all(
            key in actual and contains(actual[key], value) for key, value in expected.items()
        )
    if isinstance(expected, list):
        return isinstance(actual, list) and all(
            any(contains(item, wanted) for item in actual) for wanted in expected
        )
    return actual == expected
