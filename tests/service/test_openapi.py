"""The OpenAPI document: open to all, lists every route, and says what the service really checks."""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from service import create_app
from service.config import build_application, initialise_store, load_settings
from tests.service.helpers import API, assert_error, last_position

HTTP_METHODS = {"get", "post", "put", "patch", "delete"}
ISSUE_REQUIRED = {"source", "batch", "title", "severity", "unit"}
# due_date is required unless term is long (a long-term item): the service names it when it is missing for the default.
ISSUE_OPTIONAL = {"reference", "description", "category", "occurred_at", "term", "due_date"}
COMMAND_REQUIRED = {
    "assign": {"assignee"},
    "rectify": {"measures"},
    "review": {"outcome"},
    "extend": {"due_date", "reason"},
    "escalate": {"note"},
    "reopen": {"reason"},
    "withdraw": {"reason"},
}


@pytest.fixture(scope="module")
def documented_app(tmp_path_factory):
    """The document does not depend on the store: build it once, over one SQLite file."""
    settings = load_settings({"RECTIFY_DATABASE_URL": f"sqlite:///{tmp_path_factory.mktemp('openapi')}/rectify.db"})
    initialise_store(settings)
    application = build_application(settings)
    yield create_app(settings | {"TESTING": True}, application=application)
    application.close()


