"""Statistics dashboards: who sees which page, the figures they show, filters, and query counts."""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from network.models import User
from sites.models import Site, SiteKind
from stats import services
from stats.enums import Dimension
from stats.filters import PeriodPreset, preset_range
from stats.models import Period, SatisfactionAnswer, SatisfactionQuestion, SatisfactionResponse, Visit
from tests.factories import SiteFactory, SiteKindFactory, TerritoryFactory
from tests.helpers import text

# The clock is frozen on 15 June 2026: the current year is half gone, 2025 is a finished year.
NOW = datetime.datetime(2026, 6, 15, 10, tzinfo=ZoneInfo("Europe/Paris"))
pytestmark = pytest.mark.time_machine(NOW, tick=False)
TODAY = NOW.date()
# A finished year, so that every date below is in the past.
YEAR = TODAY.year - 1
PREVIOUS_YEAR = {"period": PeriodPreset.PREVIOUS_YEAR}


def dates(start: datetime.date, end: datetime.date) -> dict:
    return {"period": PeriodPreset.DATES, "start": start.isoformat(), "end": end.isoformat()}


def desk():
    """Who records the test visits: a platform administrator, who counts as the regional coordination."""
    return User.objects.get_or_create(username="saisie", defaults={"is_superuser": True})[0]


def record(site, refs, day, *, sex=0, **extra):
    """Record a visit through the service, as a desk would."""
    values = {"visited_on": day, "contact_kind": refs.contact_kinds[0], "sex": refs.sexes[sex], **extra}
    return services.visit_record(site=site, author=desk(), **values)


def region_url():
    return reverse("stats:region_dashboard")


def territory_url(territory):
    return reverse("stats:territory_dashboard", kwargs={"pk": territory.pk})


def site_url(site):
    return reverse("stats:site_dashboard", kwargs={"slug": site.slug})


def total_shown(response) -> str:
    """The headline figure as printed on the page (French formatting)."""
    match = re.search(r'data-figure="total">([^<]+)<', response.content.decode())
    return match.group(1) if match else None


def breakdown(response, dimension):
    return next(b for b in response.context["figures"].breakdowns if b.key == dimension)


# --- Who gets what ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_the_login_page(client, site_a):
    territory = site_a.departement
    for url in (region_url(), territory_url(territory), site_url(site_a), reverse("stats:export")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["regional_coordinator", "observer"])
def test_whole_network_readers_read_every_dashboard(request, client_for, persona, site_a, site_b):
    client = client_for(request.getfixturevalue(persona))
    for url in (region_url(), territory_url(site_a.departement), site_url(site_a), site_url(site_b)):
        assert client.get(url).status_code == 200, url


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["partner", "coordinator_a"])
def test_region_and_territory_dashboards_are_for_whole_network_readers(request, client_for, persona, site_a):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(region_url()).status_code == 403
    assert client.get(territory_url(site_a.departement)).status_code == 403


@pytest.mark.django_db
def test_site_coordinators_read_their_own_site_only(client_for, coordinator_a, coordinator_b, site_a, site_b):
    assert client_for(coordinator_a).get(site_url(site_a)).status_code == 200
    # A stranger to the site gets a 404: they do not even learn that the page exists.
    assert client_for(coordinator_b).get(site_url(site_a)).status_code == 404
    assert client_for(coordinator_b).get(site_url(site_b)).status_code == 200


@pytest.mark.django_db
def test_partners_do_not_read_a_site_dashboard(client_for, partner, site_a):
    assert client_for(partner).get(site_url(site_a)).status_code == 404


@pytest.mark.django_db
def test_unknown_territory_or_site_is_404(client_for, observer):
    client = client_for(observer)
    assert client.get(reverse("stats:territory_dashboard", kwargs={"pk": 999999})).status_code == 404
    assert client.get(reverse("stats:site_dashboard", kwargs={"slug": "nulle-part"})).status_code == 404


# --- Figures equal what was recorded ----------------------------------------------------------------


@pytest.mark.django_db
def test_the_dashboard_shows_what_was_recorded(client_for, observer, site_a, site_b, refs):
    day = datetime.date(YEAR, 3, 10)
    record(site_a, refs, day, sex=0, age_band=refs.age_bands[0], situation=refs.situations[0])
    record(site_a, refs, day, sex=0, age_band=refs.age_bands[1], situation=refs.situations[0])
    record(site_a, refs, day, sex=1, age_band=refs.age_bands[1], situation=refs.situations[1])
    record(site_b, refs, datetime.date(YEAR, 5, 2), sex=1, age_band=refs.age_bands[2])

    response = client_for(observer).get(region_url(), PREVIOUS_YEAR)

    figures = response.context["figures"]
    assert figures.total == 4
    assert [(row.label, row.total) for row in figures.by_sex] == [("Femme", 2), ("Homme", 2)]
    assert total_shown(response) == "4"
    ages = breakdown(response, Dimension.AGE_BAND)
    assert [(row.label, row.counts, row.total) for row in ages.rows] == [
        ("Moins-26", [1, 0], 1),
        ("26-44", [1, 1], 2),
        ("45-Plus", [0, 1], 1),
    ]
    assert ages.rows[1].share == 0.5
    situations = breakdown(response, Dimension.SITUATION)
    assert {row.label: row.total for row in situations.rows} == {
        "Demandeur-Emploi": 2,
        "Salarie": 1,
        "Non renseigné": 1,
    }
    html = response.content.decode()
    # Shares are printed the French way, next to a chart with a title.
    assert "50,0\xa0%" in html
    assert "<title>Tranche d&#x27;âge : nombre de passages</title>" in html
    assert 'role="img" aria-label="Tranche d&#x27;âge : nombre de passages"' in html
    # The months, by sex.
    march = next(row for row in figures.months if row.month == datetime.date(YEAR, 3, 1))
    assert march.counts == [2, 1] and march.total == 3

    # The site dashboard counts only the site.
    response = client_for(observer).get(site_url(site_b), PREVIOUS_YEAR)
    assert response.context["figures"].total == 1
    assert total_shown(response) == "1"


