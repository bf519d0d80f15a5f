"""The public aggregates of the visitor statistics (one CSV per year): validated or locked months of
labelled sites only, small cells hidden with enough others that none can be worked back (from a
site's own totals, or from the region's), never an empty file, never a server error."""

import csv
import datetime
import io
from collections import defaultdict
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.urls import reverse
from hypothesis import HealthCheck, given, settings

from network.models import User
from sites.enums import LabelStatus
from spro.disclosure import Table, determined_cells, protect
from stats import opendata, services
from stats.enums import Dimension, PeriodMode, PeriodStatus
from stats.models import MonthlyCount, Period
from tests.factories import SiteFactory
from tests.spro.test_disclosure import attacker_range, breakdown_tables, published_month
from tests.stats.conftest import Refs

NOW = datetime.datetime(2026, 6, 15, 10, tzinfo=ZoneInfo("Europe/Paris"))
pytestmark = [pytest.mark.time_machine(NOW, tick=False), pytest.mark.django_db]
URL = reverse("opendata:visits_csv")
YEAR = 2025
THRESHOLD = 5


@pytest.fixture
def refs(db):
    return Refs()


def read(response) -> list[dict]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = response.content.decode("utf-8")
    assert text.startswith(",".join(opendata.HEADER) + "\r\n")
    return list(csv.DictReader(io.StringIO(text)))


