"""Events dashboards and exports: who opens which page and file, the figures they show (read back
from the HTML, the CSV and the XLSX), the small-cell rule, and hostile query strings."""

import csv
import datetime
import io
import re
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings
from django.urls import reverse
from openpyxl import load_workbook

from events.enums import EventStatus
from events.models import AttendanceCount
from sites.models import Theme
from stats.models import AgeBand, Sex, Situation
from tests.events.factories import EventFactory, EventKindFactory
from tests.factories import OrganisationFactory, SiteFactory, TerritoryFactory
from tests.helpers import PERSONAS, assert_status, soup, texts

# The clock is frozen on 15 June 2026: the default period is 1 January – 15 June 2026.
NOW = datetime.datetime(2026, 6, 15, 10, tzinfo=ZoneInfo("Europe/Paris"))
pytestmark = [pytest.mark.time_machine(NOW, tick=False), pytest.mark.django_db]
WHOLE_YEAR = {"period": "dates", "start": "2026-01-01", "end": "2026-12-31"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _items(model, *codes):
    return [
        model.objects.get_or_create(code=code, defaults={"label": code.title(), "order": n})[0]
        for n, code in enumerate(codes)
    ]


@pytest.fixture
def refs(db):
    class Refs:
        sexes = _items(Sex, "femme", "homme")
        ages = _items(AgeBand, "moins-26", "26-44", "45-plus")
        situations = _items(Situation, "demandeur-emploi", "salarie")
        themes = _items(Theme, "metiers", "emploi", "formation")
        forum = EventKindFactory(code="forum", label="Forum")
        atelier = EventKindFactory(code="atelier", label="Atelier")

    return Refs


def attend(event, **counts):
    """counts: {item: count} per dimension, e.g. sex={femme: 3}."""
    for name, values in counts.items():
        for item, count in values.items():
            AttendanceCount.objects.create(event=event, count=count, **{name: item})


@pytest.fixture
def events(refs, site_a, site_b):
    """Site A organises five events in the period (one with site B), site B two; see each below."""
    femme, homme = refs.sexes
    young, middle, old = refs.ages
    seeker, _employee = refs.situations
    metiers, emploi, formation = refs.themes
    p1, p2, p3 = (OrganisationFactory(name=name) for name in ("France Travail", "Mission locale", "CCI"))
    e1 = EventFactory(
        sites=[site_a],
        kind=refs.forum,
        status=EventStatus.HELD,
        day=datetime.date(2026, 3, 10),
        capacity=100,
        registered=60,
        present=50,
        satisfied=30,
        neutral=5,
        dissatisfied=2,
    )
    e1.themes.set([metiers, emploi])
    e1.partners.set([p1, p2])
    attend(
        e1,
        sex={femme: 30, homme: 20},
        age_band={young: 40, middle: 7, old: 3},
        situation={seeker: 45},
    )
    # Organised by both sites: once in the region's totals.
    e2 = EventFactory(
        sites=[site_a, site_b],
        kind=refs.atelier,
        status=EventStatus.HELD,
        day=datetime.date(2026, 4, 5),
        capacity=20,
        registered=15,
        present=12,
    )
    e2.themes.set([formation])
    e2.partners.set([p1])
    attend(e2, sex={femme: 10, homme: 2})
    # Cancelled: not held; its partner is not counted.
    e3 = EventFactory(
        sites=[site_a], kind=refs.forum, status=EventStatus.CANCELLED, day=datetime.date(2026, 5, 2)
    )
    e3.partners.set([p3])
    # Past but never recorded as held: not held.
    EventFactory(sites=[site_a], kind=refs.forum, status=EventStatus.CONFIRMED, day=datetime.date(2026, 2, 1))
    EventFactory(
        sites=[site_a], kind=refs.forum, status=EventStatus.POSTPONED, day=datetime.date(2026, 5, 20)
    )
    # To come (after 15 June): outside the default period, left out of the rate when included.
    EventFactory(sites=[site_a], kind=refs.forum, status=EventStatus.PLANNED, day=datetime.date(2026, 6, 20))
    # The year before: outside the period.
    EventFactory(
        sites=[site_a], kind=refs.forum, status=EventStatus.HELD, day=datetime.date(2025, 6, 1), present=99
    )
    # Site B alone, held, capacity unknown: in the present, not in the taux de fréquentation.
    EventFactory(
        sites=[site_b],
        kind=refs.forum,
        status=EventStatus.HELD,
        day=datetime.date(2026, 3, 15),
        capacity=None,
        present=8,
    )


def region_url():
    return reverse("event_stats:region")


def territory_url(territory):
    return reverse("event_stats:territory", kwargs={"pk": territory.pk})


def site_url(site):
    return reverse("event_stats:site", kwargs={"slug": site.slug})


def export_url():
    return reverse("event_stats:export")


def _text(element) -> str:
    """An element's text, runs of ordinary whitespace collapsed (the non-breaking ones kept)."""
    return re.sub(r"[ \t\r\n]+", " ", element.get_text(" ")).strip()


def figure(response, name) -> str:
    elements = soup(response).select(f'[data-figure="{name}"]')
    assert len(elements) == 1, f"{name}: {len(elements)} elements"
    return _text(elements[0])


def table(response, table_id) -> dict[str, list[str]]:
    """A table's body rows by their header cell: {label: [cells…]}."""
    rows = soup(response).select(f"#{table_id} tbody tr")
    assert rows, f"no table #{table_id}"
    return {_text(row.th): [_text(td) for td in row.select("td")] for row in rows}


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))


