"""The 2022 official client, lightly==1.2.30's generated client, against `collab serve`.

`import lightly` would pull in torch, so the generated client is imported through a
stub `lightly` package whose path is the installed folder. Drives the generated
VersioningApi and CollaborationApi through create, replace, list, the 400/401/403/404
answers and delete. Every check raises on failure; the last line printed is a JSON
summary that the Rust test cross-checks against the server.

Environment: LIGHTLY_SERVER_LOCATION, OWNER_TOKEN, STRANGER_TOKEN, DATASET,
UNKNOWN_DATASET, UNKNOWN_CONFIG.
"""

import importlib.util
import json
import sys
import types

spec = importlib.util.find_spec("lightly")
stub = types.ModuleType("lightly")
stub.__path__ = list(spec.submodule_search_locations)
sys.modules["lightly"] = stub

from lightly.openapi_generated.swagger_client import (  # noqa: E402
    ApiClient,
    CollaborationApi,
    Configuration,
    VersioningApi,
)
from lightly.openapi_generated.swagger_client.models.shared_access_config_create_request import (  # noqa: E402
    SharedAccessConfigCreateRequest,
)
from lightly.openapi_generated.swagger_client.rest import ApiException  # noqa: E402

import scenario_common  # noqa: E402
from scenario_common import DATASET, OWNER, STRANGER, UNKNOWN_CONFIG, UNKNOWN_DATASET, URL  # noqa: E402

# The 2022 error body.
ERROR_FIELDS = ["code", "message"]


def client(token):
    configuration = Configuration()
    configuration.host = URL
    configuration.api_key = {"token": token}
    return ApiClient(configuration)


def refused(call, status, code=None):
    return scenario_common.refused(ApiException, call, status, ERROR_FIELDS, code)


# What lightly 1.2.30's ApiWorkflowClient asks first.
versions = VersioningApi(client(OWNER))
minimum = versions.get_minimum_compatible_pip_version()
latest = versions.get_latest_pip_version(current_version="1.2.30")
as_tuple = lambda version: tuple(int(part) for part in version.split("."))  # noqa: E731
assert as_tuple(minimum) <= as_tuple("1.2.30") <= as_tuple(latest), (minimum, latest)

owner = CollaborationApi(client(OWNER))
created = owner.create_or_update_shared_access_config_by_dataset_id(
    SharedAccessConfigCreateRequest(access_type="WRITE", users=["ann@example.com"], organizations=["org-1"]),
    DATASET,
)
[first] = owner.get_shared_access_configs_by_dataset_id(DATASET)
assert first.id == created.id, (first, created)
assert first.users == ["ann@example.com"] and first.organizations == ["org-1"], first
assert first.created_at <= first.last_modified_at, first
# The 2022 answer holds the 2022 fields only.
raw = client(OWNER).call_api(
    "/v1/datasets/{datasetId}/collaboration/access", "GET",
    path_params={"datasetId": DATASET}, query_params=[], header_params={},
    auth_settings=["ApiKeyAuth"],
    _preload_content=False, response_type=None,
)[0]
assert set(json.loads(raw.data)[0]) == {
    "id", "owner", "accessType", "users", "organizations", "createdAt", "lastModifiedAt"
}, raw.data

replaced = owner.create_or_update_shared_access_config_by_dataset_id(
    SharedAccessConfigCreateRequest(access_type="WRITE", users=["bob@example.com"]), DATASET
)
assert replaced.id == created.id, (replaced, created)
[second] = owner.get_shared_access_configs_by_dataset_id(DATASET)
assert second.created_at == first.created_at, (first, second)
assert second.users == ["bob@example.com"] and second.organizations == [], second

bad_email = SharedAccessConfigCreateRequest(access_type="WRITE", users=["not an e-mail"])
refused(lambda: owner.create_or_update_shared_access_config_by_dataset_id(bad_email, DATASET), 400)
refused(lambda: CollaborationApi(client("not-a-token")).get_shared_access_configs_by_dataset_id(DATASET), 401)
refused(lambda: CollaborationApi(client(STRANGER)).get_shared_access_configs_by_dataset_id(DATASET), 403)
refused(lambda: owner.get_shared_access_configs_by_dataset_id(UNKNOWN_DATASET), 404, "DATASET_UNKNOWN")
refused(lambda: owner.delete_shared_access_config_by_id(DATASET, UNKNOWN_CONFIG), 404, "ACCESS_CONTROL_UNKNOWN")
[after] = owner.get_shared_access_configs_by_dataset_id(DATASET)
assert after.to_dict() == second.to_dict(), (after, second)

owner.delete_shared_access_config_by_id(DATASET, created.id)
assert owner.get_shared_access_configs_by_dataset_id(DATASET) == []

# Leave a new config behind for the Rust side to read.
kept = owner.create_or_update_shared_access_config_by_dataset_id(
    SharedAccessConfigCreateRequest(access_type="WRITE", users=["dee@example.com"], organizations=["org-2"]),
    DATASET,
)
assert kept.id != created.id, "a config made after a delete has a new id"
print(json.dumps({"kept": kept.id, "users": ["dee@example.com"], "teams": ["org-2"]}))