@pytest.mark.django_db
def test_themes_and_referrals_count_each_choice(client_for, observer, site_a, refs):
    day = datetime.date(YEAR, 6, 1)
    record(site_a, refs, day, themes=refs.themes[:2], referrals=[refs.referrals[0]])
    record(site_a, refs, day, themes=[refs.themes[0]])

    response = client_for(observer).get(site_url(site_a), PREVIOUS_YEAR)

    themes = {row.label: row.total for row in breakdown(response, Dimension.THEME).rows}
    assert themes == {"Metiers": 2, "Emploi": 1}
    referrals = {row.label: row.total for row in breakdown(response, Dimension.REFERRAL).rows}
    assert referrals == {"France-Travail": 1, "Aucune orientation": 1}
    assert "Plusieurs réponses possibles" in response.content.decode()


@pytest.mark.django_db
def test_large_numbers_are_grouped_the_french_way(client_for, observer, site_a, refs):
    services.aggregate_set(
        site=site_a,
        month=datetime.date(YEAR, 2, 1),
        author=desk(),
        counts={(Dimension.TOTAL, 0, refs.sexes[0].pk): 1200, (Dimension.TOTAL, 0, refs.sexes[1].pk): 34},
    )
    response = client_for(observer).get(site_url(site_a), PREVIOUS_YEAR)
    assert total_shown(response) == "1\xa0234"


@pytest.mark.django_db
def test_year_on_year(client_for, observer, site_a, refs):
    for _ in range(4):
        record(site_a, refs, datetime.date(YEAR, 4, 8))
    for _ in range(2):
        record(site_a, refs, datetime.date(YEAR - 1, 4, 20))
    record(site_a, refs, datetime.date(YEAR - 3, 9, 1))

    response = client_for(observer).get(site_url(site_a), PREVIOUS_YEAR)

    months = {row.month: row for row in response.context["figures"].months}
    assert len(months) == 12
    april = months[datetime.date(YEAR, 4, 1)]
    assert (april.total, april.previous, april.change) == (4, 2, 1.0)
    assert april.change_display == "+100,0\xa0%"
    may = months[datetime.date(YEAR, 5, 1)]
    assert (may.total, may.previous, may.change) == (0, None, None)
    # The trend ends with the period's year and starts with the first year with data: the years
    # before it are not drawn as zeros (a cliff), a year without data after it is a zero.
    yearly = dict(response.context["figures"].yearly)
    assert list(yearly) == list(range(YEAR - 3, YEAR + 1))
    assert (yearly[YEAR], yearly[YEAR - 1], yearly[YEAR - 2], yearly[YEAR - 3]) == (4, 2, 0, 1)
    html = response.content.decode()
    assert "+100,0\xa0%" in html
    assert 'id="graphique-mois"' in html and 'id="graphique-annees"' in html


@pytest.mark.django_db
def test_cross_tabulations(client_for, observer, site_a, refs):
    day = datetime.date(YEAR, 3, 3)
    record(
        site_a,
        refs,
        day,
        sex=0,
        situation=refs.situations[0],
        age_band=refs.age_bands[0],
        themes=refs.themes[:2],
    )
    record(
        site_a,
        refs,
        day,
        sex=1,
        situation=refs.situations[0],
        age_band=refs.age_bands[1],
        themes=[refs.themes[0]],
    )
    record(site_a, refs, day, sex=1, situation=refs.situations[1], age_band=refs.age_bands[1])
    client = client_for(observer)

    # Theme × age band by default.
    table = client.get(region_url(), PREVIOUS_YEAR).context["cross_table"]
    assert table.title == "Thème × Tranche d'âge"
    cells = {row.label: dict(zip(table.col_labels, row.counts, strict=True)) for row in table.rows}
    assert cells["Metiers"] == {"Moins-26": 1, "26-44": 1}
    assert cells["Emploi"] == {"Moins-26": 1, "26-44": 0}
    assert cells["Non renseigné"] == {"Moins-26": 0, "26-44": 1}

    # Situation × sex, chosen by the person; the filters stay.
    response = client.get(region_url(), {**PREVIOUS_YEAR, "cross": "situation-sex"})
    table = response.context["cross_table"]
    assert table.col_labels == ["Femme", "Homme"]
    assert {row.label: row.counts for row in table.rows} == {"Demandeur-Emploi": [1, 1], "Salarie": [0, 1]}
    assert table.col_totals == [1, 2] and table.total == 3
    assert '<input type="hidden" name="period" value="annee-precedente">' in response.content.decode()

    # An unknown pair falls back to the default.
    assert client.get(region_url(), {"cross": "nom-prenom"}).context["cross_key"] == "theme-age_band"


