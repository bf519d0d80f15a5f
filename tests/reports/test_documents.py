"""The yearly reports as documents: the HTML that becomes the PDF (snapshot), and the PDF itself.

The totals the PDF must print are counted again here straight from the database (visits and
monthly totals of the counted months), never through the selectors the reports use.
"""

import datetime
import io
import json
import re
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Sum
from pypdf import PdfReader

from network.models import User
from sites.enums import ActionStatus
from sites.models.plans import ActionIndicator, ActionPlan, PlanAction
from stats import services
from stats.enums import Dimension, PeriodStatus
from stats.filters import StatsScope
from stats.models import AggregateCount, Period, Visit
from stats.reports import documents
from stats.views.dashboards import build_figures
from tests.events.factories import EventFactory, EventKindFactory
from tests.factories import (
    CoordinatorAssignmentFactory,
    OrganisationFactory,
    SiteFactory,
    SiteKindFactory,
    TerritoryFactory,
    UserFactory,
)
from tests.stats.conftest import Refs

# The clock is frozen on 15 June 2026: 2025 is a finished year, and its report is being prepared.
NOW = datetime.datetime(2026, 6, 15, 10, tzinfo=ZoneInfo("Europe/Paris"))
pytestmark = pytest.mark.time_machine(NOW, tick=False)
YEAR = 2025
# The month the coordination has not validated yet: a final report leaves it out.
OPEN_MONTH = datetime.date(YEAR, 11, 1)
# Counted: validated or locked.
COUNTED = (PeriodStatus.VALIDATED, PeriodStatus.LOCKED)


def desk():
    """Who records the test visits: a platform administrator (the regional coordination's rights)."""
    return User.objects.get_or_create(username="saisie", defaults={"is_superuser": True})[0]


@pytest.fixture
def refs(db):
    return Refs()


@pytest.fixture
def site(db):
    return SiteFactory(
        name="Espace métiers d'Épernay",
        slug="epernay",
        kind=SiteKindFactory(code="espace-metiers", label="Espace métiers"),
        host=OrganisationFactory(name="Maison de l'emploi d'Épernay"),
        departement=TerritoryFactory(code="51", name="Marne"),
        commune="Épernay",
        labelled_on=datetime.date(2020, 1, 15),
    )


def record(site, refs, day, n, *, sex=0, age=0, theme=0):
    for _ in range(n):
        services.visit_record(
            site=site,
            author=desk(),
            visited_on=day,
            contact_kind=refs.contact_kinds[0],
            sex=refs.sexes[sex],
            age_band=refs.age_bands[age],
            situation=refs.situations[age],
            channel=refs.channels[sex],
            service_level=refs.service_levels[age],
            themes=[refs.themes[theme]],
            referrals=[refs.referrals[theme]] if theme else [],
        )


def hand_in(site, month, coordinator, *, lock=False):
    """The site submits its month, the regional coordination validates (and locks) it."""
    period = Period.objects.get(site=site, month=month)
    services.period_submit(period=period, author=coordinator)
    services.period_validate(period=period, author=desk())
    if lock:
        services.period_lock(period=period, author=desk())


@pytest.fixture
def year_of_data(site, refs, coordinator_for):
    """Two years of a site: every month of 2025 validated but November, 2024 validated; one month
    entered as monthly totals; an event, an action plan."""
    coordinator = coordinator_for(site)
    for number in range(1, 13):
        month = datetime.date(YEAR, number, 1)
        if number == 6:
            # June comes as monthly totals (a desk that counts on paper).
            services.aggregate_set(
                site=site,
                month=month,
                author=desk(),
                counts={
                    (Dimension.TOTAL, 0, refs.sexes[0].pk): 7,
                    (Dimension.TOTAL, 0, refs.sexes[1].pk): 5,
                },
            )
        else:
            record(site, refs, month.replace(day=3), number % 4 + 1, sex=0, age=number % 3, theme=number % 3)
            record(site, refs, month.replace(day=17), number % 3 + 1, sex=1, age=(number + 1) % 3)
        if month != OPEN_MONTH:
            hand_in(site, month, coordinator, lock=number <= 3)
    for number in (1, 2, 3, 11):
        month = datetime.date(YEAR - 1, number, 1)
        record(site, refs, month.replace(day=9), 2 + number % 2, sex=number % 2)
        hand_in(site, month, coordinator)
    # A satisfaction questionnaire would need questions; the events and plans come from their apps.
    kind = EventKindFactory(code="forum", label="Forum")
    EventFactory(title="Forum de l'emploi", sites=[site], kind=kind, day=datetime.date(YEAR, 3, 12))
    plan = ActionPlan.objects.create(site=site, year=YEAR, status="valide")
    action = PlanAction.objects.create(
        plan=plan, title="Forum des métiers de la santé", status=ActionStatus.DONE
    )
    ActionIndicator.objects.create(action=action, label="Participants", target=120, result=96)
    return site


