"""CSV and XLSX exports: same scope as the dashboards, filters stated first, contents read back."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from stats.enums import Dimension
from stats.filters import PeriodPreset
from stats.models import AgeBand
from tests.factories import SiteFactory, SiteKindFactory, TerritoryFactory
from tests.stats.test_dashboards import YEAR, record

PREVIOUS_YEAR = {"period": PeriodPreset.PREVIOUS_YEAR}
PERIOD_STATED = f"Année précédente (du 1 janvier {YEAR} au 31 décembre {YEAR})"


def export(client, file_format="csv", **params):
    return client.get(reverse("stats:export"), {"format": file_format, **PREVIOUS_YEAR, **params})


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")  # Spreadsheets need the mark to read UTF-8.
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))


def csv_section(rows, title) -> list[list[str]]:
    """The rows of a CSV section: from its header (after its title) to the next blank line."""
    start = rows.index([title]) + 1
    end = next((n for n in range(start, len(rows)) if not rows[n]), len(rows))
    return rows[start:end]


def csv_filters(rows) -> dict[str, str]:
    """The filter lines at the top of a CSV, up to the first blank line."""
    return dict(row for row in rows[1 : rows.index([])])


def read_xlsx(response):
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return load_workbook(io.BytesIO(response.content))


def sheet_rows(workbook, title) -> list[tuple]:
    return [tuple(row) for row in workbook[title].iter_rows(values_only=True)]


@pytest.fixture
def visits(site_a, site_b, refs):
    """Site A: two women and one man; site B: one man."""
    day = datetime.date(YEAR, 3, 10)
    record(site_a, refs, day, sex=0, age_band=refs.age_bands[0], situation=refs.situations[0])
    record(site_a, refs, day, sex=0, age_band=refs.age_bands[1], situation=refs.situations[0])
    record(site_a, refs, day, sex=1, age_band=refs.age_bands[1], situation=refs.situations[1])
    record(site_b, refs, day, sex=1, age_band=refs.age_bands[2], situation=refs.situations[1])


# --- Who may export what ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("stats:export"), {"format": "csv"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_a_site_coordinator_exports_their_own_site_only(
    client_for, coordinator_a, coordinator_b, site_a, site_b, visits
):
    client = client_for(coordinator_b)
    # Another site, whichever way it is asked for: 404 for the site, 403 for the region and territory.
    assert export(client, site=site_a.slug).status_code == 404
    assert export(client, "xlsx", site=site_a.slug).status_code == 404
    assert export(client).status_code == 403
    assert export(client, departement=site_a.departement.code).status_code == 403
    assert export(client, territory=site_a.departement.pk).status_code == 403
    assert export(client, territory=site_b.departement.pk, site=site_b.slug).status_code == 403

    # Their own site, with crafted parameters naming the other one: only their own figures.
    rows = read_csv(
        export(
            client,
            site=site_b.slug,
            site_id=site_a.pk,
            sites=site_a.slug,
            departement=site_a.departement.code,
        )
    )
    assert csv_filters(rows)["Sites"] == site_b.name
    assert csv_section(rows, "Synthèse")[1:] == [
        ["Femme", "0", "0,0\xa0%"],
        ["Homme", "1", "100,0\xa0%"],
        ["Total", "1", "100,0\xa0%"],
    ]
    assert site_a.name not in "".join(";".join(row) for row in rows)

    # The same for the coordinator of A, in XLSX.
    workbook = read_xlsx(export(client_for(coordinator_a), "xlsx", site=site_a.slug))
    assert ("Sites", site_a.name) in sheet_rows(workbook, "Filtres")


@pytest.mark.django_db
def test_partners_cannot_export(client_for, partner, site_a):
    client = client_for(partner)
    assert export(client).status_code == 403
    assert export(client, site=site_a.slug).status_code == 404


@pytest.mark.django_db
def test_unknown_format_or_invalid_filters_are_refused(client_for, observer, site_a):
    client = client_for(observer)
    assert export(client, "pdf").status_code == 400
    # A file cannot show an error: rather than the whole region, a refusal.
    response = export(client, site="nulle-part")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
    response = export(client, period="<script>", site=site_a.slug)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
    assert export(client, **dates_reversed()).status_code == 400


def dates_reversed():
    return {"period": "dates", "start": f"{YEAR}-05-01", "end": f"{YEAR}-04-01"}


# --- Contents ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_csv_starts_with_its_filters_then_one_section_per_breakdown(
    client_for, observer, site_a, site_b, visits
):
    response = export(client_for(observer))
    assert response["Content-Disposition"] == (
        f'attachment; filename="statistiques-region-{YEAR}0101-{YEAR}1231.csv"'
    )
    rows = read_csv(response)

    assert rows[0] == ["Statistiques de fréquentation — Région Grand Est"]
    filters = csv_filters(rows)
    assert filters["Période"] == PERIOD_STATED
    assert filters["Territoire"] == "Toute la région (Grand Est)"
    assert filters["Type de site"] == "Tous les types"
    assert filters["Sites"] == f"2 : {site_a.name}, {site_b.name}"
    assert filters["Généré le"]

    assert csv_section(rows, "Synthèse") == [
        ["Sexe", "Passages", "Part"],
        ["Femme", "2", "50,0\xa0%"],
        ["Homme", "2", "50,0\xa0%"],
        ["Total", "4", "100,0\xa0%"],
    ]
    assert csv_section(rows, "Tranche d'âge") == [
        ["Tranche d'âge", "Femme", "Homme", "Total", "Part des passages"],
        ["Moins-26", "1", "0", "1", "25,0\xa0%"],
        ["26-44", "1", "1", "2", "50,0\xa0%"],
        ["45-Plus", "0", "1", "1", "25,0\xa0%"],
    ]
    # Every breakdown of the dashboard has its section, split by sex.
    for dimension in (
        Dimension.SITUATION,
        Dimension.EDUCATION_LEVEL,
        Dimension.CHANNEL,
        Dimension.THEME,
        Dimension.SERVICE_LEVEL,
        Dimension.REFERRAL,
        Dimension.CONTACT_KIND,
    ):
        header = csv_section(rows, str(dimension.label))[0]
        assert header[1:3] == ["Femme", "Homme"], dimension
    march = next(row for row in csv_section(rows, "Passages par mois") if row[0] == f"mars {YEAR}")
    assert march == [f"mars {YEAR}", "2", "2", "4", "", ""]
    assert ["Situation × Sexe"] in rows
    assert csv_section(rows, "Complétude")[0][0] == "Site"


@pytest.mark.django_db
def test_xlsx_has_a_filter_sheet_and_one_sheet_per_table(client_for, observer, site_a, site_b, visits):
    marne = site_a.departement
    response = export(client_for(observer), "xlsx", departement=marne.code)
    workbook = read_xlsx(response)

    assert workbook.sheetnames[0] == "Filtres"
    filters = dict(row for row in sheet_rows(workbook, "Filtres")[2:] if row[0])
    assert filters["Période"] == PERIOD_STATED
    assert filters["Territoire"] == str(marne)
    assert filters["Sites"] == site_a.name

    rows = sheet_rows(workbook, "Tranche d'âge")
    # Each sheet restates its scope and period, for when it is printed alone.
    assert rows[0][0] == "Tranche d'âge"
    assert rows[1][0] == f"Région Grand Est — {PERIOD_STATED}"
    assert rows[3] == ("Tranche d'âge", "Femme", "Homme", "Total", "Part des passages")
    assert rows[4][:4] == ("Moins-26", 1, 0, 1)
    assert rows[5][:4] == ("26-44", 1, 1, 2)
    assert rows[5][4] == pytest.approx(2 / 3)
    assert workbook["Tranche d'âge"].cell(row=6, column=5).number_format == "0.0%"
    assert {"Synthèse", "Passages par mois", "Situation", "Thème", "Orientation vers", "Complétude"} <= set(
        workbook.sheetnames
    )


@pytest.mark.django_db
def test_exports_follow_the_dashboard_filters(client_for, observer, refs):
    marne = TerritoryFactory(code="51", name="Marne")
    cite = SiteKindFactory(code="cite-des-metiers", label="Cité des métiers")
    reims = SiteFactory(name="Reims", slug="reims", departement=marne)
    epernay = SiteFactory(name="Épernay", slug="epernay", departement=marne, kind=cite)
    troyes = SiteFactory(name="Troyes", slug="troyes", departement=TerritoryFactory(code="10", name="Aube"))
    for site, number in ((reims, 1), (epernay, 2), (troyes, 4)):
        for _ in range(number):
            record(site, refs, datetime.date(YEAR, 7, 7))
    client = client_for(observer)

    def total(**params):
        rows = read_csv(export(client, **params))
        return csv_filters(rows), csv_section(rows, "Synthèse")[-1]

    filters, line = total(kind="cite-des-metiers")
    assert line == ["Total", "2", "100,0\xa0%"]
    assert filters["Type de site"] == "Cité des métiers"
    filters, line = total(territory=marne.pk)
    assert line[1] == "3"
    assert filters["Territoire"] == str(marne)
    assert filters["Sites"] == "2 : Épernay, Reims"
    filters, line = total(site="troyes")
    assert line[1] == "4"
    # Custom dates are stated as such.
    rows = read_csv(
        client.get(
            reverse("stats:export"),
            {"format": "csv", "period": "dates", "start": f"{YEAR}-07-01", "end": f"{YEAR}-07-31"},
        )
    )
    assert csv_filters(rows)["Période"] == f"du 1 juillet {YEAR} au 31 juillet {YEAR}"
    assert csv_section(rows, "Synthèse")[-1][1] == "7"


@pytest.mark.django_db
def test_the_dashboard_links_to_its_exports(client_for, observer, site_a):
    response = client_for(observer).get(
        reverse("stats:site_dashboard", kwargs={"slug": site_a.slug}), PREVIOUS_YEAR
    )
    assert response.context["export_xlsx_url"] == (
        f"{reverse('stats:export')}?format=xlsx&period=annee-precedente&site={site_a.slug}"
    )


@pytest.mark.django_db
def test_empty_export_still_states_its_filters(client_for, observer, site_a):
    rows = read_csv(export(client_for(observer), site=site_a.slug))
    assert csv_filters(rows)["Sites"] == site_a.name
    assert csv_section(rows, "Synthèse")[-1] == ["Total", "0", ""]
    workbook = read_xlsx(export(client_for(observer), "xlsx", site=site_a.slug))
    assert "Aucune donnée sur la période." in [row[0] for row in sheet_rows(workbook, "Satisfaction")]


@pytest.mark.django_db
def test_the_region_narrowed_to_one_site_is_titled_by_the_site(client_for, observer, site_a, visits):
    response = export(client_for(observer), "xlsx", site=site_a.slug)
    assert response["Content-Disposition"].endswith(
        f'filename="statistiques-{site_a.slug}-{YEAR}0101-{YEAR}1231.xlsx"'
    )
    workbook = read_xlsx(response)
    assert sheet_rows(workbook, "Filtres")[0][0] == f"Statistiques de fréquentation — {site_a.name}"
    assert ("Territoire", str(site_a.departement)) in sheet_rows(workbook, "Filtres")


@pytest.mark.django_db
def test_labels_that_look_like_formulas_stay_text(client_for, observer, refs):
    site = SiteFactory(name='=HYPERLINK("http://exemple.invalid")', slug="piege")
    record(site, refs, datetime.date(YEAR, 3, 3))
    client = client_for(observer)

    rows = read_csv(export(client, site="piege"))
    assert csv_filters(rows)["Sites"] == '\'=HYPERLINK("http://exemple.invalid")'

    workbook = read_xlsx(export(client, "xlsx", site="piege"))
    cell = workbook["Filtres"]["A1"]
    assert cell.data_type == "s"
    sites = next(row for row in workbook["Filtres"].iter_rows() if row[0].value == "Sites")
    assert sites[1].data_type == "s"
    assert sites[1].value == site.name


@pytest.mark.django_db
def test_reference_labels_that_look_like_formulas_stay_text(client_for, observer, site_a, refs):
    trap = AgeBand.objects.create(code="piege", label='=HYPERLINK("http://evil","x")', order=0)
    error = AgeBand.objects.create(code="erreur", label="#N/A", order=9)
    control = AgeBand.objects.create(code="controle", label="Bac\x01", order=9)
    for age_band in (trap, error, control):
        record(site_a, refs, datetime.date(YEAR, 3, 3), age_band=age_band)
    client = client_for(observer)

    rows = csv_section(read_csv(export(client, site=site_a.slug)), "Tranche d'âge")
    assert ['\'=HYPERLINK("http://evil","x")', "1", "0", "1", "33,3\xa0%"] in rows

    # An XLSX keeps the label as typed, in a string cell shown and edited as text.
    workbook = read_xlsx(export(client, "xlsx", site=site_a.slug))
    cells = {row[0].value: row[0] for row in workbook["Tranche d'âge"].iter_rows(min_row=5)}
    assert cells[trap.label].data_type == "s"
    assert cells[trap.label].quotePrefix
    assert cells["#N/A"].data_type == "s"  # Not an error cell.
    assert "Bac" in cells  # A control character an XLSX can't hold is dropped, not a 500.


@pytest.mark.django_db
def test_exports_follow_the_rules_of_the_dashboard_for_partial_months_and_years(
    client_for, observer, site_a, refs
):
    from tests.stats.test_dashboards import TODAY

    record(site_a, refs, TODAY)
    for _ in range(4):
        record(site_a, refs, TODAY.replace(year=TODAY.year - 1))
    rows = read_csv(export(client_for(observer), site=site_a.slug, period=PeriodPreset.LAST_12_MONTHS))
    months = csv_section(rows, "Passages par mois")
    current = [row for row in months if "(mois en cours)" in row[0]]
    assert len(current) == 1
    # Neither the whole month a year earlier nor a change beside the month not yet over.
    assert current[0][-2:] == ["", ""]
    assert "n'est pas terminé" in "".join(";".join(row) for row in rows)
    years = csv_section(rows, "Évolution annuelle")
    # From the first year with data, the current year marked as partial.
    assert [row[0] for row in years[1:]] == [str(TODAY.year - 1), f"{TODAY.year} (année en cours)"]