@pytest.mark.django_db
def test_satisfaction_results(client_for, observer, site_a, refs):
    welcome = SatisfactionQuestion.objects.create(code="accueil", label="Qualité de l'accueil", order=1)
    answers = SatisfactionQuestion.objects.create(code="reponses", label="Réponses obtenues", order=2)
    day = datetime.date(YEAR, 5, 5)
    services.satisfaction_record(site=site_a, answers={welcome.pk: 4, answers.pk: 3}, day=day)
    services.satisfaction_record(site=site_a, answers={welcome.pk: 3}, day=day)
    services.satisfaction_record(site=site_a, answers={welcome.pk: 1}, day=datetime.date(YEAR - 1, 5, 5))

    response = client_for(observer).get(site_url(site_a), PREVIOUS_YEAR)

    figures = response.context["figures"]
    assert figures.satisfaction_responses == 2
    assert [(row.label, row.answers, row.average) for row in figures.satisfaction] == [
        ("Qualité de l'accueil", 2, 3.5),
        ("Réponses obtenues", 1, 3.0),
    ]
    assert "3,5" in response.content.decode()


@pytest.mark.django_db
def test_completeness_per_site_never_passes_100_percent(
    client_for, regional_coordinator, site_a, site_b, refs
):
    # Both sites held the label all year; A hands in January of the finished year, B nothing.
    Site.objects.filter(pk__in=[site_a.pk, site_b.pk]).update(labelled_on=datetime.date(YEAR - 1, 6, 1))
    visit = record(site_a, refs, datetime.date(YEAR, 1, 15))
    record(site_a, refs, datetime.date(YEAR, 1, 16))
    services.period_submit(period=visit.period, author=regional_coordinator)

    response = client_for(regional_coordinator).get(region_url(), PREVIOUS_YEAR)

    rows = {row.site: row for row, _c, _t in response.context["completeness_rows"]}
    assert rows[site_a].submitted == 1 and rows[site_b].submitted == 0
    assert rows[site_a].expected == rows[site_b].expected == 12
    for row in rows.values():
        assert 0 <= row.completeness_rate <= 1 and 0 <= row.timeliness_rate <= 1
    total = response.context["completeness_total"][0]
    assert (total.expected, total.submitted) == (24, 1)
    # The site's row links to its dashboard.
    assert site_url(site_a) in response.content.decode()


@pytest.mark.django_db
def test_completeness_counts_on_time_as_period_was_on_time_does(site_a, site_b, settings):
    # Completeness is counted in SQL: around each deadline (local time, both sides of midnight,
    # summer and winter time, December into January) it must agree with Period.was_on_time.
    from stats import selectors
    from stats.enums import PeriodStatus
    from stats.models import next_month

    Site.objects.filter(pk__in=[site_a.pk, site_b.pk]).update(labelled_on=datetime.date(YEAR - 1, 6, 1))
    site_a.refresh_from_db()
    site_b.refresh_from_db()
    tz = timezone.get_current_timezone()
    offsets = [
        datetime.timedelta(hours=23, minutes=30),  # the deadline's last half hour: on time
        datetime.timedelta(days=1, minutes=30),  # half past midnight the day after: late
        datetime.timedelta(hours=0, minutes=5),
        datetime.timedelta(days=1, hours=1),
        datetime.timedelta(days=-20),
        datetime.timedelta(days=40),
    ]
    for n, month in enumerate(datetime.date(YEAR, m, 1) for m in range(1, 13)):
        deadline = next_month(month) + datetime.timedelta(days=settings.SPRO_PERIOD_DEADLINE_DAYS - 1)
        for site in (site_a, site_b):
            offset = offsets[(n + (site == site_b)) % len(offsets)]
            local = datetime.datetime.combine(deadline, datetime.time(), tzinfo=tz) + offset
            status = PeriodStatus.OPEN if (n, site) == (3, site_b) else PeriodStatus.SUBMITTED
            Period.objects.create(site=site, month=month, status=status, submitted_at=local)
    periods = Period.objects.exclude(status=PeriodStatus.OPEN)
    rows = {
        row.site: row
        for row in selectors.completeness(
            [site_a, site_b], datetime.date(YEAR, 1, 1), datetime.date(YEAR, 12, 31)
        )
    }
    for site in (site_a, site_b):
        handed = [p for p in periods if p.site_id == site.pk]
        assert rows[site].expected == 12
        assert rows[site].submitted == len(handed)
        assert rows[site].on_time == sum(1 for p in handed if p.was_on_time)
    assert 0 < rows[site_a].on_time < rows[site_a].submitted


