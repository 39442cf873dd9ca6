"""Lightly's client of today (lightly 1.5.26: ApiWorkflowClient and the generated
CollaborationApi) against `collab serve`, through the plugin's fixtures only. Runs
under `pytest -n 2`: each worker has its own server, each test its own user and
dataset."""

import pytest
import urllib3
from lightly.api import ApiWorkflowClient
from lightly.openapi_generated.swagger_client.api import CollaborationApi
from lightly.openapi_generated.swagger_client.api_client import ApiClient
from lightly.openapi_generated.swagger_client.configuration import Configuration
from lightly.openapi_generated.swagger_client.models import SharedAccessConfigCreateRequest
from lightly.openapi_generated.swagger_client.rest import ApiException


def collaboration(collab, token=None):
    """The generated client, as ApiWorkflowClient builds it."""
    configuration = Configuration(host=collab.url, api_key={"ApiKeyAuth": token or collab.token})
    return CollaborationApi(ApiClient(configuration))


def share(api, dataset, users):
    request = SharedAccessConfigCreateRequest(access_type="WRITE", users=users, creator="USER_PIP")
    return api.create_or_update_shared_access_config_by_dataset_id(
        dataset_id=dataset, shared_access_config_create_request=request
    )


def test_sharing_reads_the_environment_and_sends_the_users(collab):
    # No token, no URL: LIGHTLY_TOKEN and LIGHTLY_SERVER_LOCATION are the test's.
    client = ApiWorkflowClient()
    client.share_dataset_only_with(collab.dataset_id, ["ann@example.com", "bob@example.com"])
    assert client.get_shared_users(collab.dataset_id) == ["ann@example.com", "bob@example.com"]

    collab.verify("createOrUpdate", times=1, body={"users": ["bob@example.com"], "accessType": "WRITE"})
    collab.verify("list", times=1, status=200)
    [post, get] = collab.calls()
    assert post["method"] == "POST" and post["status"] == 201 and post["generation"] == "current"
    assert post["body"] == {
        "accessType": "WRITE",
        "users": ["ann@example.com", "bob@example.com"],
        "creator": "USER_PIP",
    }
    assert get["dataset"] == collab.dataset_id


def test_another_user_is_refused(collab):
    stranger = collab.control.add_user(f"{collab.user}-stranger")
    with pytest.raises(ApiException) as refused:
        ApiWorkflowClient(token=stranger["token"]).get_shared_users(collab.dataset_id)
    assert refused.value.status == 403
    [entry] = collab.control.requests(user=stranger["name"], dataset=collab.dataset_id)
    assert entry["status"] == 403
    # The stranger's token is in no entry; the test's user made no call.
    assert stranger["token"] not in str(collab.control.requests())
    assert collab.calls() == []


def test_a_503_on_a_write_reaches_the_application(collab):
    # On a write: urllib3 retries a GET or DELETE that got a 503 with Retry-After.
    api = collaboration(collab)
    with collab.fault(operation="createOrUpdate", status=503, times=1):
        with pytest.raises(ApiException) as unavailable:
            share(api, collab.dataset_id, ["ann@example.com"])
    assert unavailable.value.status == 503
    # Once disarmed, the same call goes through.
    share(api, collab.dataset_id, ["ann@example.com"])
    collab.verify("createOrUpdate", times=1, status=503)
    collab.verify("createOrUpdate", times=1, status=201)


def test_a_500_on_a_read_reaches_the_application(collab):
    # A status urllib3 does not retry on its own: the read's failure is the client's.
    with collab.fault(operation="list", status=500):
        with pytest.raises(ApiException) as failed:
            ApiWorkflowClient().get_shared_users(collab.dataset_id)
    assert failed.value.status == 500
    collab.verify("list", times=1, status=500)


def test_a_429_carries_its_retry_after(collab):
    api = collaboration(collab)
    with collab.fault(operation="createOrUpdate", status=429, retry_after=7):
        with pytest.raises(ApiException) as limited:
            share(api, collab.dataset_id, ["ann@example.com"])
    assert limited.value.status == 429
    headers = {name.lower(): value for name, value in limited.value.headers.items()}
    assert headers["retry-after"] == "7"
    [entry] = collab.calls()
    assert entry["status"] == 429 and entry["fault"] is not None


def test_a_dropped_connection_is_an_error_of_the_transport(collab):
    api = collaboration(collab)
    with collab.fault(operation="createOrUpdate", drop="reset", times=1):
        with pytest.raises(urllib3.exceptions.HTTPError):
            share(api, collab.dataset_id, ["ann@example.com"])
    share(api, collab.dataset_id, ["ann@example.com"])
    assert [entry["status"] for entry in collab.calls()][-1] == 201


def test_a_failed_verification_names_the_expectation_and_the_calls(collab):
    client = ApiWorkflowClient()
    client.share_dataset_only_with(collab.dataset_id, ["ann@example.com"])
    with pytest.raises(AssertionError) as failed:
        collab.verify("createOrUpdate", times=1, body={"users": ["zoe@example.com"]})
    message = str(failed.value)
    assert 'expected createOrUpdate with a body containing {"users": ["zoe@example.com"]} exactly 1 time' in message
    assert "it matched 0 times" in message
    assert f"POST /v1/datasets/{collab.dataset_id}/collaboration/access -> 201" in message
    assert "ann@example.com" in message
    assert collab.verify("createOrUpdate", at_least=1, at_most=1) == 1
    assert collab.verify("delete", times=0) == 0


@pytest.mark.parametrize("n", range(4))
def test_parallel_tests_never_see_each_other(collab, n):
    client = ApiWorkflowClient()
    client.share_dataset_only_with(collab.dataset_id, [f"user{n}@example.com"])
    assert client.get_shared_users(collab.dataset_id) == [f"user{n}@example.com"]
    assert {entry["dataset"] for entry in collab.calls()} == {collab.dataset_id}
    collab.verify("createOrUpdate", times=1, body={"users": [f"user{n}@example.com"]})
