"""Lightly's 2022 client (lightly 1.2.30's generated Swagger client) against `collab
serve`, through the plugin's fixtures only: the server answers it in the 2022 wire
(`organizations`, errors `{code, message}`)."""

import importlib.util
import sys
import types

import pytest
import urllib3

# `import lightly` would pull in torch: the generated client through a stub package.
_spec = importlib.util.find_spec("lightly")
_stub = types.ModuleType("lightly")
_stub.__path__ = list(_spec.submodule_search_locations)
sys.modules.setdefault("lightly", _stub)

from lightly.openapi_generated.swagger_client import (  # noqa: E402
    ApiClient,
    CollaborationApi,
    Configuration,
)
from lightly.openapi_generated.swagger_client.models.shared_access_config_create_request import (  # noqa: E402
    SharedAccessConfigCreateRequest,
)
from lightly.openapi_generated.swagger_client.rest import ApiException  # noqa: E402


def collaboration(collab, token=None):
    configuration = Configuration()
    configuration.host = collab.url
    configuration.api_key = {"token": token or collab.token}
    return CollaborationApi(ApiClient(configuration))


def share(api, dataset, users, organizations=None):
    request = SharedAccessConfigCreateRequest(access_type="WRITE", users=users, organizations=organizations)
    return api.create_or_update_shared_access_config_by_dataset_id(request, dataset)


def test_sharing_in_the_2022_wire(collab):
    api = collaboration(collab)
    created = share(api, collab.dataset_id, ["ann@example.com"], ["org-1"])
    [config] = api.get_shared_access_configs_by_dataset_id(collab.dataset_id)
    assert config.id == created.id
    assert config.users == ["ann@example.com"] and config.organizations == ["org-1"]
    collab.verify("createOrUpdate", times=1, body={"organizations": ["org-1"]})
    collab.verify("list", times=1)
    assert {entry["generation"] for entry in collab.calls()} == {"2022"}


def test_another_user_is_refused(collab):
    stranger = collab.control.add_user(f"{collab.user}-stranger")
    with pytest.raises(ApiException) as refused:
        collaboration(collab, stranger["token"]).get_shared_access_configs_by_dataset_id(collab.dataset_id)
    assert refused.value.status == 403
    assert collab.control.verify("list", user=stranger["name"], status=403, times=1)


def test_a_503_on_a_write_reaches_the_application(collab):
    api = collaboration(collab)
    with collab.fault(operation="createOrUpdate", status=503, times=1):
        with pytest.raises(ApiException) as unavailable:
            share(api, collab.dataset_id, ["ann@example.com"])
    assert unavailable.value.status == 503
    share(api, collab.dataset_id, ["ann@example.com"])
    collab.verify("createOrUpdate", times=2)


def test_a_429_carries_its_retry_after(collab):
    api = collaboration(collab)
    with collab.fault(operation="createOrUpdate", status=429, retry_after=3, times=1):
        with pytest.raises(ApiException) as limited:
            share(api, collab.dataset_id, ["ann@example.com"])
    assert limited.value.status == 429
    headers = {name.lower(): value for name, value in limited.value.headers.items()}
    assert headers["retry-after"] == "3"


def test_a_dropped_connection_is_an_error_of_the_transport(collab):
    api = collaboration(collab)
    with collab.fault(operation="createOrUpdate", drop="reset", times=1):
        with pytest.raises(urllib3.exceptions.HTTPError):
            share(api, collab.dataset_id, ["ann@example.com"])
    collab.verify("createOrUpdate", times=1)


@pytest.mark.parametrize("n", range(4))
def test_parallel_tests_never_see_each_other(collab, n):
    api = collaboration(collab)
    share(api, collab.dataset_id, [f"user{n}@example.com"])
    [config] = api.get_shared_access_configs_by_dataset_id(collab.dataset_id)
    assert config.users == [f"user{n}@example.com"]
    assert {entry["dataset"] for entry in collab.calls()} == {collab.dataset_id}
