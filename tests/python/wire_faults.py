"""What Lightly's official clients do on each kind of fault over the wire: one list,
answered by the one rule the Rust test armed (a drop, a cut or garbled answer, a
dribble, a 200 of HTML, a 503 without Retry-After...). The Rust test counts the
attempts the client made (the rule's `matched` count).

Runs with either client's venv: `lightly==1.5.26` (today's generation) or
`lightly==1.2.30` (2022; imported through a stub package, as scenario_2022.py does).
Prints one JSON line: whether the call raised, the exception's class and module, its
status if it has one, and the start of its message; or, when it returned, what.

Environment: LIGHTLY_SERVER_LOCATION, OWNER_TOKEN, DATASET, TIMEOUT_S (the call's
`_request_timeout`, so that a hang ends).
"""

import importlib.metadata
import importlib.util
import json
import os
import sys
import types

URL = os.environ["LIGHTLY_SERVER_LOCATION"]
TOKEN = os.environ["OWNER_TOKEN"]
DATASET = os.environ["DATASET"]
# A whole number: the 2022 client's rest.py ignores a float `_request_timeout`.
TIMEOUT_S = int(os.environ.get("TIMEOUT_S", "3"))

if importlib.metadata.version("lightly").startswith("1.2."):
    spec = importlib.util.find_spec("lightly")
    stub = types.ModuleType("lightly")
    stub.__path__ = list(spec.submodule_search_locations)
    sys.modules["lightly"] = stub
    from lightly.openapi_generated.swagger_client import ApiClient, CollaborationApi, Configuration

    configuration = Configuration()
    configuration.host = URL
    configuration.api_key = {"token": TOKEN}
else:
    from lightly.openapi_generated.swagger_client.api import CollaborationApi
    from lightly.openapi_generated.swagger_client.api_client import ApiClient
    from lightly.openapi_generated.swagger_client.configuration import Configuration

    configuration = Configuration(host=URL, api_key={"ApiKeyAuth": TOKEN})

api = CollaborationApi(ApiClient(configuration))
try:
    configs = api.get_shared_access_configs_by_dataset_id(
        dataset_id=DATASET, _request_timeout=TIMEOUT_S
    )
except Exception as error:  # noqa: BLE001 - what the client raises is the finding
    seen = {
        "raised": True,
        "class": type(error).__name__,
        "module": type(error).__module__,
        "status": getattr(error, "status", None),
        # The client's message quotes the URL, token and all: never printed.
        "message": str(error).replace(TOKEN, "***")[:300],
    }
else:
    seen = {"raised": False, "returned": type(configs).__name__, "count": len(configs)}
print(json.dumps(seen))
