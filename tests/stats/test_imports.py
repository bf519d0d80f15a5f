"""Import of historical statistics: rights, line-by-line errors, preview, all-or-nothing commit.

Personas (tests/conftest.py): the regional coordinator, the coordinators of site A (reims) and of
site B (troyes), a partner, a read-only observer and an anonymous visitor.
"""

import csv
import datetime
import io
import time
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from stats import imports, services
from stats.enums import Dimension, PeriodAction, PeriodMode, PeriodStatus
from stats.models import AggregateCount, MonthlyCount, Period, PeriodEvent, first_of_month
from tests.helpers import element_text, text, texts

# The clock is frozen on 15 June 2026: the file's months are May (M1) and April (M0) 2026, both
# past, and June is the month in progress.
NOW = datetime.datetime(2026, 6, 15, 10, tzinfo=ZoneInfo("Europe/Paris"))
pytestmark = pytest.mark.time_machine(NOW, tick=False)
TODAY = NOW.date()
LAST_MONTH = datetime.date(2026, 5, 1)
MONTH_BEFORE = datetime.date(2026, 4, 1)
M1 = LAST_MONTH.strftime("%Y-%m")
M0 = MONTH_BEFORE.strftime("%Y-%m")
COLUMNS = ["site", "mois", "ventilation", "modalite", "sexe", "nombre"]


def month_rows(slug="reims", month=M1, women=10, men=8):
    """A consistent month: totals by sex, an age breakdown with its "non renseigné", a referral."""
    return [
        [slug, month, "total", "", "femme", women],
        [slug, month, "total", "", "homme", men],
        [slug, month, "age_band", "moins-26", "femme", 6],
        [slug, month, "age_band", "", "femme", women - 6],
        [slug, month, "referral", "cio", "homme", 3],
    ]


def csv_file(rows, name="historique.csv", delimiter=";", encoding="utf-8", header=COLUMNS):
    output = io.StringIO()
    csv.writer(output, delimiter=delimiter).writerows([header, *rows])
    return SimpleUploadedFile(name, output.getvalue().encode(encoding), content_type="text/csv")


def xlsx_file(rows, name="historique.xlsx"):
    workbook = Workbook()
    sheet = workbook.active
    for row in [COLUMNS, *rows]:
        sheet.append(row)
    output = io.BytesIO()
    workbook.save(output)
    return SimpleUploadedFile(name, output.getvalue())


def upload(client, file):
    return client.post(reverse("stats:import_upload"), {"file": file})


def preview_page(client, file):
    """Upload a file and open its preview page; returns (response, preview url)."""
    response = upload(client, file)
    assert response.status_code == 302, text(response)
    url = response["Location"]
    return client.get(url), url


def total(site, month=LAST_MONTH):
    rows = MonthlyCount.objects.filter(site=site, month=month, dimension=Dimension.TOTAL)
    return sum(rows.values_list("count", flat=True))


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


# --- Who may import ------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("anonymous", 302),
        ("regional_coordinator", 200),
        ("coordinator_a", 200),
        ("coordinator_b", 200),
        ("partner", 403),
        ("observer", 403),
    ],
)
def test_import_pages_by_persona(personas, client_for, refs, persona, expected):
    client = client_for(personas[persona])
    for url in (
        reverse("stats:import_upload"),
        reverse("stats:import_template", kwargs={"fmt": "csv"}),
        reverse("stats:import_template", kwargs={"fmt": "xlsx"}),
    ):
        response = client.get(url)
        assert response.status_code == expected, url
        if persona == "anonymous":
            assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_the_page_documents_the_format_and_the_coordinators_own_sites(
    client_for, coordinator_a, site_b, refs
):
    response = client_for(coordinator_a).get(reverse("stats:import_upload"))
    page = text(response)
    for column in COLUMNS:
        assert f"<code>{column}</code>" in page
    assert "AAAA-MM" in page
    assert "moins-26" in page and "france-travail" in page  # The codes of the lists.
    her_sites = texts(response, "main ul.departement-summary code")
    assert "reims" in her_sites
    assert "troyes" not in her_sites  # Not one of hers.