@pytest.fixture
def coordinator_for(db):
    def make(site):
        user = UserFactory(username=f"ctem-{site.slug}")
        CoordinatorAssignmentFactory(user=user, site=site, start_date=datetime.date(2020, 1, 1))
        return user

    return make


# --- Totals counted independently from the database ----------------------------------------------------


def counted_total(site, year, *, provisional=False, sex=None) -> int:
    """Visits and monthly totals of the months the report counts, straight from the tables."""
    periods = Period.objects.filter(site=site, month__year=year)
    if not provisional:
        periods = periods.filter(status__in=COUNTED)
    visits = Visit.objects.filter(period__in=periods)
    totals = AggregateCount.objects.filter(period__in=periods, dimension=Dimension.TOTAL)
    if sex is not None:
        visits, totals = visits.filter(sex=sex), totals.filter(sex=sex)
    return visits.count() + (totals.aggregate(n=Sum("count"))["n"] or 0)


def pdf_text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def number_in(text: str, pattern: str) -> int:
    """The number printed before a label (French grouping: spaces of any kind)."""
    match = re.search(r"(\d[\d\s\u202f\xa0]*?)\s*" + pattern, text)
    assert match, f"« {pattern} » not found"
    return int(re.sub(r"\D", "", match.group(1)))


# --- The HTML that becomes the PDF --------------------------------------------------------------------


@pytest.mark.django_db
def test_the_site_report_html_snapshot(year_of_data, snapshot):
    document = documents.site_report(year_of_data, YEAR, provisional=False)

    assert document.html == snapshot


@pytest.mark.django_db
def test_the_site_report_prints_the_figures_of_the_counted_months(year_of_data, refs):
    document = documents.site_report(year_of_data, YEAR, provisional=False)
    visits = document.figures["visits"]

    assert visits["total"] == counted_total(year_of_data, YEAR)
    assert visits["previous_total"] == counted_total(year_of_data, YEAR - 1)
    assert [row["total"] for row in visits["by_sex"]] == [
        counted_total(year_of_data, YEAR, sex=sex) for sex in refs.sexes
    ]
    assert visits["months_counted"] == 11
    november = next(row for row in visits["months"] if row["month"] == OPEN_MONTH.isoformat())
    assert not november["counted"]
    # Every figure is plain JSON, and the fingerprint is the hash of its canonical form.
    assert json.loads(json.dumps(document.figures)) == document.figures
    assert document.fingerprint == documents.fingerprint(document.figures)
    assert re.fullmatch(r"[0-9a-f]{12}", document.fingerprint)
    assert document.data_as_of == NOW
    assert document.figures["plan"]["actions"][0]["indicators"][0]["achievement"] == 80.0


@pytest.mark.django_db
def test_the_fingerprint_follows_the_numbers_not_the_build(year_of_data, refs):
    first = documents.site_report(year_of_data, YEAR, provisional=False)
    again = documents.site_report(year_of_data, YEAR, provisional=False)
    assert again.fingerprint == first.fingerprint

    # A visit in the open month changes nothing printed by the final report…
    record(year_of_data, refs, OPEN_MONTH.replace(day=20), 1)
    assert documents.site_report(year_of_data, YEAR, provisional=False).fingerprint == first.fingerprint
    # …but a provisional one counts it.
    provisional = documents.site_report(year_of_data, YEAR, provisional=True)
    assert provisional.fingerprint != first.fingerprint


@pytest.mark.django_db
def test_an_open_month_counts_in_a_provisional_report_only(year_of_data):
    final = documents.site_report(year_of_data, YEAR, provisional=False)
    provisional = documents.site_report(year_of_data, YEAR, provisional=True)

    assert final.figures["visits"]["total"] == counted_total(year_of_data, YEAR)
    assert provisional.figures["visits"]["total"] == counted_total(year_of_data, YEAR, provisional=True)
    assert provisional.figures["visits"]["total"] > final.figures["visits"]["total"]
    assert provisional.figures["visits"]["months_counted"] == 12
    assert "provisoire" not in final.html.lower().replace("document provisoire :", "")
    assert "PROVISOIRE" in provisional.html


@pytest.mark.django_db
def test_a_provisional_report_prints_what_the_dashboard_shows(year_of_data):
    """Same selectors, same numbers: the site's dashboard over the whole year gives the same figures."""
    document = documents.site_report(year_of_data, YEAR, provisional=True)
    scope = StatsScope(
        page="site",
        form=None,
        sites=[year_of_data],
        start=datetime.date(YEAR, 1, 1),
        end=datetime.date(YEAR, 12, 31),
        preset="dates",
        site=year_of_data,
    )
    dashboard = build_figures(scope, with_charts=False)
    visits = document.figures["visits"]

    assert visits["total"] == dashboard.total
    assert [row["total"] for row in visits["by_sex"]] == [row.total for row in dashboard.by_sex]
    for breakdown in dashboard.breakdowns:
        printed = next((b for b in visits["breakdowns"] if b["key"] == breakdown.key), None)
        if printed is not None:
            assert [(row["label"], row["total"]) for row in printed["rows"]] == [
                (row.label, row.total) for row in breakdown.rows if row.total
            ]


