"""Lightly's ApiWorkflowClient (lightly 1.5.26) against collab serve, asserting on the
request journal. Runs under `pytest -n 2`: each worker has its own server."""

import os

import pytest
from lightly.api import ApiWorkflowClient
from lightly.openapi_generated.swagger_client.api import CollaborationApi
from lightly.openapi_generated.swagger_client.api_client import ApiClient
from lightly.openapi_generated.swagger_client.configuration import Configuration
from lightly.openapi_generated.swagger_client.rest import ApiException


def access_path(dataset):
    return f"/v1/datasets/{dataset}/collaboration/access"


def test_share_only_with_sends_the_users_and_the_pip_creator(collab, owner):
    client = ApiWorkflowClient(token=owner.token)
    client.share_dataset_only_with(owner.dataset, ["ann@example.com", "bob@example.com"])

    [post] = collab.requests(method="POST", dataset=owner.dataset)
    assert post["path"] == access_path(owner.dataset)
    assert post["user"] == owner.name
    assert post["status"] == 201
    assert post["generation"] == "current"
    assert post["body"] == {
        "accessType": "WRITE",
        "users": ["ann@example.com", "bob@example.com"],
        "creator": "USER_PIP",
    }


def test_get_shared_users_reads_the_list_once(collab, owner):
    client = ApiWorkflowClient(token=owner.token)
    assert client.get_shared_users(owner.dataset) == []
    reads = collab.requests(method="GET", dataset=owner.dataset)
    assert [entry["status"] for entry in reads] == [200]


def test_every_test_starts_from_the_start_state(collab, owner):
    # The reset before this test emptied the journal: only this test's requests.
    assert collab.requests(dataset=owner.dataset) == []
    state = collab.call("GET", "/state")
    mine = [d for d in state["datasets"] if d["id"] == owner.dataset]
    assert mine == [{"id": owner.dataset, "owner": owner.name}]


def test_a_stranger_is_refused_and_the_journal_says_who(collab, owner):
    stranger = collab.add_user("stranger")
    api = CollaborationApi(
        ApiClient(
            Configuration(
                host=os.environ["LIGHTLY_SERVER_LOCATION"],
                api_key={"ApiKeyAuth": stranger["token"]},
            )
        )
    )
    with pytest.raises(ApiException) as refused:
        api.get_shared_access_configs_by_dataset_id(dataset_id=owner.dataset)
    assert refused.value.status == 403
    [entry] = collab.requests(dataset=owner.dataset, status=403)
    assert entry["user"] == "stranger"
    # No token, the stranger's or anyone's, is ever in the journal.
    assert stranger["token"] not in str(collab.requests())


@pytest.mark.parametrize("n", range(4))
def test_parallel_tests_each_get_their_own_dataset(collab, owner, n):
    client = ApiWorkflowClient(token=owner.token)
    client.share_dataset_only_with(owner.dataset, [f"user{n}@example.com"])
    assert client.get_shared_users(owner.dataset) == [f"user{n}@example.com"]
