"""The API answers what its OpenAPI schema says: schemathesis generates requests from the schema the
app serves (/api/v1/schema/), sends them to the app in-process (WSGI), and checks every answer.

Checks: no server error; a status code, a content type and a body that the schema documents for the
operation. Generation covers valid requests and invalid ones (wrong types, out-of-range numbers,
repeated parameters, other methods…): those must be documented errors (400, 404, 405), never a 500.

The schema is loaded when the module is collected, so that each operation is a test of its own
(schemathesis's `from_fixture` loader does not work with pytest 9, which no longer has
`Node._nodeid`). Each operation's test runs in one database transaction (pytest-django's
`django_db`): every endpoint is read-only, so the examples Hypothesis generates share the data.
"""

import datetime
from collections import Counter
from decimal import Decimal

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import override_settings
from django.utils import timezone
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from network.enums import ApiScope
from network.models import User
from network.services import api_token_create
from sites.enums import LabelStatus
from stats import services
from stats.enums import Dimension
from tests.factories import (
    OrganisationFactory,
    OrganisationKindFactory,
    ServiceLevelFactory,
    SiteFactory,
    TerritoryFactory,
    TerritoryKindFactory,
    ThemeFactory,
)
from tests.stats.conftest import Refs

OPERATIONS = {
    "GET /api/v1/territories/",
    "GET /api/v1/territories/{id}/",
    "GET /api/v1/organisations/",
    "GET /api/v1/organisations/{id}/",
    "GET /api/v1/sites/",
    "GET /api/v1/sites/{slug}/",
    "GET /api/v1/sites.geojson",
    "GET /api/v1/stats/monthly/",
    "GET /api/v1/stats/totals/",
    "POST /api/v1/visits/",
    "GET /api/v1/governance/bodies/",
    "GET /api/v1/governance/bodies/{id}/",
    "GET /api/v1/governance/meetings/",
    "GET /api/v1/governance/meetings/{id}/",
    "GET /api/v1/governance/decisions/",
    "GET /api/v1/governance/decisions/{id}/",
    "GET /api/v1/governance/action-plans/",
    "GET /api/v1/governance/action-plans/{id}/",
    "GET /api/v1/events/",
    "GET /api/v1/events/{id}/",
    "GET /api/v1/events/programmes/",
    "GET /api/v1/events/programmes/{id}/",
    "GET /api/v1/reports/",
    "GET /api/v1/reports/{id}/",
    "GET /api/v1/reports/pdf/{id}/",
}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    # Methods the schema does not list (POST, OPTIONS…): 405 with an Allow header.
    unsupported_method,
]
# Cases per operation in the fuzzing phase (the coverage phase adds its own boundary cases, about a
# hundred per list). The whole file stays under a minute and a half on a busy two-core machine.
MAX_EXAMPLES = 25

CONFIG = schemathesis.Config.from_dict(
    {
        "phases": {
            # Stateful testing follows links between operations; the schema declares none.
            "stateful": {"enabled": False},
            # `?page=1&page=2` must be a 400 (spro.api.ApiQueryForm).
            "coverage": {"generate-duplicate-query-parameters": True},
        },
        "generation": {
            "mode": "all",
            # The test authenticates every request itself, with a token holding every scope.
            "with-security-parameters": False,
            # Nothing written to .hypothesis/: each run draws new cases.
            "database": "none",
        },
    }
)

# Schemathesis's WSGI client sends `Host: localhost`. No database access here (pytest-django blocks
# it during collection): generating the schema reads none.
with override_settings(ALLOWED_HOSTS=["localhost"]):
    schema = schemathesis.openapi.from_wsgi(
        "/api/v1/schema/?format=json", get_wsgi_application(), config=CONFIG
    )


def set_month(site, month: datetime.date, refs: Refs, women: int, men: int):
    author = User.objects.get_or_create(username="saisie", defaults={"is_superuser": True})[0]
    female, male = refs.sexes
    counts = {
        (Dimension.TOTAL, 0, female.pk): women,
        (Dimension.TOTAL, 0, male.pk): men,
        (Dimension.AGE_BAND, refs.age_bands[0].pk, female.pk): women,
        (Dimension.AGE_BAND, refs.age_bands[1].pk, male.pk): men,
        (Dimension.THEME, refs.themes[0].pk, female.pk): women,
    }
    services.aggregate_set(site=site, month=month, author=author, counts=counts)


