"""Today's official client, lightly==1.5.26, against `collab serve`.

Drives ApiWorkflowClient's helpers (share_dataset_only_with, get_shared_users) and
the generated CollaborationApi through create, replace, list, the 400/401/403/404
answers and delete. Every check raises on failure; the last line printed is a JSON
summary that the Rust test cross-checks against the server.

Environment: LIGHTLY_SERVER_LOCATION, OWNER_TOKEN, STRANGER_TOKEN, DATASET,
HELPER_DATASET, UNKNOWN_DATASET, UNKNOWN_CONFIG.
"""

import json
import os

from lightly.api import ApiWorkflowClient
from lightly.openapi_generated.swagger_client.api import CollaborationApi
from lightly.openapi_generated.swagger_client.api_client import ApiClient
from lightly.openapi_generated.swagger_client.configuration import Configuration
from lightly.openapi_generated.swagger_client.models import (
    SharedAccessConfigCreateRequest,
    SharedAccessType,
)
from lightly.openapi_generated.swagger_client.rest import ApiException

import scenario_common
from scenario_common import DATASET, OWNER, STRANGER, UNKNOWN_CONFIG, UNKNOWN_DATASET, URL

HELPER_DATASET = os.environ["HELPER_DATASET"]
# Today's error body.
ERROR_FIELDS = ["code", "error", "requestId", "errorLabels"]


def api(token):
    return CollaborationApi(ApiClient(Configuration(host=URL, api_key={"ApiKeyAuth": token})))


def refused(call, status, code=None):
    return scenario_common.refused(ApiException, call, status, ERROR_FIELDS, code)


# Lightly's helpers, as users call them. The client checks its version first.
client = ApiWorkflowClient(token=OWNER)
client.share_dataset_only_with(HELPER_DATASET, ["ann@example.com", "bob@example.com"])
assert client.get_shared_users(HELPER_DATASET) == ["ann@example.com", "bob@example.com"]
client.share_dataset_only_with(HELPER_DATASET, ["cy@example.com"])
assert client.get_shared_users(HELPER_DATASET) == ["cy@example.com"]

# The generated client: create, with teams.
owner = api(OWNER)
created = owner.create_or_update_shared_access_config_by_dataset_id(
    dataset_id=DATASET,
    shared_access_config_create_request=SharedAccessConfigCreateRequest(
        access_type=SharedAccessType.WRITE, users=["ann@example.com"], teams=["team-1"]
    ),
)
[first] = owner.get_shared_access_configs_by_dataset_id(dataset_id=DATASET)
assert first.id == created.id, (first, created)
assert first.users == ["ann@example.com"] and first.teams == ["team-1"], first
assert first.created_at <= first.last_modified_at, first

# Replace: same id, createdAt kept, both lists replaced.
replaced = owner.create_or_update_shared_access_config_by_dataset_id(
    dataset_id=DATASET,
    shared_access_config_create_request=SharedAccessConfigCreateRequest(
        access_type=SharedAccessType.WRITE, users=["bob@example.com"], creator="USER_PIP"
    ),
)
assert replaced.id == created.id, (replaced, created)
[second] = owner.get_shared_access_configs_by_dataset_id(dataset_id=DATASET)
assert second.created_at == first.created_at, (first, second)
assert second.last_modified_at >= first.last_modified_at, (first, second)
assert second.users == ["bob@example.com"] and second.teams == [], second

# The refusals.
bad_email = SharedAccessConfigCreateRequest(access_type=SharedAccessType.WRITE, users=["not an e-mail"])
refused(lambda: owner.create_or_update_shared_access_config_by_dataset_id(
    dataset_id=DATASET, shared_access_config_create_request=bad_email), 400)
refused(lambda: api("not-a-token").get_shared_access_configs_by_dataset_id(dataset_id=DATASET), 401)
refused(lambda: api(STRANGER).get_shared_access_configs_by_dataset_id(dataset_id=DATASET), 403)
refused(lambda: owner.get_shared_access_configs_by_dataset_id(dataset_id=UNKNOWN_DATASET), 404, "DATASET_UNKNOWN")
refused(lambda: owner.delete_shared_access_config_by_id(
    dataset_id=DATASET, access_config_id=UNKNOWN_CONFIG), 404, "ACCESS_CONTROL_UNKNOWN")
# A refused write changed nothing.
[after] = owner.get_shared_access_configs_by_dataset_id(dataset_id=DATASET)
assert after == second, (after, second)

# Delete.
owner.delete_shared_access_config_by_id(dataset_id=DATASET, access_config_id=created.id)
assert owner.get_shared_access_configs_by_dataset_id(dataset_id=DATASET) == []

print(json.dumps({"helper_dataset_users": client.get_shared_users(HELPER_DATASET), "deleted": created.id}))