def csv_section(rows, title) -> dict[str, list[str]]:
    """A CSV section's rows after its header, by their first cell."""
    start = rows.index([title]) + 2
    end = next((n for n in range(start, len(rows)) if not rows[n]), len(rows))
    return {row[0]: row[1:] for row in rows[start:end] if len(row) > 1}


def read_xlsx(response):
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == XLSX
    return load_workbook(io.BytesIO(response.content))


def sheet_section(workbook, title) -> dict[str, list]:
    rows = list(workbook[title].iter_rows(values_only=True))[4:]
    return {
        row[0]: list(row[1:]) for row in rows if row[0] is not None and any(v is not None for v in row[1:])
    }


# --- Who gets what: every persona on every dashboard and export ---------------------------------------

REGION_ONLY = {
    "anonymous": "login",
    "regional_coordinator": 200,
    "coordinator_a": 403,
    "coordinator_b": 403,
    "partner": 403,
    "observer": 200,
}
SITE_A = {
    "anonymous": "login",
    "regional_coordinator": 200,
    "coordinator_a": 200,
    "coordinator_b": 404,
    "partner": 404,
    "observer": 200,
}


def _doors(site_a):
    territory = site_a.departement
    return [
        ("region", region_url(), {}, REGION_ONLY),
        ("territory", territory_url(territory), {}, REGION_ONLY),
        ("site", site_url(site_a), {}, SITE_A),
        ("export-region-csv", export_url(), {"format": "csv"}, REGION_ONLY),
        ("export-region-xlsx", export_url(), {"format": "xlsx"}, REGION_ONLY),
        ("export-territory-csv", export_url(), {"format": "csv", "territory": territory.pk}, REGION_ONLY),
        ("export-territory-xlsx", export_url(), {"format": "xlsx", "territory": territory.pk}, REGION_ONLY),
        ("export-site-csv", export_url(), {"format": "csv", "site": site_a.slug}, SITE_A),
        ("export-site-xlsx", export_url(), {"format": "xlsx", "site": site_a.slug}, SITE_A),
    ]


DOORS = [
    "region",
    "territory",
    "site",
    "export-region-csv",
    "export-region-xlsx",
    "export-territory-csv",
    "export-territory-xlsx",
    "export-site-csv",
    "export-site-xlsx",
]


@pytest.mark.parametrize("door", DOORS)
@pytest.mark.parametrize("persona", PERSONAS)
def test_personas_on_every_dashboard_and_export(as_persona, persona, door, site_a, events):
    _name, url, params, expected = next(d for d in _doors(site_a) if d[0] == door)
    assert_status(as_persona(persona).get(url, params), expected[persona])


def test_every_door_is_in_the_matrix(site_a):
    assert [door[0] for door in _doors(site_a)] == DOORS
    names = {pattern.name for pattern in __import__("events.dashboards.urls").dashboards.urls.urlpatterns}
    assert names == {"region", "territory", "site", "export"}


# --- A site coordinator never reads another site's figures ------------------------------------------------