@pytest.fixture(scope="module")
def spec(documented_app) -> dict:
    response = documented_app.test_client().get(f"{API}/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def request_schema(spec: dict, path: str, method: str = "post") -> dict:
    (body,) = spec["paths"][path][method]["requestBody"]["content"].values()  # JSON, or a multipart form
    reference = body["schema"]["$ref"]
    return spec["components"]["schemas"][reference.rsplit("/", 1)[-1]]


def documented_routes(spec: dict) -> dict[str, set[str]]:
    return {path: set(operations) & HTTP_METHODS for path, operations in spec["paths"].items()}


def served_routes(app) -> dict[str, set[str]]:
    routes: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(f"{API}/") or rule.endpoint.startswith("api-docs."):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        routes.setdefault(path, set()).update(m.lower() for m in rule.methods if m.lower() in HTTP_METHODS)
    return routes


def test_openapi_document_is_served_without_a_token_and_says_the_api_needs_one(client, spec):
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200 and response.is_json
    assert response.get_json() == spec
    assert spec["openapi"].startswith("3.")
    assert client.get(f"{API}/docs").status_code == 200
    assert spec["components"]["securitySchemes"]["bearer"] == {"type": "http", "scheme": "bearer"}
    assert {"bearer": []} in spec["security"]


def test_every_api_route_is_documented_with_its_methods(spec, documented_app):
    assert documented_routes(spec) == served_routes(documented_app)
    routes = documented_routes(spec)
    assert routes[f"{API}/findings"] >= {"post"}
    assert routes[f"{API}/findings/{{finding_id}}"] >= {"get"}
    assert routes[f"{API}/findings/{{finding_id}}/history"] >= {"get"}
    assert routes[f"{API}/units"] >= {"get", "post"}
    for name in COMMAND_REQUIRED:
        assert routes[f"{API}/findings/{{finding_id}}/{name}"] == {"post"}


def test_issue_schema_requires_what_the_contract_requires(spec):
    schema = request_schema(spec, f"{API}/findings")
    assert set(schema["required"]) == ISSUE_REQUIRED
    assert set(schema["properties"]) == ISSUE_REQUIRED | ISSUE_OPTIONAL
    assert "actor" not in schema["properties"]
    assert schema["properties"]["source"]["enum"] == ["inspection", "audit"]
    assert schema["properties"]["severity"]["enum"] == ["general", "serious", "major"]
    assert schema["properties"]["due_date"]["format"] == "date"
    assert schema["properties"]["term"]["enum"] == ["fixed", "long"]
    assert schema["properties"]["occurred_at"]["format"] == "date-time"


def test_command_schemas_require_what_the_contract_requires(spec):
    for name, required in COMMAND_REQUIRED.items():
        schema = request_schema(spec, f"{API}/findings/{{finding_id}}/{name}")
        assert set(schema.get("required", [])) == required, name
        assert "occurred_at" in schema["properties"], name
        assert "actor" not in schema["properties"], name
    review = request_schema(spec, f"{API}/findings/{{finding_id}}/review")
    assert review["properties"]["outcome"]["enum"] == ["accepted", "rejected"]


def test_request_schemas_forbid_other_fields(spec):
    for path, operations in spec["paths"].items():
        if "post" in operations and "requestBody" in operations["post"]:
            assert request_schema(spec, path).get("additionalProperties") is False, path


def test_service_refuses_exactly_what_the_schemas_require(client, auth, issue, spec, application):
    finding = issue()
    before = last_position(application)
    body = assert_error(client.post(f"{API}/findings", json={}, headers=auth["admin"]), 422)
    assert set(body["errors"]) == {*request_schema(spec, f"{API}/findings")["required"], "due_date"}  # term fixed
    for name in COMMAND_REQUIRED:
        response = client.post(f"{API}/findings/{finding['id']}/{name}", json={}, headers=auth["admin"])
        schema = request_schema(spec, f"{API}/findings/{{finding_id}}/{name}")
        assert set(assert_error(response, 422)["errors"]) == set(schema["required"]), name
    assert last_position(application) == before


def test_service_accepts_every_documented_field(client, auth, issue, spec):
    body = {field: "x" for field in request_schema(spec, f"{API}/findings")["properties"]}
    response = client.post(f"{API}/findings", json=body, headers=auth["admin"])
    assert "Unknown field." not in str(response.get_json().get("errors", {})), response.get_json()
    for name in COMMAND_REQUIRED:
        schema = request_schema(spec, f"{API}/findings/{{finding_id}}/{name}")
        body = {field: "x" for field in schema["properties"]}
        response = client.post(f"{API}/findings/{issue()['id']}/{name}", json=body, headers=auth["admin"])
        assert "Unknown field." not in str(response.get_json().get("errors", {})), (name, response.get_json())


def test_answers_and_errors_are_documented(spec):
    for name in COMMAND_REQUIRED:
        responses = spec["paths"][f"{API}/findings/{{finding_id}}/{name}"]["post"]["responses"]
        assert {"200", "403", "404", "409", "412", "422"} <= set(responses), name
        assert responses["409"]["content"]["application/json"]["schema"]["$ref"].endswith("/Error")
    issue_responses = spec["paths"][f"{API}/findings"]["post"]["responses"]
    assert "201" in issue_responses
    error = spec["components"]["schemas"]["Error"]
    assert set(error["properties"]) == {"code", "message", "errors"}
    result = spec["components"]["schemas"]["CommandResult"]["properties"]
    assert {"id", "reference", "status", "version", "position", "due_date", "unit"} <= set(result)
    event = spec["components"]["schemas"]["Event"]["properties"]
    assert {"type", "actor", "occurred_at", "recorded_at", "version", "position", "data"} <= set(event)


def test_the_document_is_valid_openapi(spec):
    from openapi_spec_validator import validate

    validate(spec)


def test_circular_formats_and_command_headers_are_documented(spec):
    weekly = spec["paths"][f"{API}/circulars/weekly"]["get"]
    assert {"application/json", "text/html", "text/csv"} <= set(weekly["responses"]["200"]["content"])
    assign = spec["paths"][f"{API}/findings/{{finding_id}}/assign"]["post"]
    assert {"If-Match", "Idempotency-Key"} <= {p["name"] for p in assign["parameters"] if p["in"] == "header"}


def test_the_views_are_documented_once_when_the_document_is_first_read_however_many_read_it(app, spec):
    """Making an app leaves the views' documenting until the document is read; readers at once get it whole."""
    api = app.extensions["flask-smorest"]["apis"][""]["ext_obj"]
    assert api.undocumented  # nothing documented yet
    with ThreadPoolExecutor(4) as pool:
        documents = list(pool.map(lambda _: app.test_client().get(f"{API}/openapi.json").get_json(), range(4)))
    assert not api.undocumented
    assert all(document == spec for document in documents)  # as complete as the module's app's, in each


def test_a_reader_of_the_document_waits_for_the_blueprint_being_documented_to_be_done(app):
    """A second reader that comes while the last blueprint is being documented gets the document once it is
    whole, not the document half written (it was serialised while the views were still being added)."""
    api = app.extensions["flask-smorest"]["apis"][""]["ext_obj"]
    api.registering = True  # the document as it stands, without starting the documenting
    document = api.spec
    api.registering = False
    started, release = threading.Event(), threading.Event()

    def last_blueprint() -> None:  # documented last, as the registered blueprints' documenting is
        started.set()
        release.wait(10)
        document.components.schema("Probe", {"type": "object"})

    api.defer_documenting(last_blueprint)
    seen: list[bool] = []
    first = threading.Thread(target=lambda: api.spec)
    first.start()
    assert started.wait(10)
    second = threading.Thread(target=lambda: seen.append("Probe" in api.spec.to_dict()["components"]["schemas"]))
    second.start()
    second.join(0.5)  # time enough for a reader that does not wait to have read the document
    release.set()
    first.join(10)
    second.join(10)
    assert seen == [True]
    assert not api.undocumented


def test_each_app_writes_its_document_alone(app, documented_app):
    """Two apps in one process (tests, a command beside a server) each have their own document: what one
    documents does not appear in the other's (their options were one dictionary, written into by both)."""
    mine = app.extensions["flask-smorest"]["apis"][""]["ext_obj"].spec
    other = documented_app.extensions["flask-smorest"]["apis"][""]["ext_obj"].spec
    mine.components.schema("OnlyInOneApp", {"type": "object"})
    assert "OnlyInOneApp" in mine.to_dict()["components"]["schemas"]
    assert "OnlyInOneApp" not in other.to_dict()["components"]["schemas"]
