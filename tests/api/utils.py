"""Assertions shared by the API tests."""


def assert_error(response, status: int) -> dict:
    """The response is an error in the project's one shape; returns its body."""
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    # `items`: the errors per item of a batch (visit ingestion).
    assert set(body["error"]) - {"items"} == {"status", "code", "detail", "fields"}
    assert body["error"]["status"] == status
    assert body["error"]["detail"]
    return body["error"]
