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