# --- The PDF ------------------------------------------------------------------------------------------


@pytest.fixture
def site_pdf(year_of_data):
    document = documents.site_report(year_of_data, YEAR, provisional=False)
    pdf, pages = documents.render_pdf(document)
    return document, pdf, pages


@pytest.mark.django_db
def test_the_pdf_opens_and_prints_the_site_and_its_yearly_totals(site_pdf, year_of_data, refs):
    document, pdf, pages = site_pdf
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(pdf_text(pdf))

    assert pages == len(reader.pages) >= 8
    assert year_of_data.name in text
    assert number_in(text, r"passages en 2025") == counted_total(year_of_data, YEAR)
    yearly = re.search(r"Année ((?:[\d\s\u202f\xa0]+?\s)+)[+−-]", text)
    assert yearly, "the year's line of the month table"
    # The line "Année": Femme, Homme, total of the year, total of the year before.
    numbers = [int(n) for n in re.findall(r"\d+", yearly.group(1))]
    assert numbers == [
        counted_total(year_of_data, YEAR, sex=refs.sexes[0]),
        counted_total(year_of_data, YEAR, sex=refs.sexes[1]),
        counted_total(year_of_data, YEAR),
        counted_total(year_of_data, YEAR - 1),
    ]
    # Every page says its data date and fingerprint, and "page X sur Y".
    for number, page in enumerate(pdf_text(pdf), start=1):
        assert document.fingerprint in page
        assert "Données au 15 juin 2026 à 10:00" in page
        if number > 1:
            assert f"page {number} sur {pages}" in page


@pytest.mark.django_db
def test_the_table_of_contents_gives_the_pages_where_the_parts_start(site_pdf):
    document, pdf, _pages = site_pdf
    reader = PdfReader(io.BytesIO(pdf))
    bookmarks = {
        item.title: reader.get_destination_page_number(item) + 1
        for item in reader.outline
        if not isinstance(item, list)
    }
    printed = {}
    for line in pdf_text(pdf)[1].splitlines():
        match = re.fullmatch(r"(.+?)\s*\.{3,}\s*(\d+)", line.strip())
        if match:
            printed[match.group(1).strip()] = int(match.group(2))

    titles = [section.title for section in documents._sections(documents.SITE_SECTIONS)]
    assert list(bookmarks) == titles
    assert printed == bookmarks
    # Each part does start on that page.
    texts = pdf_text(pdf)
    for title, page in bookmarks.items():
        assert title in texts[page - 1]


@pytest.mark.django_db
def test_the_pdf_is_tagged_in_french_with_a_title(site_pdf):
    document, pdf, _pages = site_pdf
    reader = PdfReader(io.BytesIO(pdf))
    catalog = reader.trailer["/Root"]

    assert catalog["/Lang"] == "fr"
    assert "/StructTreeRoot" in catalog
    assert catalog["/MarkInfo"]["/Marked"]
    assert reader.metadata.title == document.title


@pytest.mark.django_db
def test_a_provisional_report_says_so_on_every_page(year_of_data):
    document = documents.site_report(year_of_data, YEAR, provisional=True)
    pdf, pages = documents.render_pdf(document)

    texts = pdf_text(pdf)
    assert len(texts) == pages
    for page in texts:
        assert "PROVISOIRE" in page.upper()
    text = "\n".join(texts)
    assert number_in(text, r"passages en 2025") == counted_total(year_of_data, YEAR, provisional=True)


@pytest.mark.django_db
def test_the_regional_report_names_a_missing_site_and_gives_the_network_totals(year_of_data, site_b):
    document = documents.region_report(YEAR, provisional=False, missing_sites=[site_b])
    pdf, pages = documents.render_pdf(document)
    text = "\n".join(pdf_text(pdf))

    assert "Sites manquants" in text
    assert site_b.name in text
    assert document.figures["missing_sites"] == [site_b.name]
    network_total = counted_total(year_of_data, YEAR) + counted_total(site_b, YEAR)
    assert document.figures["visits"]["total"] == network_total
    assert number_in(text, r"passages en 2025") == network_total
    # A page per site, listed under "Les sites" in the bookmarks.
    reader = PdfReader(io.BytesIO(pdf))
    nested = next(item for item in reader.outline if isinstance(item, list))
    assert sorted(item.title for item in nested) == sorted([year_of_data.name, site_b.name])
    assert pages >= 10


@pytest.mark.django_db
def test_the_governance_report_renders(year_of_data):
    document = documents.governance_report(YEAR, provisional=False)
    pdf, pages = documents.render_pdf(document)
    text = "\n".join(pdf_text(pdf))

    assert pages >= 3
    assert "Décisions et leur suivi" in text
    assert year_of_data.name in text  # its action plan of the year
    assert document.figures["plans"]["approved"] == 1


def test_report_kinds_are_a_registry():
    assert set(documents.KINDS) == {"site", "region", "governance"}
    assert all(callable(kind) for kind in documents.KINDS.values())
