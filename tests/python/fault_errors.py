"""What Lightly's official clients do on fault rules of `collab serve`: three lists,
answered by the rules the Rust test armed (a 500, a 403 with its own code, a 503 with
Retry-After, one call each). The clients' urllib3 may retry a 503 that has a
Retry-After by itself; the Rust test reads the journal to tell.

Runs with either client's venv: `lightly==1.5.26` (today's generation) or
`lightly==1.2.30` (2022; imported through a stub package, as scenario_2022.py does).
Prints one JSON line: for each call, whether it raised, and the status, body and
Retry-After of what it raised.

Environment: LIGHTLY_SERVER_LOCATION, OWNER_TOKEN, DATASET (run by the Rust test as
the scenarios are).
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

# The installed client's generation, told by its version (importing it would not do:
# the 2022 package pulls in torch).
if importlib.metadata.version("lightly").startswith("1.2."):
    spec = importlib.util.find_spec("lightly")
    stub = types.ModuleType("lightly")
    stub.__path__ = list(spec.submodule_search_locations)
    sys.modules["lightly"] = stub
    from lightly.openapi_generated.swagger_client import ApiClient, CollaborationApi, Configuration
    from lightly.openapi_generated.swagger_client.rest import ApiException

    configuration = Configuration()
    configuration.host = URL
    configuration.api_key = {"token": TOKEN}
else:
    from lightly.openapi_generated.swagger_client.api import CollaborationApi
    from lightly.openapi_generated.swagger_client.api_client import ApiClient
    from lightly.openapi_generated.swagger_client.configuration import Configuration
    from lightly.openapi_generated.swagger_client.rest import ApiException

    configuration = Configuration(host=URL, api_key={"ApiKeyAuth": TOKEN})

api = CollaborationApi(ApiClient(configuration))
seen = []
for _ in range(3):
    try:
        api.get_shared_access_configs_by_dataset_id(dataset_id=DATASET)
    except ApiException as error:
        headers = {k.lower(): v for k, v in (error.headers or {}).items()}
        seen.append(
            {
                "raised": True,
                "status": error.status,
                "body": json.loads(error.body),
                "retryAfter": headers.get("retry-after"),
            }
        )
    else:
        seen.append({"raised": False})
print(json.dumps(seen))