@pytest.fixture
def api_key(db) -> str:
    """A small network with something in every list, and the key of a token with every scope."""
    region = TerritoryFactory(
        kind=TerritoryKindFactory(code="region", label="Région", order=1), code="44", name="Grand Est"
    )
    marne = TerritoryFactory(code="51", name="Marne", parent=region)
    aube = TerritoryFactory(code="10", name="Aube", parent=region)
    mission_locale = OrganisationKindFactory(code="mission-locale", label="Mission locale")
    host = OrganisationFactory(
        name="Mission locale de Reims",
        acronym="MLR",
        kind=mission_locale,
        departement=marne,
        website="https://ml-reims.example",
        email="direction@ml-reims.example",
        is_spro_member=True,
        spro_recognised_on=datetime.date(2015, 1, 1),
    )
    # Blank website and e-mail: answered as null.
    OrganisationFactory(name="CIO de Troyes", departement=aube, commune="Troyes")
    themes = ThemeFactory.create_batch(2)
    levels = ServiceLevelFactory.create_batch(2)
    reims = SiteFactory(
        slug="reims",
        name="Cité des métiers de Reims",
        host=host,
        departement=marne,
        website="https://cdm-reims.example",
        email="accueil@cdm-reims.example",
        latitude=Decimal("49.258329"),
        longitude=Decimal("4.031696"),
    )
    reims.themes.set(themes)
    reims.service_levels.set(levels)
    troyes = SiteFactory(
        slug="troyes", parent=reims, departement=aube, commune="Troyes", label_status=LabelStatus.SUSPENDED
    )
    SiteFactory(slug="sedan", departement=marne, label_status=LabelStatus.PROJECT, labelled_on=None)

    refs = Refs()
    year = timezone.localdate().year - 1
    for month in (1, 2, 3):
        set_month(reims, datetime.date(year, month, 1), refs, women=3 * month, men=6)
    set_month(troyes, datetime.date(year, 3, 1), refs, women=8, men=2)

    partner = OrganisationFactory(name="AGEFIPH Grand Est", acronym="AGEFIPH", departement=None)
    _token, key = api_token_create(organisation=partner, name="Schemathesis", scopes=list(ApiScope.values))
    return key


@pytest.fixture
def in_process_requests():
    """Requests go through Django's real WSGI handler, which closes the database connection at the
    start and end of each request: inside the test's transaction that would drop it (on PostgreSQL;
    SQLite's in-memory test database ignores it). Django's test client disconnects the same handler."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def localhost(settings):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]
    # Hundreds of cases with one token: the rate limit (tested in tests/network/test_tokens.py) aside.
    settings.SPRO_API_RATE_LIMIT = 1_000_000


@pytest.fixture
def statuses(request):
    """Status codes answered by the operation under test: a list answers data at least once."""
    answered = Counter()
    yield answered
    print(f"\n{request.node.name}: {sum(answered.values())} cases, {dict(sorted(answered.items()))}")
    if request.node.name.startswith("test_api_answers_what_its_schema_says[POST"):
        # The token is bound to no site: the ingestion answers documented refusals only (its
        # successes are tested in tests/api/test_visits_ingest.py).
        assert answered and all(400 <= status < 500 for status in answered), answered
    elif not request.node.name.endswith("}/]"):
        # A random id or slug rarely names an object; a list without filters always answers 200.
        assert answered[200], answered


def test_schema_has_every_operation():
    assert {result.ok().label for result in schema.get_all_operations()} == OPERATIONS


@pytest.mark.django_db(transaction=False)
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    database=None,
    # The fixtures are created once for all the examples on purpose (read-only endpoints), and
    # answers through the whole Django stack are slower than Hypothesis expects.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_api_answers_what_its_schema_says(case, api_key, localhost, in_process_requests, statuses):
    response = case.call_and_validate(headers={"Authorization": f"Token {api_key}"}, checks=CHECKS)
    statuses[response.status_code] += 1
