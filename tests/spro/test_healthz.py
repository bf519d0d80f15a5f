"""/healthz: public, JSON, 200 when the database and the broker answer, 503 otherwise."""

import pytest

from spro.celery import app as celery_app

# Nothing listens on port 1: the connection is refused at once.
UNREACHABLE_BROKER = "redis://127.0.0.1:1/0"


@pytest.mark.django_db
def test_healthy_without_login(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    data = response.json()
    assert data["status"] == "ok"
    assert data["database"]["ok"] is True
    assert data["broker"]["ok"] is True
    # What answered: the database vendor and the broker transport, for the operator.
    assert data["database"]["detail"] in {"sqlite", "postgresql"}
    assert data["broker"]["detail"] in {"filesystem", "redis"}


@pytest.mark.django_db
def test_unreachable_broker_gives_503(client, monkeypatch):
    # Point Celery at a broker that refuses connections; the database still answers.
    monkeypatch.setattr(celery_app.conf, "broker_url", UNREACHABLE_BROKER)

    response = client.get("/healthz")

    assert response.status_code == 503
    data = response.json()
    assert data["status"] == "error"
    assert data["database"]["ok"] is True
    assert data["broker"] == {"ok": False, "detail": "OperationalError"}


def test_unreachable_database_gives_503(client):
    # Without the `db` fixture, pytest-django refuses any database access: the check reports it.
    response = client.get("/healthz")

    assert response.status_code == 503
    data = response.json()
    assert data["database"]["ok"] is False
    assert data["broker"]["ok"] is True


def test_only_get(client):
    assert client.post("/healthz").status_code == 405