def month_counts(refs, women: int, men: int, unknown: int = 0) -> dict:
    """A month's counts: every visit is split by age band, situation and theme, unevenly."""
    female, male = refs.sexes
    counts = {}
    for sex, people in ((female, women), (male, men)):
        if not people:
            continue
        counts[(Dimension.TOTAL, 0, sex.pk)] = people
        young = people // 3
        counts[(Dimension.AGE_BAND, refs.age_bands[0].pk, sex.pk)] = young
        counts[(Dimension.AGE_BAND, refs.age_bands[1].pk, sex.pk)] = (
            people - young - min(unknown, people - young)
        )
        # Some visits without an age band: "non renseigné" (item 0).
        counts[(Dimension.AGE_BAND, 0, sex.pk)] = min(unknown, people - young)
        counts[(Dimension.SITUATION, refs.situations[0].pk, sex.pk)] = people - 1
        counts[(Dimension.SITUATION, refs.situations[2].pk, sex.pk)] = 1
        # Themes: several per visit, no sum to the total.
        counts[(Dimension.THEME, refs.themes[0].pk, sex.pk)] = people
        counts[(Dimension.THEME, refs.themes[1].pk, sex.pk)] = max(people // 4, 1)
    return {key: value for key, value in counts.items() if value}


def publish(site, month: datetime.date, counts: dict, status=PeriodStatus.VALIDATED) -> Period:
    """A month of roll-ups and its period, as the services leave them (the roll-ups are what is read)."""
    period = Period.objects.create(site=site, month=month, status=status, mode=PeriodMode.AGGREGATE)
    MonthlyCount.objects.bulk_create(
        MonthlyCount(site=site, month=month, dimension=d, item_id=i, sex_id=s, count=c)
        for (d, i, s), c in counts.items()
    )
    return period


@pytest.fixture
def network(refs):
    reims = SiteFactory(slug="reims", name="Espace métiers de Reims")
    troyes = SiteFactory(slug="troyes", name="Espace métiers de Troyes")
    sedan = SiteFactory(slug="sedan", name="Espace métiers de Sedan")
    hidden = SiteFactory(slug="projet", name="Site en projet", label_status=LabelStatus.PROJECT)
    january, february, march, april = (datetime.date(YEAR, m, 1) for m in (1, 2, 3, 4))
    publish(reims, january, month_counts(refs, women=40, men=3, unknown=2))
    publish(troyes, january, month_counts(refs, women=12, men=9, unknown=1), status=PeriodStatus.LOCKED)
    publish(sedan, january, month_counts(refs, women=6, men=2))
    publish(reims, february, month_counts(refs, women=25, men=21))
    # Neither validated nor locked: never published.
    publish(troyes, february, month_counts(refs, women=777, men=555), status=PeriodStatus.OPEN)
    publish(sedan, february, month_counts(refs, women=666, men=444), status=PeriodStatus.SUBMITTED)
    publish(reims, march, month_counts(refs, women=888, men=333), status=PeriodStatus.SUBMITTED)
    # A site without the label: never published, even validated.
    publish(hidden, january, month_counts(refs, women=999, men=111))
    # A validated month without any visit.
    publish(sedan, april, {})
    return {"reims": reims, "troyes": troyes, "sedan": sedan}


def test_only_validated_or_locked_months_of_labelled_sites(client, network):
    rows = read(client.get(URL, {"annee": YEAR}))

    published = {(row["echelle"], row["site_id"], row["mois"]) for row in rows}
    assert published == {
        ("site", "reims", "2025-01"),
        ("site", "troyes", "2025-01"),
        ("site", "sedan", "2025-01"),
        ("region", "", "2025-01"),
        ("site", "reims", "2025-02"),
        ("region", "", "2025-02"),
        ("site", "sedan", "2025-04"),
        ("region", "", "2025-04"),
    }
    figures = {row["passages"] for row in rows}
    # The open, submitted and unlabelled months' figures appear nowhere, not even in the region.
    for secret in ("777", "555", "666", "444", "888", "333", "999", "111", "1332", "1110", "1221"):
        assert secret not in figures
    assert "projet" not in {row["site_id"] for row in rows}
    region = {
        (row["mois"], row["ventilation"], row["sexe_code"]): row
        for row in rows
        if row["echelle"] == "region" and row["ventilation"] == "ensemble"
    }
    assert region[("2025-02", "ensemble", "ensemble")]["passages"] == "46"
    assert region[("2025-02", "ensemble", "ensemble")]["nombre_sites"] == "1"
    assert region[("2025-01", "ensemble", "ensemble")]["nombre_sites"] == "3"
    # A validated month without visits is published with its zero total.
    april = [r for r in rows if r["mois"] == "2025-04" and r["echelle"] == "site"]
    assert {(r["ventilation"], r["sexe_code"], r["passages"]) for r in april} >= {
        ("ensemble", "ensemble", "0")
    }


def test_small_cells_are_hidden_and_none_can_be_worked_back_from_the_file(client, network):
    rows = read(client.get(URL, {"annee": YEAR}))

    for row in rows:
        if row["passages"]:
            assert int(row["passages"]) == 0 or int(row["passages"]) >= THRESHOLD, row
            assert row["secret_statistique"] == "false"
        else:
            assert row["secret_statistique"] == "true"
    assert any(row["secret_statistique"] == "true" for row in rows)
    # Reims, January: 3 men. Hidden, and so is another cell of every sum it is part of.
    reims = {
        (r["ventilation"], r["modalite_code"], r["sexe_code"]): r["passages"]
        for r in rows
        if r["site_id"] == "reims" and r["mois"] == "2025-01"
    }
    assert reims[("ensemble", "ensemble", "homme")] == ""
    assert reims[("ensemble", "ensemble", "femme")] == "" or reims[("ensemble", "ensemble", "ensemble")] == ""

    # The subtraction attack, read from the file alone: no sum published in it has exactly one blank.
    groups = defaultdict(list)
    for row in rows:
        place = (row["echelle"], row["site_id"], row["mois"])
        # A row of a breakdown item: its sexes and its total.
        groups[(place, row["ventilation"], row["modalite_code"])].append(row["passages"])
        if row["ventilation"] not in ("theme", "orientation"):
            # A single-valued breakdown, one sex (or all): its items and the sex's total.
            groups[(place, "colonne", row["ventilation"], row["sexe_code"])].append(row["passages"])
    for key, values in groups.items():
        if key[1] != "colonne":
            assert values.count("") != 1, key
    totals = defaultdict(dict)
    for row in rows:
        if row["ventilation"] == "ensemble":
            totals[(row["echelle"], row["site_id"], row["mois"])][row["sexe_code"]] = row["passages"]
    for key, by_sex in totals.items():
        assert list(by_sex.values()).count("") != 1, key
    for key, values in groups.items():
        if key[1] == "colonne" and key[2] != "ensemble":
            # With the sex's total (all sexes: the grand total).
            place, sex = key[0], key[3]
            assert values.count("") + (totals[place][sex] == "") != 1, key
    # Across the file: a cell hidden in one site is hidden in the region's month too.
    hidden_kinds = {
        (r["mois"], r["ventilation"], r["modalite_code"], r["sexe_code"])
        for r in rows
        if r["echelle"] == "site" and r["secret_statistique"] == "true"
    }
    region_hidden = {
        (r["mois"], r["ventilation"], r["modalite_code"], r["sexe_code"])
        for r in rows
        if r["echelle"] == "region" and r["secret_statistique"] == "true"
    }
    assert hidden_kinds <= region_hidden


def _whole_month(month: opendata.PublishedMonth) -> tuple[Table, set[int]]:
    """Every table of one month in one, with the equations tying the region to its sites."""
    table, hidden, index = Table(), set(), {}
    for owner, month_table in [*month.sites, ("region", month.region)]:
        offset = len(table.values)
        table.values += month_table.table.values
        table.equations += [{i + offset: c for i, c in eq.items()} for eq in month_table.table.equations]
        hidden |= {i + offset for i in month_table.hidden}
        index.update({(owner, key): i + offset for i, key in enumerate(month_table.keys)})
    for key in month.region.keys:
        parts = [index[(site_id, key)] for site_id, _table in month.sites if (site_id, key) in index]
        table.add_sum(parts, index[("region", key)])
    return table, hidden


def test_no_hidden_cell_follows_from_everything_published_in_the_month(network):
    months = opendata.published_months(YEAR)
    assert [m.month.month for m in months] == [1, 2, 4]
    for month in months:
        table, hidden = _whole_month(month)
        # The published values satisfy every equation a reader knows.
        for equation in table.equations:
            assert sum(table.values[i] * c for i, c in equation.items()) == 0
        assert determined_cells(table, hidden) == set()
        for site_id, site_table in month.sites:
            assert determined_cells(site_table.table, site_table.hidden) == set(), site_id
        # An attacker independent of the code: the range of values each hidden cell may take given
        # every visible cell, every equation and non-negative counts (linear programming).
        for cell in hidden:
            low, high = attacker_range(table, hidden, cell)
            assert high - low > 0.5, (month.month, cell, table.values[cell])


def test_recorded_visits_appear_once_their_month_is_validated(client, refs):
    site = SiteFactory(slug="epernay", name="Espace métiers d'Épernay")
    desk = User.objects.get_or_create(username="saisie", defaults={"is_superuser": True})[0]
    for day in range(1, 13):
        sex = refs.sexes[day % 2]
        services.visit_record(
            site=site,
            author=desk,
            visited_on=datetime.date(2026, 5, day),
            contact_kind=refs.contact_kinds[0],
            sex=sex,
            age_band=refs.age_bands[day % 3],
            themes=[refs.themes[0]],
        )
    period = Period.objects.get(site=site, month=datetime.date(2026, 5, 1))

    def total():
        rows = read(client.get(URL, {"annee": 2026}))
        return {
            row["passages"]
            for row in rows
            if row["site_id"] == "epernay"
            and row["ventilation"] == "ensemble"
            and row["sexe_code"] == "ensemble"
        }

    assert total() == set()
    period = services.period_submit(period=period, author=desk)
    assert total() == set()
    services.period_validate(period=period, author=desk)
    assert total() == {"12"}


@pytest.mark.parametrize("year", [2024, 2026, 2000])
def test_a_year_without_published_month_still_has_its_header_and_an_explanation(client, network, year):
    rows = read(client.get(URL, {"annee": year}))
    assert len(rows) == 1
    assert rows[0]["annee"] == str(year)
    assert "Aucun mois publié" in rows[0]["remarque"]
    assert rows[0]["passages"] == ""


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("", 400),
        ("?annee=", 400),
        ("?annee=deux-mille", 400),
        ("?annee=1e3", 400),
        ("?annee=%00", 400),
        ("?annee=2025&annee=2024", 400),
        ("?annee=2025.5", 400),
        ("?annee=-1", 404),
        ("?annee=1999", 404),
        ("?annee=2027", 404),
        ("?annee=99999999999999999999", 404),
        ("?annee=2025&page=-1&sort=--x&site=%00", 200),
    ],
)
def test_hostile_query_strings_get_an_explanation_never_a_server_error(client, network, query, status):
    response = client.get(URL + query)
    assert response.status_code == status
    if status != 200:
        assert response["Content-Type"] == "text/plain; charset=utf-8"
        assert "2025" in response.content.decode()  # the years that exist