def test_a_site_coordinator_is_refused_another_sites_dashboard_and_export(as_persona, site_a, site_b, events):
    client = as_persona("coordinator_b")
    assert client.get(site_url(site_a)).status_code == 404
    for params in (
        {"site": site_a.slug},
        {"site": site_a.slug, "format": "xlsx"},
        # The last value is the one read: a second "site" cannot smuggle another slug in.
        {"site": [site_b.slug, site_a.slug]},
        {"site": site_a.slug, "territory": ""},
        {"site": site_a.slug.upper()},
    ):
        assert client.get(export_url(), params).status_code == 404, params
    # Without a site, or with a territory, an export is the region's or a territory's: refused.
    assert client.get(export_url()).status_code == 403
    assert client.get(export_url(), {"territory": site_a.departement.pk}).status_code == 403
    assert (
        client.get(export_url(), {"territory": site_b.departement.pk, "site": site_b.slug}).status_code == 403
    )
    assert client.get(region_url(), {"site": site_a.slug}).status_code == 403


def test_a_site_filter_on_a_site_page_does_not_widen_it(as_persona, site_a, site_b, events):
    """Site B's page and export, asked with site A's slug or département in the query string."""
    client = as_persona("coordinator_b")
    response = client.get(site_url(site_b), {"site": site_a.slug, "departement": site_a.departement.code})
    assert response.status_code == 200
    assert figure(response, "events") == "2"
    rows = read_csv(client.get(export_url(), {"site": site_b.slug, "departement": site_a.departement.code}))
    assert csv_section(rows, "Synthèse")["Événements"] == ["2"]
    assert site_a.name not in str(rows)


# --- Figures ------------------------------------------------------------------------------------------


def test_a_sites_dashboard_shows_its_events(as_persona, site_a, events):
    response = as_persona("coordinator_a").get(site_url(site_a))
    assert response.status_code == 200
    assert figure(response, "events") == "5"
    assert figure(response, "held") == "2"
    # 2 held out of 5 whose outcome is known (held, cancelled, or past): 40 %.
    assert figure(response, "realisation") == "40,0\xa0%"
    assert figure(response, "registered") == "75"
    assert figure(response, "present") == "62"
    # (50 + 12) present for (100 + 20) places.
    assert figure(response, "frequentation") == "51,7\xa0%"
    assert figure(response, "partners") == "2"
    assert table(response, "table-etats") == {
        "Prévu": ["0"],
        "Confirmé": ["1"],
        "Réalisé": ["2"],
        "Annulé": ["1"],
        "Reporté": ["1"],
    }
    assert table(response, "table-types") == {
        "Forum": ["4", "1", "1", "50"],
        "Atelier": ["1", "1", "0", "12"],
    }
    assert table(response, "table-themes") == {
        "Metiers": ["1", "1", "0", "50"],
        "Emploi": ["1", "1", "0", "50"],
        "Formation": ["1", "1", "0", "12"],
        "Sans thème": ["3", "0", "1", "0"],
    }
    months = table(response, "table-mois")
    assert list(months) == [
        "janvier 2026",
        "février 2026",
        "mars 2026",
        "avril 2026",
        "mai 2026",
        "juin 2026",
    ]
    assert months["mars 2026"] == ["1", "1", "0", "50"]
    assert months["mai 2026"] == ["2", "0", "1", "0"]
    assert table(response, "table-presents-sex") == {
        "Femme": ["40", "64,5\xa0%"],
        "Homme": ["22", "35,5\xa0%"],
    }
    assert table(response, "table-satisfaction") == {
        "Satisfaits": ["30"],
        "Mitigés": ["5"],
        "Insatisfaits": ["2"],
    }
    assert table(response, "table-partenaires") == {"France Travail": ["2"], "Mission locale": ["1"]}
    # The definitions are on the page.
    assert "dont l'issue est connue" in texts(response, "#definition-realisation")[0]
    assert "capacité" in texts(response, "#definition-frequentation")[0]


def test_the_region_counts_a_shared_event_once(as_persona, site_a, site_b, events):
    response = as_persona("observer").get(region_url())
    assert figure(response, "events") == "6"
    assert figure(response, "held") == "3"
    assert figure(response, "realisation") == "50,0\xa0%"
    assert figure(response, "present") == "70"
    # Site B's held event has no capacity: left out of the rate.
    assert figure(response, "frequentation") == "51,7\xa0%"
    assert table(response, "table-sites") == {
        site_a.name: ["5", "2", "1", "62"],
        site_b.name: ["2", "2", "0", "20"],
    }


def test_the_territory_dashboard_counts_its_sites_only(as_persona, site_a, site_b, events):
    response = as_persona("regional_coordinator").get(territory_url(site_b.departement))
    assert figure(response, "events") == "2"
    assert figure(response, "present") == "20"
    assert list(table(response, "table-sites")) == [site_b.name]


