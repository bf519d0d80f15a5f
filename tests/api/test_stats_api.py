"""/api/v1/stats/monthly/: who reads which site's figures, small cells, filters, pages, queries."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from network.enums import ApiScope
from network.models import User
from network.services import api_token_create
from sites.enums import LabelStatus
from spro.disclosure import Table, determined_cells
from stats import services
from stats.enums import Dimension, PeriodStatus
from stats.models import Period
from tests.api.utils import assert_error
from tests.factories import SiteFactory, TerritoryFactory
from tests.stats.conftest import Refs

URL = "/api/v1/stats/monthly/"
YEAR = timezone.localdate().year - 1
MARCH = datetime.date(YEAR, 3, 1)
APRIL = datetime.date(YEAR, 4, 1)
MAY = datetime.date(YEAR, 5, 1)


def set_month(site, month, counts: dict):
    """A month's totals, entered through the service as the regional coordination would."""
    author = User.objects.get_or_create(username="saisie", defaults={"is_superuser": True})[0]
    services.aggregate_set(site=site, month=month, author=author, counts=counts)


def month_counts(refs, women: int, men: int) -> dict:
    """Totals by sex, with the same numbers on the first two age bands (women, men)."""
    female, male = refs.sexes
    return {
        (Dimension.TOTAL, 0, female.pk): women,
        (Dimension.TOTAL, 0, male.pk): men,
        (Dimension.AGE_BAND, refs.age_bands[0].pk, female.pk): women,
        (Dimension.AGE_BAND, refs.age_bands[1].pk, male.pk): men,
    }