def test_the_page_lists_every_dataset_for_anyone(client, client_for, network, partner):
    for reader in (client, client_for(partner)):
        response = reader.get(reverse("opendata:index"))
        assert response.status_code == 200
        page = response.content.decode()
        for url in (
            reverse("opendata_sites:structures_json"),
            reverse("opendata_sites:services_csv"),
            reverse("opendata:visits_dictionary"),
            f"{URL}?annee=2025",
        ):
            assert f'href="{url}' in page
        assert "secret_statistique" in page
        assert "thematiques" in page
    dictionary = client.get(reverse("opendata:visits_dictionary"))
    names = [row["colonne"] for row in read_dictionary(dictionary)]
    assert names == opendata.HEADER
    for name in ("opendata_sites:structures_dictionary", "opendata_sites:services_dictionary"):
        assert len(read_dictionary(client.get(reverse(name)))) > 15


def read_dictionary(response) -> list[dict]:
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))


def test_the_year_file_reads_roll_ups_in_a_bounded_number_of_queries(
    client, network, django_assert_max_num_queries
):
    # Counts, periods, sexes, the eight breakdowns' labels, the sites: not one per site or month.
    with django_assert_max_num_queries(14):
        read(client.get(URL, {"annee": YEAR}))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(published_month())
def test_protecting_part_by_part_hides_what_protect_hides(month):
    table = breakdown_tables(month)
    # A few rows tied to nothing else, as themes and referrals are.
    for value in (3, 0, 12):
        row = [table.cell(value), table.cell(value + 1)]
        table.add_sum(row, table.cell(2 * value + 1))
    assert opendata.protected(table, THRESHOLD) == protect(table, THRESHOLD)


def test_a_month_is_protected_once_then_read_from_the_cache(network, monkeypatch):
    first = opendata.published_months(YEAR)
    calls = []
    monkeypatch.setattr(opendata, "protect", lambda *args: calls.append(args) or set())
    again = opendata.published_months(YEAR)
    assert calls == []
    assert [t.hidden for m in again for _s, t in m.sites] == [t.hidden for m in first for _s, t in m.sites]
    # A correction of a published month: a new key, protected again.
    MonthlyCount.objects.filter(site=network["reims"], month=datetime.date(YEAR, 2, 1)).update(count=3)
    opendata.published_months(YEAR)
    assert calls
    cache.clear()