def test_events_to_come_are_left_out_of_the_rate(as_persona, site_a, events):
    response = as_persona("coordinator_a").get(site_url(site_a), WHOLE_YEAR)
    assert figure(response, "events") == "6"
    assert figure(response, "rate-known") == "5"
    assert figure(response, "rate-upcoming") == "1"
    assert figure(response, "realisation") == "40,0\xa0%"


def test_filters_on_kind_of_event_and_theme(as_persona, site_a, events):
    client = as_persona("coordinator_a")
    response = client.get(site_url(site_a), {"type": "atelier"})
    assert figure(response, "events") == "1"
    assert figure(response, "present") == "12"
    response = client.get(site_url(site_a), {"theme": "metiers"})
    assert figure(response, "events") == "1"
    assert figure(response, "present") == "50"
    response = client.get(site_url(site_a), {"period": "annee-precedente"})
    assert figure(response, "events") == "1"
    assert figure(response, "present") == "99"


def test_the_csv_export_holds_the_same_figures(as_persona, site_a, events):
    rows = read_csv(as_persona("coordinator_a").get(export_url(), {"site": site_a.slug}))
    filters = dict(row for row in rows[1 : rows.index([])])
    assert filters["Période"] == "Année en cours (du 1 janvier 2026 au 15 juin 2026)"
    assert filters["Sites"] == site_a.name
    assert filters["Type d'événement"] == "Tous les types"
    summary = csv_section(rows, "Synthèse")
    assert summary["Événements"] == ["5"]
    assert summary["Événements réalisés"] == ["2"]
    assert summary["Taux de réalisation"] == ["40,0\xa0%"]
    assert summary["Présents (événements réalisés)"] == ["62"]
    assert summary["Taux de fréquentation"] == ["51,7\xa0%"]
    assert summary["Partenaires impliqués"] == ["2"]
    assert csv_section(rows, "Par état")["Annulé"] == ["1"]
    assert csv_section(rows, "Par type")["Forum"] == ["4", "1", "1", "50"]
    assert csv_section(rows, "Par mois")["mars 2026"] == ["1", "1", "0", "50"]
    assert csv_section(rows, "Présents par sexe") == {
        "Femme": ["40", "64,5\xa0%"],
        "Homme": ["22", "35,5\xa0%"],
    }
    assert csv_section(rows, "Présents par tranche d'âge") == {
        "Moins-26": ["40", "64,5\xa0%"],
        "26-44": ["n.c.", ""],
        "45-Plus": ["n.c.", ""],
        "Non ventilé": ["12", "19,4\xa0%"],
    }
    assert csv_section(rows, "Satisfaction")["Total"] == ["37"]


def test_the_xlsx_export_holds_the_same_figures(as_persona, site_a, site_b, events):
    workbook = read_xlsx(as_persona("observer").get(export_url(), {"format": "xlsx"}))
    summary = sheet_section(workbook, "Synthèse")
    assert summary["Événements"] == [6]
    assert summary["Événements réalisés"] == [3]
    assert summary["Taux de réalisation"] == [0.5]
    assert workbook["Synthèse"]["B9"].number_format == "0.0%"
    assert summary["Présents (événements réalisés)"] == [70]
    assert sheet_section(workbook, "Par site") == {site_a.name: [5, 2, 1, 62], site_b.name: [2, 2, 0, 20]}
    # Site B's event of 8 present has no breakdown: its present make a line of their own.
    assert sheet_section(workbook, "Présents par sexe") == {
        "Femme": [40, pytest.approx(40 / 70)],
        "Homme": [22, pytest.approx(22 / 70)],
        "Non ventilé": [8, pytest.approx(8 / 70)],
    }


def test_the_exports_defuse_formulas(as_persona, site_a, refs):
    refs.forum.label = '=HYPERLINK("https://exemple.test","clic")'
    refs.forum.save()
    EventFactory(
        sites=[site_a], kind=refs.forum, status=EventStatus.HELD, day=datetime.date(2026, 3, 1), present=10
    )
    client = as_persona("coordinator_a")
    rows = read_csv(client.get(export_url(), {"site": site_a.slug}))
    assert "'" + refs.forum.label in csv_section(rows, "Par type")
    workbook = read_xlsx(client.get(export_url(), {"site": site_a.slug, "format": "xlsx"}))
    cell = next(c for row in workbook["Par type"].iter_rows() for c in row if c.value == refs.forum.label)
    assert cell.data_type == "s" and cell.quotePrefix


# --- Small cells --------------------------------------------------------------------------------------