def rows(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def total_rows(response) -> dict:
    """The 'total' lines by (site, month)."""
    return {(row["site"], row["month"]): row for row in rows(response) if row["dimension"] == Dimension.TOTAL}


def by_sex(row) -> dict:
    return {cell["sex"]: (cell["count"], cell["suppressed"]) for cell in row["by_sex"]}


@pytest.fixture
def refs(db):
    """The reference lists of the statistics tests (tests/stats/conftest.py)."""
    return Refs()


@pytest.fixture
def hidden_site(db):
    """A site still in the label process: its figures are not published to partners."""
    return SiteFactory(
        name="Espace métiers de Sedan", slug="sedan", label_status=LabelStatus.PROJECT, labelled_on=None
    )


def validate(site, *months):
    """The regional coordination validated these months: partners may read them."""
    Period.objects.filter(site=site, month__in=months).update(status=PeriodStatus.VALIDATED)


@pytest.fixture
def figures(site_a, site_b, hidden_site, refs):
    set_month(site_a, MARCH, month_counts(refs, women=3, men=6))
    set_month(site_a, APRIL, month_counts(refs, women=5, men=7))
    # Still open: the site's own figures, not yet published to partners.
    set_month(site_a, MAY, month_counts(refs, women=40, men=40))
    set_month(site_b, MARCH, month_counts(refs, women=0, men=8))
    set_month(hidden_site, MARCH, month_counts(refs, women=10, men=10))
    validate(site_a, MARCH, APRIL)
    validate(site_b, MARCH)
    validate(hidden_site, MARCH)


# --- Authentication and scope -----------------------------------------------------------------------


@pytest.mark.django_db
def test_anonymous_gets_401(anonymous_client):
    assert_error(anonymous_client.get(URL), 401)


@pytest.mark.django_db
def test_token_without_the_scope_gets_403(token_client):
    error = assert_error(token_client(ApiScope.DIRECTORY_READ).get(URL), 403)
    assert "read:stats" in error["detail"]


@pytest.mark.django_db
def test_revoked_token_gets_401(token_client):
    assert_error(token_client(ApiScope.STATS_READ, revoked=True).get(URL), 401)


@pytest.mark.django_db
def test_read_only(token_client):
    client = token_client(ApiScope.STATS_READ)
    assert_error(client.post(URL, {}), 405)


# --- Who reads which site -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_partners_read_labelled_sites_with_small_cells_hidden(token_client, figures, site_a, site_b):
    response = token_client(ApiScope.STATS_READ).get(URL)
    totals = total_rows(response)
    assert set(totals) == {
        ("reims", f"{YEAR}-03-01"),
        ("reims", f"{YEAR}-04-01"),
        ("troyes", f"{YEAR}-03-01"),
    }

    march = totals[("reims", f"{YEAR}-03-01")]
    assert march["site_name"] == site_a.name
    assert march["item"] == {"id": 0, "code": None, "label": "Total"}
    # 3 women: hidden; and the total or the men with them, else 9 − 6 would give the 3 back.
    assert by_sex(march)["femme"] == (None, True)
    assert march["suppressed"] or by_sex(march)["homme"][1]

    april = totals[("reims", f"{YEAR}-04-01")]
    assert by_sex(april) == {"femme": (5, False), "homme": (7, False)}
    assert (april["count"], april["suppressed"]) == (12, False)

    # A zero singles nobody out: it is shown.
    troyes = totals[("troyes", f"{YEAR}-03-01")]
    assert by_sex(troyes) == {"femme": (0, False), "homme": (8, False)}
    assert troyes["count"] == 8


@pytest.mark.django_db
def test_months_not_yet_validated_are_not_published_to_partners(
    token_client, client_for, coordinator_a, figures, site_a
):
    partner_months = {
        month for site, month in total_rows(token_client(ApiScope.STATS_READ).get(URL)) if site == "reims"
    }
    own_months = {month for site, month in total_rows(client_for(coordinator_a).get(URL)) if site == "reims"}
    assert partner_months == {f"{YEAR}-03-01", f"{YEAR}-04-01"}
    assert own_months == {f"{YEAR}-03-01", f"{YEAR}-04-01", f"{YEAR}-05-01"}
    Period.objects.filter(site=site_a, month=MAY).update(status=PeriodStatus.SUBMITTED)
    assert f"{YEAR}-05-01" not in {m for _s, m in total_rows(token_client(ApiScope.STATS_READ).get(URL))}
    Period.objects.filter(site=site_a, month=MAY).update(status=PeriodStatus.LOCKED)
    assert f"{YEAR}-05-01" in {m for _s, m in total_rows(token_client(ApiScope.STATS_READ).get(URL))}


@pytest.mark.django_db
def test_no_hidden_cell_comes_back_by_subtraction(token_client, site_a, refs):
    """The attack of the issue: a month's hidden cells recomputed from its totals and visible cells."""
    female, male = refs.sexes
    counts = {
        (Dimension.TOTAL, 0, female.pk): 14,
        (Dimension.TOTAL, 0, male.pk): 9,
        (Dimension.AGE_BAND, refs.age_bands[0].pk, female.pk): 2,
        (Dimension.AGE_BAND, refs.age_bands[1].pk, female.pk): 12,
        (Dimension.AGE_BAND, refs.age_bands[1].pk, male.pk): 9,
        (Dimension.SITUATION, refs.situations[0].pk, female.pk): 10,
        (Dimension.SITUATION, refs.situations[1].pk, female.pk): 4,
        (Dimension.SITUATION, refs.situations[1].pk, male.pk): 9,
    }
    set_month(site_a, MARCH, counts)
    validate(site_a, MARCH)
    lines = rows(token_client(ApiScope.STATS_READ).get(URL, {"page_size": 500}))
    published = Table()
    cells = {}

    def cell(key, value):
        cells[key] = published.cell(value)
        return cells[key]

    shown = {}
    for line in lines:
        key = (line["dimension"], line["item"]["id"])
        shown[(*key, None)] = line["count"]
        for sex_cell in line["by_sex"]:
            shown[(*key, sex_cell["sex"])] = sex_cell["count"]
    # Rebuild the true table and its equations, then ask which published-hidden cells are determined.
    truth = {}
    for (dimension, item, sex), value in counts.items():
        code = female.code if sex == female.pk else male.code
        truth[(dimension, item, code)] = value
    keys = {(d, i) for d, i, _s in truth}
    for dimension, item in keys:
        row = [
            cell((dimension, item, code), truth.get((dimension, item, code), 0))
            for code in ("femme", "homme")
        ]
        published.add_sum(row, cell((dimension, item, None), sum(published.values[c] for c in row)))
    for dimension in (Dimension.AGE_BAND, Dimension.SITUATION):
        items = sorted(i for d, i in keys if d == dimension)
        published.add_sum([cells[(dimension, i, None)] for i in items], cells[(Dimension.TOTAL, 0, None)])
        for code in ("femme", "homme"):
            published.add_sum([cells[(dimension, i, code)] for i in items], cells[(Dimension.TOTAL, 0, code)])
    published.add_sum(
        [cells[(Dimension.TOTAL, 0, code)] for code in ("femme", "homme")], cells[(Dimension.TOTAL, 0, None)]
    )
    hidden = {position for key, position in cells.items() if shown.get(key, 0) is None}
    assert cells[(Dimension.AGE_BAND, refs.age_bands[0].pk, "femme")] in hidden
    assert cells[(Dimension.SITUATION, refs.situations[1].pk, "femme")] in hidden
    assert determined_cells(published, hidden) == set()


@pytest.mark.django_db
def test_a_token_bound_to_a_site_reads_that_site_only(figures, site_a, partner_organisation):
    _token, key = api_token_create(
        organisation=partner_organisation, name="Lié", scopes=[ApiScope.STATS_READ], sites=[site_a]
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert {site for site, _month in total_rows(client.get(URL))} == {"reims"}
    assert rows(client.get(URL, {"site": "troyes"})) == []


@pytest.mark.django_db
def test_rows_per_breakdown_item(token_client, figures, refs):
    response = token_client(ApiScope.STATS_READ).get(URL, {"dimension": Dimension.AGE_BAND, "site": "reims"})
    lines = {(row["month"], row["item"]["code"]): row for row in rows(response)}
    assert set(lines) == {
        (f"{YEAR}-03-01", "moins-26"),
        (f"{YEAR}-03-01", "26-44"),
        (f"{YEAR}-04-01", "moins-26"),
        (f"{YEAR}-04-01", "26-44"),
    }
    young = lines[(f"{YEAR}-04-01", "moins-26")]
    assert young["item"] == {"id": refs.age_bands[0].pk, "code": "moins-26", "label": "Moins-26"}
    assert young["dimension"] == "age_band"
    assert by_sex(young) == {"femme": (5, False), "homme": (0, False)}
    assert young["count"] == 5


@pytest.mark.django_db
def test_the_regional_coordination_reads_every_site_in_full(client_for, regional_coordinator, figures):
    totals = total_rows(client_for(regional_coordinator).get(URL))
    assert {site for site, _month in totals} == {"reims", "troyes", "sedan"}
    march = totals[("reims", f"{YEAR}-03-01")]
    assert by_sex(march) == {"femme": (3, False), "homme": (6, False)}
    assert (march["count"], march["suppressed"]) == (9, False)


@pytest.mark.django_db
def test_observers_read_every_site(client_for, observer, figures):
    assert {site for site, _month in total_rows(client_for(observer).get(URL))} == {
        "reims",
        "troyes",
        "sedan",
    }


@pytest.mark.django_db
def test_site_coordinators_read_their_own_sites_only(client_for, coordinator_a, coordinator_b, figures):
    client = client_for(coordinator_a)
    totals = total_rows(client.get(URL))
    assert {site for site, _month in totals} == {"reims"}
    # Their own figures, in full.
    assert totals[("reims", f"{YEAR}-03-01")]["count"] == 9
    # Asking for another site by name gives nothing.
    assert rows(client.get(URL, {"site": "troyes"})) == []
    assert {site for site, _month in total_rows(client_for(coordinator_b).get(URL))} == {"troyes"}


@pytest.mark.django_db
def test_partner_members_read_like_their_organisation(client_for, partner, figures):
    totals = total_rows(client_for(partner).get(URL))
    assert {site for site, _month in totals} == {"reims", "troyes"}
    assert totals[("reims", f"{YEAR}-03-01")]["suppressed"] is True


@pytest.mark.django_db
def test_people_without_a_role_read_nothing(client_for, figures):
    user = User.objects.create_user(username="inconnu", password="mot-de-passe-de-test")
    assert rows(client_for(user).get(URL)) == []


# --- Filters and pages --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_filters(client_for, regional_coordinator, refs):
    marne = TerritoryFactory(code="51", name="Marne")
    reims = SiteFactory(slug="reims", departement=marne)
    troyes = SiteFactory(slug="troyes", departement=TerritoryFactory(code="10", name="Aube"))
    set_month(reims, MARCH, month_counts(refs, 1, 1))
    set_month(reims, APRIL, month_counts(refs, 1, 1))
    set_month(troyes, MARCH, month_counts(refs, 1, 1))
    client = client_for(regional_coordinator)
    total = {"dimension": Dimension.TOTAL}

    def keys(**params):
        return {(row["site"], row["month"]) for row in rows(client.get(URL, {**total, **params}))}

    assert keys() == {("reims", f"{YEAR}-03-01"), ("reims", f"{YEAR}-04-01"), ("troyes", f"{YEAR}-03-01")}
    assert keys(site="troyes") == {("troyes", f"{YEAR}-03-01")}
    assert keys(departement="51") == {("reims", f"{YEAR}-03-01"), ("reims", f"{YEAR}-04-01")}
    # A date inside a month takes the whole month.
    assert keys(start=f"{YEAR}-04-15") == {("reims", f"{YEAR}-04-01")}
    assert keys(end=f"{YEAR}-03-31") == {("reims", f"{YEAR}-03-01"), ("troyes", f"{YEAR}-03-01")}
    assert {row["dimension"] for row in rows(client.get(URL, {"dimension": "age_band"}))} == {"age_band"}

    error = assert_error(client.get(URL, {"dimension": "nom"}), 400)
    assert "dimension" in error["fields"]
    assert_error(client.get(URL, {"start": "hier"}), 400)


@pytest.mark.django_db
def test_pagination(token_client, site_a, refs):
    for month in range(1, 6):
        set_month(site_a, datetime.date(YEAR, month, 1), month_counts(refs, 5, 5))
        validate(site_a, datetime.date(YEAR, month, 1))
    client = token_client(ApiScope.STATS_READ)
    data = client.get(URL, {"dimension": Dimension.TOTAL, "page_size": 2}).json()
    assert data["count"] == 5
    assert [row["month"] for row in data["results"]] == [f"{YEAR}-01-01", f"{YEAR}-02-01"]
    assert data["next"] and data["previous"] is None
    last = client.get(URL, {"dimension": Dimension.TOTAL, "page_size": 2, "page": 3}).json()
    assert [row["month"] for row in last["results"]] == [f"{YEAR}-05-01"]
    assert_error(client.get(URL, {"page": 99}), 404)


@pytest.mark.django_db
def test_query_count_does_not_grow_with_sites_or_months(token_client, refs, django_assert_num_queries):
    client = token_client(ApiScope.STATS_READ)
    # Seen a minute ago: the authentication does not write last_used_at again.
    client.token.last_used_at = timezone.now()
    client.token.save(update_fields=["last_used_at"])
    # Once: the token is then read from the cache.
    assert client.get(URL).status_code == 200

    def list_in_six_queries() -> int:
        # The token (with its organisation) comes from the cache; a token reads the labelled sites,
        # no query; 1. the sexes (one column each);
        # 2. COUNT(*) of the grouped lines of validated months, for the pagination;
        # 3. the page of lines, grouped by site, month, dimension and item, one sum per sex;
        # 4. the whole tables of the page's site-months, for the cells to hide;
        # 5.-6. the labels of the items on the page: one query per breakdown present (total needs none).
        with django_assert_num_queries(6):
            response = client.get(URL, {"page_size": 500})
        assert response.status_code == 200
        return response.json()["count"]

    def add_sites(number: int, months: int):
        for _ in range(number):
            site = SiteFactory()
            for month in range(1, months + 1):
                counts = month_counts(refs, 5, 6)
                counts[(Dimension.SITUATION, refs.situations[month % 3].pk, refs.sexes[0].pk)] = 5
                set_month(site, datetime.date(YEAR, month, 1), counts)
                validate(site, datetime.date(YEAR, month, 1))

    add_sites(1, 2)
    assert list_in_six_queries() == 1 * 2 * 4  # total, two age bands, one situation per month.
    add_sites(5, 6)
    assert list_in_six_queries() == 1 * 2 * 4 + 5 * 6 * 4


@pytest.mark.django_db
def test_schema_documents_the_endpoint(client):
    schema = client.get("/api/v1/schema/", {"format": "json"}).json()
    operation = schema["paths"][URL]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {
        "site",
        "departement",
        "start",
        "end",
        "dimension",
        "page",
    }
    assert operation["responses"]["403"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/ApiError"
    )


# --- Totals over sites and months ---------------------------------------------------------------------

TOTALS = "/api/v1/stats/totals/"


def totals_by_code(response) -> dict:
    assert response.status_code == 200, response.content
    return {row["item"]["code"]: row for row in response.json()["rows"]}


@pytest.mark.django_db
def test_totals_add_up_sites_and_months(client_for, regional_coordinator, figures):
    response = client_for(regional_coordinator).get(TOTALS, {"dimension": Dimension.AGE_BAND})
    rows = totals_by_code(response)
    # Reims: March 3 + 6, April 5 + 7, May 40 + 40; Troyes March 0 + 8; Sedan March 10 + 10.
    assert rows["moins-26"]["count"] == 3 + 5 + 40 + 0 + 10
    assert rows["26-44"]["count"] == 6 + 7 + 40 + 8 + 10
    assert response.json()["sites"] == 3


@pytest.mark.django_db
def test_partners_totals_count_validated_months_of_labelled_sites(token_client, figures):
    response = token_client(ApiScope.STATS_READ).get(TOTALS, {"dimension": Dimension.AGE_BAND})
    rows = totals_by_code(response)
    # Reims March and April, Troyes March; not Reims's open May, not Sedan (not labelled).
    assert rows["moins-26"]["count"] == 3 + 5 + 0
    assert rows["26-44"]["count"] == 6 + 7 + 8
    assert response.json()["months"] == 3


@pytest.mark.django_db
def test_totals_filter_by_territory_and_kind(client_for, regional_coordinator, figures, site_a):
    client = client_for(regional_coordinator)
    by_territory = totals_by_code(
        client.get(TOTALS, {"dimension": Dimension.AGE_BAND, "territory": site_a.departement_id})
    )
    assert by_territory["moins-26"]["count"] == 3 + 5 + 40
    other_kind = client.get(TOTALS, {"dimension": Dimension.AGE_BAND, "kind": "nope"})
    assert totals_by_code(other_kind) == {}


@pytest.mark.django_db
def test_totals_need_a_breakdown_and_valid_filters(client_for, regional_coordinator):
    client = client_for(regional_coordinator)
    assert "dimension" in assert_error(client.get(TOTALS), 400)["fields"]
    assert_error(client.get(TOTALS, {"dimension": "age_band", "territory": "x"}), 400)
    assert_error(client.get(TOTALS, {"dimension": "age_band", "start": "hier"}), 400)