@pytest.mark.django_db
def test_empty_states(client_for, observer, site_a):
    response = client_for(observer).get(region_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert "Aucun passage enregistré sur cette période pour ce périmètre." in html
    assert "Aucun questionnaire de satisfaction" in html
    assert response.context["figures"].breakdowns == []


# --- Filters ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_default_period_is_the_current_year_to_date(client_for, observer, site_a, refs):
    record(site_a, refs, TODAY)
    record(site_a, refs, datetime.date(YEAR, 12, 31))

    response = client_for(observer).get(region_url())

    scope = response.context["scope"]
    assert (scope.start, scope.end) == (datetime.date(TODAY.year, 1, 1), TODAY)
    assert response.context["figures"].total == 1


def test_presets():
    day = datetime.date(2026, 11, 23)
    assert preset_range(PeriodPreset.CURRENT_YEAR, day) == (datetime.date(2026, 1, 1), day)
    assert preset_range(PeriodPreset.PREVIOUS_YEAR, day) == (
        datetime.date(2025, 1, 1),
        datetime.date(2025, 12, 31),
    )
    assert preset_range(PeriodPreset.LAST_12_MONTHS, day) == (datetime.date(2025, 12, 1), day)
    january = datetime.date(2026, 1, 5)
    assert preset_range(PeriodPreset.LAST_12_MONTHS, january) == (datetime.date(2025, 2, 1), january)


@pytest.mark.django_db
def test_date_range_filter(client_for, observer, site_a, refs):
    record(site_a, refs, datetime.date(YEAR, 2, 10))
    record(site_a, refs, datetime.date(YEAR, 3, 10))
    record(site_a, refs, datetime.date(YEAR, 4, 10))
    client = client_for(observer)

    response = client.get(region_url(), dates(datetime.date(YEAR, 3, 1), datetime.date(YEAR, 4, 30)))
    assert response.context["figures"].total == 2
    assert [row.month for row in response.context["figures"].months] == [
        datetime.date(YEAR, 3, 1),
        datetime.date(YEAR, 4, 1),
    ]
    # A link carrying dates without a preset uses the dates.
    response = client.get(region_url(), {"start": f"{YEAR}-02-01", "end": f"{YEAR}-02-28"})
    assert response.context["figures"].total == 1
    # Dates in the wrong order: the page says so and falls back to the default period.
    response = client.get(region_url(), dates(datetime.date(YEAR, 4, 1), datetime.date(YEAR, 3, 1)))
    assert response.status_code == 200
    assert "La date de début doit précéder la date de fin." in response.content.decode()
    assert response.context["scope"].start == datetime.date(TODAY.year, 1, 1)


@pytest.mark.django_db
def test_departement_kind_and_site_filters(client_for, observer, refs):
    marne = TerritoryFactory(code="51", name="Marne")
    aube = TerritoryFactory(code="10", name="Aube")
    cite = SiteKindFactory(code="cite-des-metiers", label="Cité des métiers")
    reims = SiteFactory(name="Reims", slug="reims", departement=marne)
    epernay = SiteFactory(name="Épernay", slug="epernay", departement=marne, kind=cite)
    troyes = SiteFactory(name="Troyes", slug="troyes", departement=aube)
    day = datetime.date(YEAR, 6, 6)
    for site, visits in ((reims, 1), (epernay, 2), (troyes, 4)):
        for _ in range(visits):
            record(site, refs, day)
    client = client_for(observer)

    def total(**params):
        return client.get(region_url(), {**PREVIOUS_YEAR, **params}).context["figures"].total

    assert total() == 7
    assert total(departement="51") == 3
    assert total(kind="cite-des-metiers") == 2
    assert total(departement="51", kind=SiteKind.objects.get(code="espace-metiers").code) == 1
    assert total(site="troyes") == 4
    assert total(site="troyes", departement="51") == 0

    # The territory dashboard covers the département's sites, and offers the kind filter.
    response = client.get(territory_url(marne), PREVIOUS_YEAR)
    assert response.context["figures"].total == 3
    assert {site.slug for site in response.context["scope"].sites} == {"reims", "epernay"}
    assert (
        client.get(territory_url(marne), {**PREVIOUS_YEAR, "kind": "cite-des-metiers"})
        .context["figures"]
        .total
        == 2
    )
    # The region page links to each département's dashboard.
    assert territory_url(aube) in client.get(region_url()).content.decode()


@pytest.mark.django_db
def test_the_page_states_its_filters(client_for, observer, site_a, refs):
    response = client_for(observer).get(region_url(), {**PREVIOUS_YEAR, "site": site_a.slug})
    summary = dict(response.context["scope"].filter_summary())
    assert summary["Période"] == f"Année précédente (du 1 janvier {YEAR} au 31 décembre {YEAR})"
    assert summary["Sites"] == site_a.name
    assert summary["Type de site"] == "Tous les types"
    html = response.content.decode()
    assert f"du 1 janvier {YEAR} au 31 décembre {YEAR}" in html
    # The export links carry the same filters.
    assert "format=csv&amp;period=annee-precedente&amp;site=reims" in html


@pytest.mark.django_db
def test_the_page_names_ten_sites_at_most(client_for, observer):
    SiteFactory.create_batch(12)
    response = client_for(observer).get(region_url())
    sites = dict(response.context["scope"].page_summary())["Sites"]
    assert sites.startswith("12 : ") and sites.endswith(" et 2 autres")
    # The export names them all.
    assert len(dict(response.context["scope"].filter_summary())["Sites"].split(", ")) == 12


@pytest.mark.django_db
def test_a_territory_other_than_a_departement(client_for, observer, site_a, site_b, refs):
    bassin = TerritoryFactory(
        kind__code="bassin-emploi", kind__label="Bassin d'emploi", code="B1", name="Bassin"
    )
    site_b.territories.add(bassin)
    record(site_a, refs, datetime.date(YEAR, 2, 2))
    record(site_b, refs, datetime.date(YEAR, 2, 2))
    record(site_b, refs, datetime.date(YEAR, 2, 3))

    response = client_for(observer).get(territory_url(bassin), PREVIOUS_YEAR)

    assert [site.slug for site in response.context["scope"].sites] == [site_b.slug]
    assert response.context["figures"].total == 2
    assert "Bassin (B1)" in response.content.decode()


@pytest.mark.django_db
def test_a_site_coordinator_cannot_pick_another_site_in_the_filters(
    client_for, coordinator_b, site_a, site_b
):
    # The site page has no site filter at all: the slug in the path is the only site.
    response = client_for(coordinator_b).get(site_url(site_b), {"site": site_a.slug})
    assert [site.slug for site in response.context["scope"].sites] == [site_b.slug]


# --- Whole years and leftover months --------------------------------------------------------------


def test_a_range_splits_into_whole_years_and_leftover_months():
    from stats.selectors import split_range

    d = datetime.date
    split = split_range(d(2017, 1, 20), d(2026, 10, 23), today=d(2027, 2, 1))
    assert split.years == list(range(2017, 2026))
    assert split.months == [(d(2026, 1, 1), d(2026, 10, 1))]
    # A range reaching the current month reads the current year whole: later months can't hold
    # anything yet. One month short of it, the year's months are read one by one.
    today = d(2026, 11, 23)
    assert split_range(d(2017, 1, 20), today, today=today).years == list(range(2017, 2027))
    assert split_range(d(2017, 1, 20), today, today=today).months == []
    assert split_range(d(2017, 1, 20), d(2030, 6, 30), today=today).years == list(range(2017, 2031))
    assert split_range(d(2017, 1, 20), d(2026, 10, 31), today=today).months == [
        (d(2026, 1, 1), d(2026, 10, 1))
    ]
    assert split_range(d(2026, 3, 1), today, today=today).months == [(d(2026, 3, 1), d(2026, 11, 1))]
    # A range covers December when it ends on any day of December.
    assert split_range(d(2023, 3, 31), d(2024, 12, 1)).years == [2024]
    assert split_range(d(2023, 3, 31), d(2024, 12, 1)).months == [(d(2023, 3, 1), d(2023, 12, 1))]
    assert split_range(d(2024, 2, 1), d(2024, 11, 30)).years == []
    assert split_range(d(2024, 2, 1), d(2024, 11, 30)).months == [(d(2024, 2, 1), d(2024, 11, 1))]
    assert split_range(d(2024, 5, 1), d(2024, 4, 30)).months == []


@pytest.mark.django_db
def test_a_range_over_partial_years_reads_the_same_as_the_sum_of_its_months(site_a, site_b, refs):
    # July two years back to March this year: half a year, a whole year (read from the yearly
    # roll-ups) and three months. Whatever the split, the figures are the sums of the months.
    from stats import selectors
    from stats.models import MonthlyCount, MonthlyCrossCount, first_of_month

    n = 0
    for year in (YEAR - 2, YEAR - 1, YEAR):
        for month in range(1, 13):
            for site in (site_a, site_b):
                n += 1
                record(
                    site,
                    refs,
                    datetime.date(year, month, 1 + n % 28),
                    sex=n % 2,
                    age_band=refs.age_bands[n % 3],
                    situation=refs.situations[n % 2],
                    themes=refs.themes[: 1 + n % 3],
                    referrals=refs.referrals[: n % 2],
                )
    start, end = datetime.date(YEAR - 2, 7, 15), datetime.date(YEAR, 3, 10)
    assert selectors.split_range(start, end).years == [YEAR - 1]
    site_ids = [site_a.pk, site_b.pk]
    in_range = {"site_id__in": site_ids, "month__gte": first_of_month(start), "month__lte": end}

    dimensions = [Dimension.THEME, Dimension.AGE_BAND, Dimension.REFERRAL, Dimension.SITUATION]
    rows = selectors.breakdowns(site_ids, start, end, dimensions)
    for dimension in dimensions:
        expected = {}
        for cell in MonthlyCount.objects.filter(dimension=dimension, **in_range):
            by_sex = expected.setdefault(cell.item_id, {})
            by_sex[cell.sex_id] = by_sex.get(cell.sex_id, 0) + cell.count
        assert {row.item_id: row.by_sex for row in rows[dimension]} == expected, dimension
    total = sum(c.count for c in MonthlyCount.objects.filter(dimension=Dimension.TOTAL, **in_range))
    assert total == 2 * 21  # 6 + 12 + 3 months, two sites, one visit a month each
    assert selectors.total_visits(site_ids, start, end) == total

    tab = selectors.cross_tab(site_ids, start, end, Dimension.THEME, Dimension.AGE_BAND)
    expected = {}
    for cell in MonthlyCrossCount.objects.filter(
        row_dimension=Dimension.THEME, col_dimension=Dimension.AGE_BAND, **in_range
    ):
        key = (cell.row_item_id, cell.col_item_id)
        expected[key] = expected.get(key, 0) + cell.count
    assert tab.cells == expected
    by_sex = selectors.cross_tab(site_ids, start, end, Dimension.AGE_BAND, "sex")
    assert sum(by_sex.cells.values()) == total

    assert selectors.yearly_trend(site_ids, YEAR - 3, YEAR) == [
        (YEAR - 2, 24),
        (YEAR - 1, 24),
        (YEAR, 24),
    ]


@pytest.mark.django_db
def test_a_range_ending_today_reads_the_current_year_whole_and_the_same_figures(site_a, refs):
    # The current year comes from its yearly row when the range reaches today; what it shows is
    # still exactly the sum of the months so far.
    from stats import selectors
    from stats.models import MonthlyCount

    days = [TODAY.replace(day=1), TODAY, datetime.date(YEAR, 12, 31), datetime.date(YEAR - 1, 6, 1)]
    for n, day in enumerate(days):
        record(site_a, refs, day, sex=n % 2, themes=refs.themes[: 1 + n % 2])
    start, end = datetime.date(YEAR - 1, 1, 1), TODAY
    assert TODAY.year in selectors.split_range(start, end).years
    monthly = MonthlyCount.objects.filter(site=site_a, dimension=Dimension.THEME)
    expected = {}
    for cell in monthly:
        expected[cell.item_id] = expected.get(cell.item_id, 0) + cell.count
    rows = selectors.breakdowns([site_a.pk], start, end, [Dimension.THEME])[Dimension.THEME]
    assert {row.item_id: row.total for row in rows} == expected
    assert selectors.total_visits([site_a.pk], start, end) == len(days)
    # A range ending before the current month leaves this year's visits out.
    assert selectors.total_visits([site_a.pk], start, datetime.date(YEAR, 12, 31)) == 2


@pytest.mark.django_db
def test_totals_of_a_month_that_has_not_begun_are_refused(site_a, regional_coordinator, refs):
    from django.core.exceptions import ValidationError

    from stats.models import MonthlyCount, next_month

    with pytest.raises(ValidationError, match="pas encore commencé"):
        services.aggregate_set(
            site=site_a,
            month=next_month(TODAY.replace(day=1)),
            author=regional_coordinator,
            counts={(Dimension.TOTAL, 0, refs.sexes[0].pk): 10},
        )
    assert not MonthlyCount.objects.exists()


# --- Query counts -----------------------------------------------------------------------------------


def _populate(refs, number_of_sites: int, visits_per_site: int):
    sites = [SiteFactory() for _ in range(number_of_sites)]
    for n, site in enumerate(sites):
        for v in range(visits_per_site):
            record(
                site,
                refs,
                datetime.date(YEAR, 1 + (n + v) % 12, 1 + v % 27),
                sex=v % 2,
                age_band=refs.age_bands[v % 3],
                situation=refs.situations[v % 3],
                themes=refs.themes[: 1 + v % 3],
                referrals=refs.referrals[: v % 2],
            )
        question = SatisfactionQuestion.objects.get_or_create(code="accueil", defaults={"label": "Accueil"})[
            0
        ]
        services.satisfaction_record(
            site=site, answers={question.pk: 1 + n % 4}, day=datetime.date(YEAR, 3, 3)
        )
    visit = Period.objects.filter(site=sites[0]).first()
    services.period_submit(period=visit, author=desk())
    return sites


# Queries of a dashboard's figures, whatever the number of sites and visits, all read from the
# roll-up tables (the page adds its own, counted in each test below):
#   - the sexes (1);
#   - visits per month and sex over the period and the year before it (1: the months and the
#     year on year), and per year over ten years (1);
#   - the breakdowns (1 + 8): the cells of all 8 breakdowns and the total in one query, then the
#     labels (with their order) of each breakdown's list;
#   - the cross-tabulation (3): the cells, the labels of the rows and of the columns;
#   - the satisfaction questionnaires (2): their number and each question's answers and sum of
#     values from their roll-up, then the questions' labels;
#   - completeness (2): the sites' label changes, then their periods handed in and on time,
#     counted per site in SQL (selectors._handed_in_counts), not loaded row by row.
# Breakdowns, totals and cross-tabulations read whole years from the yearly roll-ups and the months
# left over from the monthly ones, in one query each (UNION ALL): the count does not depend on the
# range either.
FIGURE_QUERIES = 1 + 2 + 9 + 3 + 2 + 2


def assert_no_raw_visit_read(queries):
    """No query of the page touches the visits, their themes and referrals, or the questionnaires:
    roll-ups only."""
    tables = (
        Visit._meta.db_table,
        Visit.themes.through._meta.db_table,
        Visit.referrals.through._meta.db_table,
        SatisfactionResponse._meta.db_table,
        SatisfactionAnswer._meta.db_table,
    )
    for query in queries.captured_queries:
        assert not any(table in query["sql"] for table in tables), query["sql"]


@pytest.mark.django_db
def test_region_dashboard_query_count_does_not_grow(client_for, observer, refs, django_assert_num_queries):
    client = client_for(observer)
    # Region page: 4 for the person (the session, the user, their role assignments and their site
    # assignments: roles are computed once per request), 1 for the sites of the scope (with their
    # département and kind), the figures, then the filter form's choices: départements, kinds of
    # site, sites (3).
    expected = 4 + 1 + FIGURE_QUERIES + 3

    _populate(refs, number_of_sites=2, visits_per_site=3)
    with django_assert_num_queries(expected) as queries:
        small = client.get(region_url(), PREVIOUS_YEAR)
    assert small.context["figures"].total == 6
    assert_no_raw_visit_read(queries)

    _populate(refs, number_of_sites=6, visits_per_site=12)
    with django_assert_num_queries(expected) as queries:
        large = client.get(region_url(), PREVIOUS_YEAR)
    assert large.context["figures"].total == 6 + 72
    assert_no_raw_visit_read(queries)


@pytest.mark.django_db
def test_site_dashboard_query_count_does_not_grow(client_for, observer, refs, django_assert_num_queries):
    client = client_for(observer)
    # Site page: 4 for the person, 1 for the site (with its département and kind), the figures.
    # The site page's form has only dates: no choice to read.
    expected = 4 + 1 + FIGURE_QUERIES

    site = _populate(refs, number_of_sites=1, visits_per_site=3)[0]
    with django_assert_num_queries(expected) as queries:
        assert client.get(site_url(site), PREVIOUS_YEAR).context["figures"].total == 3
    assert_no_raw_visit_read(queries)

    site = _populate(refs, number_of_sites=5, visits_per_site=40)[0]
    with django_assert_num_queries(expected) as queries:
        assert client.get(site_url(site), PREVIOUS_YEAR).context["figures"].total == 40
    assert_no_raw_visit_read(queries)


@pytest.mark.django_db
def test_a_long_range_shows_its_months_as_a_table_of_years(client_for, observer, site_a, refs):
    # Over more than two years, one row per year with its months side by side, each year's total
    # by sex and its change against the same months a year earlier.
    for day, sex in (
        (datetime.date(YEAR - 2, 3, 10), 0),
        (datetime.date(YEAR - 1, 3, 10), 0),
        (datetime.date(YEAR - 1, 3, 11), 1),
        (datetime.date(YEAR, 7, 1), 1),
    ):
        record(site_a, refs, day, sex=sex)
    start, end = datetime.date(YEAR - 2, 2, 1), datetime.date(YEAR, 12, 31)
    response = client_for(observer).get(region_url(), dates(start, end))
    figures = response.context["figures"]
    assert len(figures.months) == 35
    rows = {row.year: row for row in figures.years_of_months}
    assert list(rows) == [YEAR - 2, YEAR - 1, YEAR]
    assert rows[YEAR - 2].counts[0] is None  # January: before the range
    assert rows[YEAR - 2].counts[2] == 1 and rows[YEAR - 2].total == 1
    assert rows[YEAR - 1].counts[2] == 2 and rows[YEAR - 1].by_sex == [1, 1]
    assert rows[YEAR - 1].change == 1.0  # March: 2 against 1
    # July had no data a year earlier (nor the first year's March): no change for those years.
    assert rows[YEAR].counts[6] == 1 and rows[YEAR].change is None
    assert rows[YEAR - 2].previous is None and rows[YEAR - 2].change is None
    html = response.content.decode()
    assert "une ligne par année" in html
    assert "+100,0\xa0%" in html

    # Two years or less: one row per month, as before.
    response = client_for(observer).get(region_url(), dates(datetime.date(YEAR - 1, 1, 1), end))
    assert response.context["figures"].years_of_months == []
    assert "une ligne par année" not in response.content.decode()


@pytest.mark.django_db
def test_the_unfiltered_region_reads_network_totals_with_the_same_figures(client_for, observer, refs):
    # Without a filter the region's whole years come from the roll-up summed over every site; the
    # figures are those of the per-site roll-ups that a département filter reads.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from stats.models import RegionYearlyCount

    sites = _populate(refs, number_of_sites=3, visits_per_site=7)
    departement = sites[0].departement
    Site.objects.update(departement=departement)
    client = client_for(observer)
    years = dates(datetime.date(YEAR - 1, 1, 1), datetime.date(YEAR, 12, 31))
    region_table = RegionYearlyCount._meta.db_table

    with CaptureQueriesContext(connection) as queries:
        whole = client.get(region_url(), years)
    assert whole.context["scope"].every_site
    assert any(region_table in query["sql"] for query in queries.captured_queries)

    with CaptureQueriesContext(connection) as queries:
        filtered = client.get(region_url(), {**years, "departement": departement.code})
    assert not filtered.context["scope"].every_site
    assert not any(region_table in query["sql"] for query in queries.captured_queries)
    assert [site.pk for site in filtered.context["scope"].sites] == sorted(s.pk for s in sites)

    def shown(response):
        return {
            b.key: [(r.label, r.counts, r.total) for r in b.rows]
            for b in response.context["figures"].breakdowns
        }

    assert whole.context["figures"].total == filtered.context["figures"].total == 21
    assert shown(whole) == shown(filtered)


@pytest.mark.django_db
def test_a_site_coordinator_never_reads_the_network_totals(client_for, coordinator_a, site_a, site_b, refs):
    # The network roll-up sums every site: a site's page and its export never read it, and show
    # the site's own figures only.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from stats.models import RegionYearlyCount

    record(site_a, refs, datetime.date(YEAR, 3, 3))
    for _n in range(4):
        record(site_b, refs, datetime.date(YEAR, 3, 3))
    client = client_for(coordinator_a)
    for url, params in (
        (site_url(site_a), PREVIOUS_YEAR),
        (reverse("stats:export"), {**PREVIOUS_YEAR, "site": site_a.slug, "format": "csv"}),
    ):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, params)
        assert response.status_code == 200
        assert not any(RegionYearlyCount._meta.db_table in q["sql"] for q in queries.captured_queries)
    assert client.get(site_url(site_a), PREVIOUS_YEAR).context["figures"].total == 1
    assert client.get(region_url(), PREVIOUS_YEAR).status_code == 403


