"""What both scenarios share: the environment the Rust test sets, and the check of a
refused call. Imported from the scenario's own folder, whichever client's venv runs it."""

import json
import os

URL = os.environ["LIGHTLY_SERVER_LOCATION"]
OWNER = os.environ["OWNER_TOKEN"]
STRANGER = os.environ["STRANGER_TOKEN"]
DATASET = os.environ["DATASET"]
UNKNOWN_DATASET = os.environ["UNKNOWN_DATASET"]
UNKNOWN_CONFIG = os.environ["UNKNOWN_CONFIG"]


def refused(api_exception, call, status, error_fields, code=None):
    """Runs call, which must raise api_exception with this status, an error body whose
    fields are among error_fields and include the first two (code and the text), and,
    if given, this error code. Returns the body."""
    try:
        call()
    except api_exception as error:
        assert error.status == status, f"expected {status}, got {error.status}: {error.body}"
        body = json.loads(error.body)
        assert set(error_fields[:2]) <= set(body) <= set(error_fields), body
        if code is not None:
            assert body["code"] == code, body
        return body
    raise AssertionError(f"expected a {status}, the call succeeded")