def test_small_cells_are_hidden_with_the_cell_that_would_reveal_them(as_persona, site_a, events):
    response = as_persona("coordinator_a").get(site_url(site_a))
    # 3 people aged 45 and over: hidden, and 26-44 (7) too, or 62 − 40 − 12 would give it away.
    assert table(response, "table-presents-age_band") == {
        "Moins-26": ["40", "64,5\xa0%"],
        "26-44": ["n.c.", "—"],
        "45-Plus": ["n.c.", "—"],
        "Non ventilé": ["12", "19,4\xa0%"],
    }
    assert "moins de 5 personnes" in texts(response, "#regle-petites-cases")[0]
    # The chart leaves hidden cells out as well.
    chart = soup(response).select_one("#graphique-presents-age_band").get_text(" ")
    assert "45-Plus" not in chart and "26-44" not in chart


def test_a_breakdown_of_fewer_present_than_the_threshold_is_hidden_whole(as_persona, site_a, refs):
    femme, homme = refs.sexes
    event = EventFactory(sites=[site_a], status=EventStatus.HELD, day=datetime.date(2026, 3, 1), present=4)
    attend(event, sex={femme: 4})
    response = as_persona("coordinator_a").get(site_url(site_a))
    assert table(response, "table-presents-sex") == {"Femme": ["n.c.", "—"]}
    rows = read_csv(as_persona("coordinator_a").get(export_url(), {"site": site_a.slug}))
    assert csv_section(rows, "Présents par sexe") == {"Femme": ["n.c.", ""]}


@override_settings(SPRO_SMALL_CELL_THRESHOLD=1)
def test_the_threshold_is_a_setting(as_persona, site_a, events):
    response = as_persona("coordinator_a").get(site_url(site_a))
    assert table(response, "table-presents-age_band")["45-Plus"] == ["3", "4,8\xa0%"]


# --- Hostile query strings ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"period": "dates", "start": "2026-13-45"},
        {"period": "dates", "start": "2026-06-01", "end": "2026-01-01"},
        {"period": "dates", "start": "1900-01-01", "end": "2026-01-01"},
        {"start": "99999-01-01"},
        {"period": "zz", "type": "zz", "theme": "\x00", "kind": "zz"},
        {"departement": "99999999999999999999", "site": "nulle-part"},
    ],
)
def test_hostile_filters_give_a_form_error_or_a_400(as_persona, site_a, events, params):
    client = as_persona("regional_coordinator")
    response = client.get(region_url(), params)
    assert response.status_code == 200
    assert soup(response).select(".errorlist"), params
    # The other pages offer fewer filters: those they don't offer are ignored.
    for url in (site_url(site_a), territory_url(site_a.departement)):
        assert client.get(url, params).status_code == 200
    assert client.get(export_url(), params).status_code == 400


def test_unknown_or_huge_ids_are_404(as_persona, site_a):
    client = as_persona("observer")
    assert client.get("/evenements/statistiques/territoires/99999999999999999999/").status_code == 404
    assert client.get(territory_url(TerritoryFactory.build(pk=999999))).status_code == 404
    assert client.get(reverse("event_stats:site", kwargs={"slug": "nulle-part"})).status_code == 404
    for territory in ("99999999999999999999", "-1", "1e30", "x"):
        assert client.get(export_url(), {"territory": territory}).status_code == 404, territory
    assert client.get(export_url(), {"format": "pdf"}).status_code == 400


def test_a_coordinator_of_no_site_with_events_sees_an_empty_page(as_persona, site_b):
    SiteFactory()
    response = as_persona("coordinator_b").get(site_url(site_b))
    assert response.status_code == 200
    assert "Aucun événement sur cette période" in texts(response, "#synthese")[0]


def test_a_dashboard_costs_the_same_queries_for_more_events(as_persona, site_a, site_b, refs, events):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = as_persona("observer")
    with CaptureQueriesContext(connection) as before:
        assert client.get(region_url()).status_code == 200
    for n in range(10):
        event = EventFactory(
            sites=[SiteFactory(), site_b],
            kind=refs.atelier,
            status=EventStatus.HELD,
            day=datetime.date(2026, 2, n + 1),
        )
        event.themes.set(refs.themes)
        event.partners.set([OrganisationFactory()])
        attend(event, sex={refs.sexes[0]: 6}, situation={refs.situations[1]: 6})
    with CaptureQueriesContext(connection) as after:
        assert client.get(region_url()).status_code == 200
    assert len(after) == len(before)