# --- Figures that don't mislead: a month or a year not yet over, years before the first data ----


@pytest.mark.django_db
def test_a_month_not_yet_over_is_never_compared_with_a_whole_month(client_for, observer, site_a, refs):
    # 15 June 2026: June is not over. A whole June a year earlier had many more visits.
    record(site_a, refs, TODAY)
    for _ in range(5):
        record(site_a, refs, datetime.date(TODAY.year - 1, 6, 10))
    record(site_a, refs, datetime.date(TODAY.year - 1, 5, 10))
    record(site_a, refs, datetime.date(TODAY.year, 5, 10))
    response = client_for(observer).get(site_url(site_a), {"period": PeriodPreset.LAST_12_MONTHS})
    months = {row.month: row for row in response.context["figures"].months}
    june = months[datetime.date(TODAY.year, 6, 1)]
    assert june.in_progress
    assert (june.total, june.previous, june.change) == (1, None, None)
    assert june.change_display == "mois en cours"
    # A month that is over still compares with the same month a year earlier.
    may = months[datetime.date(TODAY.year, 5, 1)]
    assert (may.in_progress, may.previous, may.change) == (False, 1, 0.0)
    html = response.content.decode()
    assert "−80,0" not in html
    assert "mois en cours" in text(response)


@pytest.mark.django_db
def test_a_year_not_yet_over_is_never_compared_with_a_whole_year(site_a, refs):
    from stats.views.dashboards import MonthRow, years_of_months

    rows = [
        MonthRow(month=datetime.date(2026, 5, 1), label="mai", counts=[3], total=3, previous=3, change=0.0),
        MonthRow(
            month=datetime.date(2026, 6, 1),
            label="juin",
            counts=[1],
            total=1,
            previous=None,
            change=None,
            in_progress=True,
        ),
        MonthRow(month=datetime.date(2025, 6, 1), label="juin", counts=[5], total=5, previous=2, change=1.5),
    ]
    by_year = {row.year: row for row in years_of_months(rows, 1)}
    assert by_year[2026].in_progress
    assert (by_year[2026].previous, by_year[2026].change) == (None, None)
    assert by_year[2026].change_display == "année en cours"
    assert (by_year[2025].in_progress, by_year[2025].change) == (False, 1.5)


@pytest.mark.django_db
def test_the_trend_starts_with_the_first_year_with_data(client_for, observer, site_a, refs):
    record(site_a, refs, datetime.date(TODAY.year - 2, 3, 1))
    record(site_a, refs, TODAY)
    response = client_for(observer).get(site_url(site_a))
    yearly = response.context["figures"].yearly
    # No zeros for the years before the site's first visit; the year between is a real zero.
    assert yearly == [(TODAY.year - 2, 1), (TODAY.year - 1, 0), (TODAY.year, 1)]
    assert "Évolution sur 3 ans" in text(response)
    # The current year says it is partial, in the table and on the chart.
    assert f"{TODAY.year} (année en cours)" in text(response)
    # Without any data, no trend at all rather than ten zeros.
    from stats import selectors

    assert selectors.yearly_trend([site_a.pk], TODAY.year - 20, TODAY.year - 10) == []