@pytest.mark.django_db
def test_a_coordinator_cannot_import_into_another_site(client_for, coordinator_b, site_a, site_b, refs):
    client = client_for(coordinator_b)
    response, url = preview_page(
        client, csv_file([*month_rows("troyes"), ["reims", M1, "total", "", "femme", 5]])
    )
    preview = response.context["preview"]
    assert [(e.line, e.column) for e in preview.errors] == [(7, "site")]
    assert "« reims » inconnu ou que vous ne pouvez pas modifier" in text(response)
    actions = element_text(response, "main .actions")
    assert "Déposer un autre fichier" in actions
    assert "Confirmer l'import" not in actions
    # Confirming anyway (a crafted POST) writes nothing, not even site B's valid month.
    assert client.post(url).status_code == 400
    assert not AggregateCount.objects.exists()
    assert not Period.objects.exists()


@pytest.mark.django_db
def test_a_preview_belongs_to_its_author(client_for, coordinator_a, regional_coordinator, site_a, refs):
    _response, url = preview_page(client_for(coordinator_a), csv_file(month_rows()))
    other = client_for(regional_coordinator)
    response = other.post(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("stats:import_upload")
    assert not AggregateCount.objects.exists()


# --- Reading the file ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_errors_are_reported_with_line_column_and_reason(client_for, coordinator_a, site_a, refs):
    rows = [
        ["reims", M1, "total", "", "femme", 10],  # 2: fine
        ["reims", "2024-13", "total", "", "homme", 3],  # 3
        ["reims", "janvier", "total", "", "homme", 3],  # 4
        ["reims", M1, "age_band", "quarante-ans", "femme", 2],  # 5
        ["reims", M1, "total", "", "homme", -4],  # 6
        ["reims", M1, "situation", "salarie", "homme", "2,5"],  # 7
        ["reims", M1, "total", "", "femme", 11],  # 8: duplicate of line 2
        ["reims", M1, "humeur", "", "femme", 1],  # 9
        ["reims", M1, "total", "", "x", 1],  # 10
        ["reims", M1, "total", "salarie", "homme", 1],  # 11
        ["reims", "2999-01", "total", "", "homme", 1],  # 12
        ["reims", M1, "channel", "prescripteur", "homme", ""],  # 13
    ]
    response, _url = preview_page(client_for(coordinator_a), csv_file(rows))
    errors = [(e.line, e.column) for e in response.context["preview"].errors]
    assert errors == [
        (3, "mois"),
        (4, "mois"),
        (5, "modalite"),
        (6, "nombre"),
        (7, "nombre"),
        (8, ""),
        (9, "ventilation"),
        (10, "sexe"),
        (11, "modalite"),
        (12, "mois"),
        (13, "nombre"),
    ]
    page = text(response)
    for reason in (
        "Mois impossible « 2024-13 »",
        "Mois illisible « janvier »",
        "Code « quarante-ans » inconnu pour la ventilation « Tranche d'âge »",
        "ne peut pas être négatif",
        "« 2,5 » n'est pas un nombre entier",
        "Ligne en double : la ligne 2",
        "Ventilation inconnue « humeur »",
        "Sexe inconnu « x »",
        "Le total n'a pas de modalité",
        "n'a pas encore commencé",
        "Le nombre est manquant",
    ):
        assert reason in page
    assert not AggregateCount.objects.exists()


@pytest.mark.django_db
def test_month_level_rules_are_reported_per_site_and_month(
    client_for, coordinator_a, regional_coordinator, site_a, refs
):
    # Month M0: more people of one age band than visits; month M1 was entered visit by visit.
    services.visit_record(
        site=site_a,
        author=coordinator_a,
        visited_on=LAST_MONTH + datetime.timedelta(days=3),
        contact_kind=refs.contact_kinds[0],
        sex=refs.sexes[0],
    )
    rows = [
        ["reims", M0, "total", "", "femme", 5],
        ["reims", M0, "age_band", "26-44", "femme", 9],
        *month_rows(),
    ]
    response, _url = preview_page(client_for(coordinator_a), csv_file(rows))
    preview = response.context["preview"]
    by_month = {m.month: m for m in preview.months}
    assert by_month[MONTH_BEFORE].status == "error"
    assert "dépasse le total" in by_month[MONTH_BEFORE].errors[0]
    assert by_month[LAST_MONTH].status == "error"
    assert "passage par passage" in by_month[LAST_MONTH].errors[0]
    assert by_month[LAST_MONTH].current_total == 1
    assert [(e.line, e.column) for e in preview.errors] == [(2, "mois"), (4, "mois")]
    assert "Espace métiers de Reims" in preview.errors[0].message


@pytest.mark.django_db
def test_submitted_months_are_for_the_coordination_and_locked_months_for_nobody(
    client_for, coordinator_a, regional_coordinator, site_a, refs
):
    counts = {(Dimension.TOTAL, 0, refs.sexes[0].pk): 4}
    services.aggregate_set(site=site_a, month=LAST_MONTH, author=coordinator_a, counts=counts)
    services.aggregate_set(site=site_a, month=MONTH_BEFORE, author=coordinator_a, counts=counts)
    submitted = Period.objects.get(site=site_a, month=LAST_MONTH)
    services.period_submit(period=submitted, author=coordinator_a)
    locked = Period.objects.get(site=site_a, month=MONTH_BEFORE)
    services.period_submit(period=locked, author=coordinator_a)
    services.period_validate(period=locked, author=regional_coordinator)
    services.period_lock(period=locked, author=regional_coordinator)

    file_rows = [*month_rows(month=M0), *month_rows(month=M1)]
    for_site = preview_page(client_for(coordinator_a), csv_file(file_rows))[0].context["preview"]
    assert {m.month: m.status for m in for_site.months} == {MONTH_BEFORE: "error", LAST_MONTH: "error"}
    assert "verrouillée" in " ".join(e.message for e in for_site.errors)
    assert "déjà soumise" in " ".join(e.message for e in for_site.errors)

    only_submitted = csv_file(month_rows(month=M1))
    client = client_for(regional_coordinator)
    response, url = preview_page(client, only_submitted)
    assert response.context["preview"].is_valid
    assert client.post(url).status_code == 302
    assert total(site_a) == 18
    # A change to a handed-in month is kept in its history, as an import.
    event = PeriodEvent.objects.get(period=submitted, action=PeriodAction.IMPORT)
    assert event.details == {"source": "import", "before_total": 4, "after_total": 18}


@pytest.mark.django_db
def test_file_level_problems_are_shown_on_the_form(client_for, coordinator_a, site_a, refs):
    client = client_for(coordinator_a)
    cases = [
        (
            csv_file(month_rows(), header=["site", "mois", "nombre"]),
            "colonnes manquantes ventilation, modalite, sexe",
        ),
        (SimpleUploadedFile("vide.csv", b""), "Le fichier soumis est vide"),
        (SimpleUploadedFile("blanc.csv", b";;\r\n\r\n"), "Le fichier est vide"),
        (SimpleUploadedFile("notes.txt", b"site;mois"), "Format non reconnu"),
        (
            SimpleUploadedFile("faux.xlsx", b"PK\x03\x04 pas un classeur"),
            "Le classeur est endommagé ou illisible",
        ),
    ]
    for file, message in cases:
        response = upload(client, file)
        assert response.status_code == 400
        assert message in text(response)
    assert not Period.objects.exists()


@pytest.mark.django_db
def test_windows_csv_with_commas_and_spreadsheet_quirks(client_for, coordinator_a, site_a, refs):
    # Windows-1252, commas, headers with accents and capitals, columns in another order, a blank
    # line, thousands with a space: what a French spreadsheet exports.
    header = ["Sexe", "Site", "Mois", "Ventilation", "Modalité", "Nombre"]
    rows = [["femme", "reims", M1, "total", "", "1 200"], [], ["homme", "reims", M1, "total", "", "3"]]
    file = csv_file(rows, delimiter=",", encoding="cp1252", header=header)
    response, url = preview_page(client_for(coordinator_a), file)
    preview = response.context["preview"]
    assert preview.is_valid, preview.errors
    assert preview.line_count == 2
    assert preview.months[0].new_total == 1203


# --- Preview and commit --------------------------------------------------------------------------


@pytest.mark.django_db
def test_csv_import_previews_then_commits(client_for, coordinator_a, site_a, refs):
    client = client_for(coordinator_a)
    response, url = preview_page(client, csv_file([*month_rows(month=M0), *month_rows()]))
    page = text(response)
    assert "Confirmer l'import" in page
    assert "Nouveau" in page
    assert not AggregateCount.objects.exists()  # Nothing written before the confirmation.

    response = client.post(url, follow=True)
    assert "Import terminé : 2 mois enregistrés, 0 déjà à jour." in text(response)
    assert total(site_a) == 18
    assert total(site_a, MONTH_BEFORE) == 18
    period = Period.objects.get(site=site_a, month=LAST_MONTH)
    assert period.mode == PeriodMode.AGGREGATE
    age_band = refs.age_bands[0].pk
    assert (
        AggregateCount.objects.get(period=period, dimension=Dimension.AGE_BAND, item_id=age_band).count == 6
    )
    assert AggregateCount.objects.get(period=period, dimension=Dimension.AGE_BAND, item_id=0).count == 4
    # The preview is spent: a second confirmation imports nothing twice.
    assert client.post(url)["Location"] == reverse("stats:import_upload")


@pytest.mark.django_db
def test_reimporting_the_same_file_changes_nothing(client_for, coordinator_a, site_a, refs):
    client = client_for(coordinator_a)
    _response, url = preview_page(client, csv_file(month_rows()))
    client.post(url)
    counts_before = list(MonthlyCount.objects.order_by("pk").values_list("pk", "count"))

    response, url = preview_page(client, xlsx_file(month_rows()))
    page = text(response)
    assert "Aucun changement" in page
    assert "Confirmer l'import" not in element_text(response, "main .actions")
    assert response.context["preview"].months[0].current_total == 18
    client.post(url)  # Confirmed anyway: still nothing moves.
    assert list(MonthlyCount.objects.order_by("pk").values_list("pk", "count")) == counts_before


@pytest.mark.django_db
def test_a_changed_file_shows_what_will_change(client_for, coordinator_a, site_a, refs):
    client = client_for(coordinator_a)
    _response, url = preview_page(client, csv_file(month_rows()))
    client.post(url)
    rows = month_rows(women=12)[:-1]  # Two more women, and the referral line is gone.
    response, url = preview_page(client, csv_file(rows))
    month = response.context["preview"].months[0]
    assert (month.status, month.added, month.changed, month.removed) == ("changed", 0, 2, 1)
    assert (month.current_total, month.new_total) == (18, 20)
    assert "0 ajouté(s), 2 modifié(s), 1 supprimé(s)" in text(response)
    client.post(url)
    assert total(site_a) == 20
    assert not AggregateCount.objects.filter(dimension=Dimension.REFERRAL).exists()


@pytest.mark.django_db
def test_one_bad_line_writes_nothing(client_for, coordinator_a, site_a, refs):
    client = client_for(coordinator_a)
    rows = [*month_rows(month=M0), *month_rows(), ["reims", M1, "channel", "radio", "femme", 1]]
    response, url = preview_page(client, csv_file(rows))
    assert not response.context["preview"].is_valid
    assert client.post(url).status_code == 400
    assert not AggregateCount.objects.exists()
    assert not MonthlyCount.objects.exists()


@pytest.mark.django_db
def test_the_commit_is_all_or_nothing_when_a_month_changed_since_the_preview(
    client_for, coordinator_a, site_a, refs
):
    client = client_for(coordinator_a)
    response, url = preview_page(client, csv_file([*month_rows(month=M0), *month_rows()]))
    assert response.context["preview"].is_valid
    # Meanwhile, a visit is entered in detail for the second month of the file.
    services.visit_record(
        site=site_a,
        author=coordinator_a,
        visited_on=LAST_MONTH,
        contact_kind=refs.contact_kinds[0],
        sex=refs.sexes[0],
    )
    response = client.post(url, follow=True)
    assert "Rien n'a été importé" in text(response)
    assert "jamais les deux" in text(response)
    assert not AggregateCount.objects.exists()  # The first month, valid on its own, was rolled back.
    assert total(site_a, MONTH_BEFORE) == 0
    assert not Period.objects.filter(month=MONTH_BEFORE, mode=PeriodMode.AGGREGATE).exists()


@pytest.mark.django_db
def test_xlsx_import_with_dates_and_numbers_as_a_spreadsheet_types_them(
    client_for, coordinator_a, site_a, refs
):
    rows = [
        ["reims", datetime.datetime(LAST_MONTH.year, LAST_MONTH.month, 1), "total", None, "femme", 7.0],
        ["reims", M1, "total", None, "homme", 5],
    ]
    client = client_for(coordinator_a)
    response, url = preview_page(client, xlsx_file(rows))
    assert response.context["preview"].is_valid, response.context["preview"].errors
    client.post(url)
    assert total(site_a) == 12


@pytest.mark.django_db
def test_the_templates_import_as_they_are(client_for, coordinator_a, site_a, refs):
    client = client_for(coordinator_a)
    csv_template = client.get(reverse("stats:import_template", kwargs={"fmt": "csv"}))
    assert csv_template["Content-Disposition"] == 'attachment; filename="modele-import-statistiques.csv"'
    assert csv_template.content.decode("utf-8").startswith("\ufeffsite;mois;ventilation;modalite;sexe;nombre")
    xlsx_template = client.get(reverse("stats:import_template", kwargs={"fmt": "xlsx"}))
    workbook = load_workbook(io.BytesIO(xlsx_template.content))
    assert [cell.value for cell in workbook["Statistiques"][1]] == COLUMNS
    assert ("age_band", "moins-26", "Moins-26") in [
        tuple(r) for r in workbook["Codes"].iter_rows(values_only=True)
    ]
    for name, content in (("modele.csv", csv_template.content), ("modele.xlsx", xlsx_template.content)):
        response, _url = preview_page(client, SimpleUploadedFile(name, content))
        preview = response.context["preview"]
        assert preview.is_valid, preview.errors
        assert preview.months[0].site_slug == "reims"
        assert preview.months[0].new_total == 215


@pytest.mark.django_db
def test_ten_thousand_lines_preview_in_a_few_seconds(client_for, regional_coordinator, site_a, site_b, refs):
    lists = {
        Dimension.TOTAL: [""],
        Dimension.AGE_BAND: ["", "moins-26", "26-44", "45-plus"],
        Dimension.SITUATION: ["", "demandeur-emploi", "salarie", "scolaire"],
        Dimension.EDUCATION_LEVEL: ["", "infra-bac", "bac", "bac-plus"],
        Dimension.THEME: ["", "metiers", "emploi", "formation"],
        Dimension.REFERRAL: ["", "france-travail", "mission-locale", "cio"],
    }
    rows, month = [], LAST_MONTH
    while len(rows) < 10_000:
        for slug in ("reims", "troyes"):
            for sex in ("femme", "homme"):
                for dimension, codes in lists.items():
                    for code in codes:
                        count = 400 if dimension == Dimension.TOTAL else 25
                        rows.append([slug, month.strftime("%Y-%m"), dimension.value, code, sex, count])
        month = first_of_month(month - datetime.timedelta(days=1))
    rows = rows[:10_000]
    file = csv_file(rows)
    client = client_for(regional_coordinator)
    started = time.monotonic()
    response = upload(client, file)
    elapsed = time.monotonic() - started
    assert response.status_code == 302
    preview = client.get(response["Location"]).context["preview"]
    assert preview.line_count == 10_000
    assert not preview.error_count, preview.errors[:3]
    assert elapsed < 5, f"preview took {elapsed:.1f} s"


@pytest.mark.django_db
def test_parse_can_be_used_without_the_web_page(coordinator_a, site_a, refs):
    rows = [(1, COLUMNS), (2, ["reims", M1, "total", "", "femme", "4"])]
    preview = imports.parse(rows, user=coordinator_a)
    assert preview.is_valid
    assert preview.months[0].counts == {(Dimension.TOTAL, 0, refs.sexes[0].pk): 4}
    # And the service takes the same shape.
    services.aggregate_import(
        author=coordinator_a, months=[(site_a, m.month, m.counts) for m in preview.months]
    )
    assert Period.objects.get(site=site_a, month=LAST_MONTH).status == PeriodStatus.OPEN
    assert total(site_a) == 4


@pytest.mark.django_db
def test_upload_page_query_count(client_for, coordinator_a, site_a, refs, django_assert_num_queries):
    client = client_for(coordinator_a)
    client.get(reverse("stats:import_upload"))  # Warm the session.
    # Session, user, roles (2: role assignments, coordinated sites with the menu's names), the
    # user's sites, sexes, and one per breakdown's list (8).
    with django_assert_num_queries(14):
        assert client.get(reverse("stats:import_upload")).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("make_file", [csv_file, xlsx_file])
def test_large_uploads_are_read_from_their_temporary_file(
    client_for, coordinator_a, site_a, refs, settings, make_file
):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0  # Every upload goes to a temporary file on disk.
    response, _url = preview_page(client_for(coordinator_a), make_file(month_rows()))
    preview = response.context["preview"]
    assert preview.is_valid, preview.errors
    assert preview.months[0].new_total == 18


@pytest.mark.django_db
def test_a_month_with_lines_in_error_is_not_checked_on_partial_totals(
    client_for, coordinator_a, site_a, refs
):
    rows = month_rows()
    rows[0][5] = "dix"  # The women's total is unreadable: the age breakdown would "exceed" a missing total.
    response, _url = preview_page(client_for(coordinator_a), csv_file(rows))
    preview = response.context["preview"]
    assert [(e.line, e.column) for e in preview.errors] == [(2, "nombre")]
    assert preview.months[0].status == "error"
    month_errors = element_text(response, "main ul.changes")
    assert "Des lignes de ce mois sont en erreur" in month_errors
    assert "dépasse le total" not in month_errors
