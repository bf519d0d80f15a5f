"""The OpenAPI schema and its interactive docs are public, valid and complete."""

import pytest
from django.core.management import call_command
from drf_spectacular.validation import validate_schema

EXPECTED_PATHS = {
    "/api/v1/territories/",
    "/api/v1/territories/{id}/",
    "/api/v1/organisations/",
    "/api/v1/organisations/{id}/",
    "/api/v1/sites/",
    "/api/v1/sites/{slug}/",
}


@pytest.mark.django_db
def test_schema_is_public_and_valid_openapi(client):
    response = client.get("/api/v1/schema/", {"format": "json"})

    assert response.status_code == 200
    schema = response.json()
    validate_schema(schema)  # Raises on an invalid OpenAPI 3 document.
    assert schema["openapi"].startswith("3.")
    assert set(schema["paths"]) >= EXPECTED_PATHS
    site_list = schema["paths"]["/api/v1/sites/"]["get"]
    assert {p["name"] for p in site_list["parameters"]} >= {
        "kind",
        "departement",
        "label_status",
        "q",
        "page",
    }
    # Errors are documented in the one error shape.
    assert site_list["responses"]["401"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/ApiError"
    )
    assert "organisationToken" in schema["components"]["securitySchemes"]


@pytest.mark.django_db
def test_docs_are_public(client):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    assert b"swagger" in response.content.lower()


def test_schema_generation_has_no_warning(tmp_path):
    # What CI runs: any warning (untyped field, unresolved filter…) fails the build.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    assert "/api/v1/sites/{slug}/" in (tmp_path / "schema.yaml").read_text()


# The schema says what the API does.

# Lists of GET operations: paths without a path parameter (POST /visits/ is a write).
WRITE_OPERATIONS = {"/api/v1/visits/"}
# Read by anyone (published data): no 403 to document.
PUBLIC_OPERATIONS = {
    "/api/v1/events/",
    "/api/v1/events/{id}/",
    "/api/v1/events/programmes/",
    "/api/v1/events/programmes/{id}/",
}


def _api_operations(schema):
    for path, item in schema["paths"].items():
        if path.startswith("/api/v1/schema") or path.startswith("/api/v1/docs"):
            continue
        for method, operation in item.items():
            yield path, method, operation


# Whole collections, not paginated (no page past the end: no 404).
UNPAGINATED_OPERATIONS = {"/api/v1/sites.geojson", "/api/v1/stats/totals/"}


def _is_list(path: str) -> bool:
    return "{" not in path and path not in WRITE_OPERATIONS | UNPAGINATED_OPERATIONS


@pytest.fixture
def schema(client, db):
    return client.get("/api/v1/schema/", {"format": "json"}).json()


def test_blank_typed_strings_and_missing_parent_are_nullable(schema):
    components = schema["components"]["schemas"]
    for name, field, string_format in [
        ("Site", "website", "uri"),
        ("Site", "email", "email"),
        ("Organisation", "website", "uri"),
    ]:
        assert components[name]["properties"][field]["format"] == string_format
        assert components[name]["properties"][field]["nullable"] is True, (name, field)
    assert components["Site"]["properties"]["parent"]["nullable"] is True
    assert components["Site"]["properties"]["latitude"]["maximum"] == 90


@pytest.mark.django_db
def test_blank_website_and_email_are_null(token_client):
    from network.enums import ApiScope
    from tests.factories import OrganisationFactory, SiteFactory

    blank = SiteFactory(slug="sedan", website="", email="")
    SiteFactory(slug="reims", website="https://cdm-reims.example", email="accueil@cdm-reims.example")
    client = token_client(ApiScope.DIRECTORY_READ, ApiScope.DIRECTORY_READ)

    sites = {row["slug"]: row for row in client.get("/api/v1/sites/").json()["results"]}
    assert (sites["sedan"]["website"], sites["sedan"]["email"], sites["sedan"]["parent"]) == (
        None,
        None,
        None,
    )
    assert (sites["reims"]["website"], sites["reims"]["email"]) == (
        "https://cdm-reims.example",
        "accueil@cdm-reims.example",
    )
    assert client.get(f"/api/v1/organisations/{blank.host_id}/").json()["website"] is None
    organisation = OrganisationFactory(website="https://ml.example")
    assert client.get(f"/api/v1/organisations/{organisation.pk}/").json()["website"] == "https://ml.example"


def test_every_error_is_documented_in_the_error_shape(schema):
    for path, method, operation in _api_operations(schema):
        expected = {"401", "429"} | (set() if path in UNPAGINATED_OPERATIONS else {"404"})
        if path in UNPAGINATED_OPERATIONS:
            expected.add("400")
        if path not in PUBLIC_OPERATIONS:
            expected.add("403")
        if _is_list(path) or method == "post":
            expected.add("400")
        documented = set(operation["responses"])
        assert expected <= documented, (method, path)
        for status in documented - {"200", "201"}:
            content = operation["responses"][status]["content"]["application/json"]
            assert content["schema"]["$ref"].startswith("#/components/schemas/"), (method, path, status)
            assert content["schema"]["$ref"].endswith("Error"), (method, path, status)


def test_query_parameters_state_their_bounds_and_empty_values(schema):
    int64 = {"type": "integer", "format": "int64", "minimum": 1, "maximum": 2**63 - 1}
    for path in [path for path, method, _op in _api_operations(schema) if method == "get" and _is_list(path)]:
        parameters = {p["name"]: p for p in schema["paths"][path]["get"]["parameters"]}
        assert parameters["page"]["schema"] == int64
        assert parameters["page_size"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 500}
        for parameter in parameters.values():
            # An empty value is the same as none (spro.api.ApiFilterSet).
            assert parameter["allowEmptyValue"] is True, (path, parameter["name"])
            assert parameter["schema"]["type"] != "array", "one value per parameter"
    parent = {p["name"]: p for p in schema["paths"]["/api/v1/territories/"]["get"]["parameters"]}["parent"]
    assert parent["schema"] == int64
    assert parent["description"] == "Identifiant du territoire parent"
    site = {p["name"]: p for p in schema["paths"]["/api/v1/stats/monthly/"]["get"]["parameters"]}["site"]
    assert site["schema"] == {"type": "string", "pattern": "^[-a-zA-Z0-9_]+$", "maxLength": 120}
    is_member = {p["name"]: p for p in schema["paths"]["/api/v1/organisations/"]["get"]["parameters"]}
    assert is_member["is_spro_member"]["schema"] == {"type": "boolean"}
    # The rules for repeated, empty and unknown parameters are in the API's description.
    description = schema["info"]["description"]
    assert "au plus une fois" in description and "vide vaut absence" in description


def test_detail_operations_take_no_query_parameter(schema):
    for path, method, operation in _api_operations(schema):
        if method == "get" and "{" in path:
            assert {p["in"] for p in operation["parameters"]} == {"path"}, path
            assert all(p["description"] for p in operation["parameters"])
    slug = schema["paths"]["/api/v1/sites/{slug}/"]["get"]["parameters"][0]
    assert slug["schema"] == {"type": "string", "pattern": "^[-a-zA-Z0-9_]+$"}


def test_the_description_states_the_versioning_policy_and_a_dated_changelog(schema):
    description = schema["info"]["description"]
    assert "## Versions" in description and "/api/v2/" in description
    assert "2026-12-01" in description
    assert schema["info"]["version"] == "1.1.0"
    assert "Idempotency-Key" in description and "RateLimit" in description
