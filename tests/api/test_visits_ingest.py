"""POST /api/v1/visits/: a site's reception software sends its visits (scope write:visits)."""

import datetime
import io
import json
import threading

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from rest_framework.test import APIClient

from network.enums import ApiScope
from network.services import api_token_create
from stats import services
from stats.enums import PeriodStatus
from stats.models import MonthlyCount, Period, Visit
from tests.api.utils import assert_error
from tests.conftest import require
from tests.factories import OrganisationFactory
from tests.stats.conftest import Refs

pytestmark = pytest.mark.django_db
URL = "/api/v1/visits/"
FROZEN = datetime.datetime(2026, 6, 15, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(FROZEN, tick=False):
        yield


@pytest.fixture
def refs(db):
    return Refs()


def software(*sites, scopes=(ApiScope.VISITS_WRITE,)) -> APIClient:
    _token, key = api_token_create(
        organisation=OrganisationFactory(name="Éditeur du logiciel d'accueil"),
        name="Logiciel d'accueil",
        scopes=list(scopes),
        sites=list(sites),
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def visit(day="2026-06-12", **values) -> dict:
    return {"visited_on": day, "contact_kind": "visite", "sex": "femme", **values}


def post(client, site, visits, *, key=None, dry_run=None):
    url = URL + (f"?dry_run={dry_run}" if dry_run is not None else "")
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(url, {"site": site.slug, "visits": visits}, format="json", **headers)


def total(site) -> int:
    return sum(MonthlyCount.objects.filter(site=site, dimension="total").values_list("count", flat=True))


def test_visits_are_recorded_and_counted(refs, site_a):
    response = post(
        software(site_a),
        site_a,
        [
            visit(age_band="moins-26", themes=["metiers", "emploi"], referrals=["cio"]),
            visit("2026-05-30", sex="homme", half_day="matin"),
        ],
    )

    assert response.status_code == 201, response.content
    assert response.json() == {
        "site": "reims",
        "dry_run": False,
        "visits": 2,
        "months": [{"month": "2026-05-01", "visits": 1}, {"month": "2026-06-01", "visits": 1}],
    }
    assert Visit.objects.filter(site=site_a).count() == 2
    assert sorted(Visit.objects.get(visited_on="2026-06-12").themes.values_list("code", flat=True)) == [
        "emploi",
        "metiers",
    ]
    assert total(site_a) == 2


def test_a_thousand_visits_in_one_request(refs, site_a):
    response = post(software(site_a), site_a, [visit(sex=("femme", "homme")[n % 2]) for n in range(1000)])

    assert response.status_code == 201
    assert Visit.objects.count() == 1000
    assert total(site_a) == 1000
    # The roll-ups stay equal to a rebuild from the visits.
    call_command("rebuild_rollups", "--check", stdout=io.StringIO())


def test_more_than_a_thousand_is_refused(refs, site_a):
    error = assert_error(post(software(site_a), site_a, [visit()] * 1001), 400)
    assert "1000" in error["detail"] or "1 000" in error["detail"]
    assert not Visit.objects.exists()


def test_all_or_nothing_with_errors_per_item(refs, site_a):
    response = post(
        software(site_a),
        site_a,
        [
            visit(),
            visit(sex="inconnu"),
            visit("2026-07-01"),
            visit(themes=["metiers", "nope"]),
            {"contact_kind": "visite"},
            "x",
        ],
    )

    error = assert_error(response, 400)
    items = {(item["index"], item["field"]) for item in error["items"]}
    assert items == {
        (1, "sex"),
        (2, "visited_on"),
        (3, "themes"),
        (4, "visited_on"),
        (4, "sex"),
        (5, "non_field_errors"),
    }
    messages = {item["field"]: item["message"] for item in error["items"] if item["index"] == 2}
    assert messages["visited_on"] == "La date du passage ne peut pas être dans le futur."
    assert not Visit.objects.exists()
    assert not Period.objects.exists()


@pytest.mark.parametrize("status", [PeriodStatus.SUBMITTED, PeriodStatus.VALIDATED, PeriodStatus.LOCKED])
def test_a_handed_in_month_refuses_the_batch_and_names_it(refs, site_a, status):
    Period.objects.create(site=site_a, month=datetime.date(2026, 5, 1), status=status)

    error = assert_error(post(software(site_a), site_a, [visit(), visit("2026-05-20")]), 400)

    assert error["code"] == "period_closed"
    assert "05/2026" in error["detail"]
    assert not Visit.objects.exists()


def test_dry_run_answers_the_same_and_writes_nothing(refs, site_a):
    response = post(software(site_a), site_a, [visit(), visit()], dry_run="true")

    assert response.status_code == 200
    assert response.json()["dry_run"] is True and response.json()["visits"] == 2
    assert not Visit.objects.exists() and not Period.objects.exists() and total(site_a) == 0


def test_the_token_must_be_bound_to_the_site(refs, site_a, site_b):
    assert_error(post(software(site_a), site_b, [visit()]), 404)
    unbound = software()
    assert_error(post(unbound, site_a, [visit()]), 404)
    reader = software(site_a, scopes=(ApiScope.STATS_READ,))
    assert_error(post(reader, site_a, [visit()]), 403)
    assert not Visit.objects.exists()


def test_people_cannot_ingest_through_their_session(refs, site_a, client_for, coordinator_a):
    response = client_for(coordinator_a).post(
        URL, {"site": "reims", "visits": [visit()]}, content_type="application/json"
    )
    assert response.status_code == 403
    assert not Visit.objects.exists()


def test_a_replay_returns_the_first_answer_and_changes_nothing(refs, site_a):
    client = software(site_a)
    first = post(client, site_a, [visit()], key="lot-2026-06-12")
    again = post(client, site_a, [visit()], key="lot-2026-06-12")

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Visit.objects.count() == 1


def test_the_same_key_with_another_body_is_refused(refs, site_a):
    client = software(site_a)
    post(client, site_a, [visit()], key="lot-1")
    error = assert_error(post(client, site_a, [visit(), visit()], key="lot-1"), 422)
    assert error["code"] == "idempotency_key_reused"
    assert Visit.objects.count() == 1


def test_the_stored_answer_of_a_refusal_is_replayed_too(refs, site_a):
    client = software(site_a)
    post(client, site_a, [visit(sex="x")], key="lot-1")
    assert_error(post(client, site_a, [visit(sex="x")], key="lot-1"), 400)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"[]",
        b"{",
        b'{"site": "reims"}',
        b'{"site": 3, "visits": [{}]}',
        b'{"site": "reims", "visits": {}}',
    ],
)
def test_malformed_bodies_get_400(refs, site_a, body):
    response = software(site_a).post(URL, body, content_type="application/json")
    assert response.status_code in (400, 404)
    assert "error" in response.json()


def test_a_huge_body_gets_413(refs, site_a, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    body = json.dumps({"site": "reims", "visits": [visit()] * 500})
    response = software(site_a).post(URL, body, content_type="application/json")
    assert_error(response, 413)


@pytest.mark.django_db(transaction=True)
def test_a_concurrent_retry_gets_409(refs, site_a):
    """While the first request runs (inside the service), a retry with its key answers 409."""
    require(connection.vendor == "postgresql", "PostgreSQL is needed: SQLite serialises writers")
    client = software(site_a)
    started, release = threading.Event(), threading.Event()
    original = services.visits_ingest

    def slow(**kwargs):
        started.set()
        release.wait(timeout=60)
        return original(**kwargs)

    answers = {}

    def first():
        answers["first"] = post(client, site_a, [visit()], key="lot-1")
        connection.close()

    services.visits_ingest = slow
    try:
        thread = threading.Thread(target=first)
        thread.start()
        assert started.wait(timeout=60)
        answers["retry"] = post(client, site_a, [visit()], key="lot-1")
        release.set()
        thread.join(timeout=60)
    finally:
        services.visits_ingest = original

    assert answers["retry"].status_code == 409
    assert answers["first"].status_code == 201
    assert Visit.objects.count() == 1
