"""GET /api/v1/reports/ and its download (scope read:reports): tokens read the current final
reports of the labelled sites (their binding's) and the network's; people what their rules allow."""

import hashlib

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from network.enums import ApiScope
from network.services import api_token_create
from sites.enums import LabelStatus
from stats.reports import services, tasks
from tests.factories import OrganisationFactory, SiteFactory

from .conftest import YEAR

pytestmark = pytest.mark.django_db


@pytest.fixture
def built(site_a, site_b, fake_documents):
    suspended = SiteFactory(slug="sedan", name="Espace métiers de Sedan")
    run = services.report_run_start(YEAR, None, False, None, sites=[site_a, site_b, suspended], enqueue=False)
    tasks.run_eagerly(run.pk)
    suspended.label_status = LabelStatus.SUSPENDED
    suspended.save()
    # A provisional version of Reims and an older final version of Troyes.
    for provisional, sites in ((True, [site_a]), (False, [site_b])):
        run = services.report_run_start(YEAR, ["site"], provisional, None, sites=sites, enqueue=False)
        tasks.run_eagerly(run.pk)


def token_client(scopes, sites=()):
    organisation = OrganisationFactory(name="France Travail Grand Est")
    _token, key = api_token_create(organisation=organisation, name="Bilans", scopes=scopes, sites=sites)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def listed(client, **params):
    response = client.get(reverse("api-report-list"), params)
    assert response.status_code == 200, response.content
    return [
        (row["kind"], row["site"], row["version"], row["provisional"]) for row in response.json()["results"]
    ]


def test_a_token_reads_the_published_reports(built):
    client = token_client([ApiScope.REPORTS_READ])
    rows = listed(client)
    assert sorted(rows, key=str) == sorted(
        [
            ("site", "reims", 1, False),
            ("site", "troyes", 2, False),
            ("region", None, 1, False),
            ("governance", None, 1, False),
        ],
        key=str,
    )
    assert listed(client, kind="site", site="troyes") == [("site", "troyes", 2, False)]
    assert listed(client, year=YEAR - 1) == []


def test_a_bound_token_reads_its_sites_and_the_network(built, site_b):
    client = token_client([ApiScope.REPORTS_READ], sites=[site_b])
    assert sorted(listed(client), key=str) == sorted(
        [("site", "troyes", 2, False), ("region", None, 1, False), ("governance", None, 1, False)], key=str
    )


def test_the_download(built, site_a):
    client = token_client([ApiScope.REPORTS_READ])
    row = client.get(reverse("api-report-list"), {"site": "reims"}).json()["results"][0]
    response = client.get(row["download_url"], HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    assert response["Content-Type"] == "application/pdf"
    assert hashlib.sha256(content).hexdigest() == row["sha256"] == response["X-Checksum-SHA256"]
    # The provisional version is not published: 404 for a token, in the API's error shape.
    from stats.reports.models import ReportFile

    provisional = ReportFile.objects.get(site=site_a, provisional=True)
    response = client.get(
        reverse("api-report-pdf-detail", kwargs={"pk": provisional.pk}), HTTP_ACCEPT="application/pdf"
    )
    assert response.status_code == 404
    assert response.json()["error"]["status"] == 404


def test_a_token_without_the_scope_is_refused(built):
    client = token_client([ApiScope.STATS_READ])
    response = client.get(reverse("api-report-list"))
    assert response.status_code == 403
    assert "read:reports" in response.json()["error"]["detail"]


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("regional_coordinator", 7),
        ("observer", 7),
        ("coordinator_a", 2),  # Reims: final and provisional.
        ("coordinator_b", 2),  # Troyes: both versions.
        ("partner", 4),
    ],
)
def test_people_read_what_their_rules_allow(persona, expected, built, personas):
    client = APIClient()
    client.force_authenticate(personas[persona])
    response = client.get(reverse("api-report-list"))
    assert response.json()["count"] == expected


def test_anonymous_is_refused(built):
    assert APIClient().get(reverse("api-report-list")).status_code == 401
