"""The period pages: list, detail with history, workflow actions and a site's year.

Personas (tests/conftest.py): the regional coordinator, the coordinator of site A, the coordinator
of site B, a partner, a read-only observer and an anonymous visitor.
"""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from stats import services
from stats.enums import Dimension, PeriodAction, PeriodMode, PeriodStatus
from stats.models import MonthlyCount, Period, first_of_month, next_month
from tests.factories import SiteFactory
from tests.helpers import PERSONAS, assert_status, element_text, links, text

# The clock is frozen on 15 June 2026: last month (May, due on 10 June) and the month before
# (April) are both past their deadline; June is the current month, July to December are to come.
NOW = datetime.datetime(2026, 6, 15, 10, tzinfo=ZoneInfo("Europe/Paris"))
pytestmark = pytest.mark.time_machine(NOW, tick=False)
TODAY = NOW.date()
THIS_MONTH = datetime.date(2026, 6, 1)
LAST_MONTH = datetime.date(2026, 5, 1)
OLD_MONTH = datetime.date(2026, 4, 1)
# Reading a site's periods: the coordination and observers read the whole network, a site
# coordinator their own sites; strangers get a 404.
READ_ACCESS = {
    "anonymous": "login",
    "regional_coordinator": 200,
    "coordinator_a": 200,
    "coordinator_b": 404,
    "partner": 404,
    "observer": 200,
}


def record(site, user, refs, day, sex=0):
    return services.visit_record(
        site=site, author=user, visited_on=day, contact_kind=refs.contact_kinds[0], sex=refs.sexes[sex]
    )


@pytest.fixture
def period_a(site_a, coordinator_a, refs):
    """Last month at site A, open, with three visits."""
    for sex in (0, 0, 1):
        visit = record(site_a, coordinator_a, refs, LAST_MONTH.replace(day=10), sex=sex)
    return visit.period


def detail_url(period):
    return reverse("stats:period_detail", kwargs={"pk": period.pk})


# --- Who gets what ------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_period_list_by_persona(as_persona, period_a, site_b, coordinator_b, refs, persona):
    period_b = record(site_b, coordinator_b, refs, LAST_MONTH).period
    response = as_persona(persona).get(reverse("stats:period_list"))
    if persona == "anonymous":
        assert_status(response, "login")
        return
    assert response.status_code == 200
    shown = {row["period"].pk for row in response.context["rows"]}
    expected = {
        "regional_coordinator": {period_a.pk, period_b.pk},
        "observer": {period_a.pk, period_b.pk},
        "coordinator_a": {period_a.pk},
        "coordinator_b": {period_b.pk},
        "partner": set(),
    }[persona]
    assert shown == expected


@pytest.mark.parametrize("persona", PERSONAS)
def test_period_detail_and_site_year_by_persona(as_persona, period_a, site_a, persona):
    client = as_persona(persona)
    assert_status(client.get(detail_url(period_a)), READ_ACCESS[persona])
    url = reverse("stats:site_periods", kwargs={"slug": site_a.slug, "year": LAST_MONTH.year})
    assert_status(client.get(url), READ_ACCESS[persona])


# Who may try each action: strangers 404; a role that does not allow it 403.
ACTION_ACCESS = {
    "period_submit": {
        "anonymous": "login",
        "regional_coordinator": 200,
        "coordinator_a": 200,
        "coordinator_b": 404,
        "partner": 404,
        "observer": 403,
    },
    "period_validate": {
        "anonymous": "login",
        "regional_coordinator": 200,
        "coordinator_a": 403,
        "coordinator_b": 404,
        "partner": 404,
        "observer": 403,
    },
}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("url_name", ["period_submit", "period_validate", "period_lock", "period_reopen"])
def test_action_pages_by_persona(
    as_persona, period_a, coordinator_a, regional_coordinator, persona, url_name
):
    # Put the period where the action makes sense, so that only the role decides.
    if url_name != "period_submit":
        services.period_submit(period=period_a, author=coordinator_a)
    if url_name == "period_lock":
        services.period_validate(period=period_a, author=regional_coordinator)
    expected = ACTION_ACCESS.get(url_name, ACTION_ACCESS["period_validate"])[persona]
    url = reverse(f"stats:{url_name}", kwargs={"pk": period_a.pk})
    assert_status(as_persona(persona).get(url), expected)


@pytest.mark.parametrize("persona", ["anonymous", "coordinator_b", "partner", "observer"])
def test_crafted_action_posts_change_nothing(as_persona, period_a, persona):
    client = as_persona(persona)
    # Strangers get a 404 (the period is fetched among the ones they see), the observer a 403.
    expected = ACTION_ACCESS["period_validate"][persona]
    for url_name in ("period_submit", "period_validate", "period_lock"):
        assert_status(client.post(reverse(f"stats:{url_name}", kwargs={"pk": period_a.pk})), expected)
    response = client.post(
        reverse("stats:period_reopen", kwargs={"pk": period_a.pk}), {"reason": "Pour voir"}
    )
    assert_status(response, expected)
    period_a.refresh_from_db()
    assert period_a.status == PeriodStatus.OPEN
    assert not period_a.events.exists()


def test_a_site_coordinator_cannot_validate_lock_or_reopen_their_own_period(
    client_for, period_a, coordinator_a
):
    client = client_for(coordinator_a)
    assert client.post(reverse("stats:period_submit", kwargs={"pk": period_a.pk})).status_code == 302
    for url_name in ("period_validate", "period_lock"):
        assert client.post(reverse(f"stats:{url_name}", kwargs={"pk": period_a.pk})).status_code == 403
    response = client.post(reverse("stats:period_reopen", kwargs={"pk": period_a.pk}), {"reason": "Oubli"})
    assert response.status_code == 403
    period_a.refresh_from_db()
    assert period_a.status == PeriodStatus.SUBMITTED


# --- The workflow through the pages ---------------------------------------------------------------


def test_submit_validate_lock_reopen_through_the_pages(
    client_for, period_a, coordinator_a, regional_coordinator
):
    site_client, coordination = client_for(coordinator_a), client_for(regional_coordinator)

    targets = links(site_client.get(detail_url(period_a)), "main")
    assert reverse("stats:period_submit", kwargs={"pk": period_a.pk}) in targets
    assert reverse("stats:period_validate", kwargs={"pk": period_a.pk}) not in targets
    confirm = text(site_client.get(reverse("stats:period_submit", kwargs={"pk": period_a.pk})))
    assert "Confirmez-vous la soumission" in confirm
    response = site_client.post(reverse("stats:period_submit", kwargs={"pk": period_a.pk}), follow=True)
    assert "La période a été soumise à la coordination régionale." in text(response)
    period_a.refresh_from_db()
    assert period_a.status == PeriodStatus.SUBMITTED
    # Handed in: no more action for the site.
    targets = links(site_client.get(detail_url(period_a)), "main")
    assert detail_url(period_a) in targets  # the breadcrumb: the page is there
    assert reverse("stats:period_submit", kwargs={"pk": period_a.pk}) not in targets

    page = text(coordination.get(detail_url(period_a)))
    assert reverse("stats:period_validate", kwargs={"pk": period_a.pk}) in page
    assert reverse("stats:period_reopen", kwargs={"pk": period_a.pk}) in page
    coordination.post(reverse("stats:period_validate", kwargs={"pk": period_a.pk}))
    coordination.post(reverse("stats:period_lock", kwargs={"pk": period_a.pk}))
    period_a.refresh_from_db()
    assert period_a.status == PeriodStatus.LOCKED

    reopen_url = reverse("stats:period_reopen", kwargs={"pk": period_a.pk})
    response = coordination.post(reopen_url, {"reason": "  "})
    assert response.status_code == 200
    assert "La période n'a pas été rouverte" in text(response)
    period_a.refresh_from_db()
    assert period_a.status == PeriodStatus.LOCKED
    response = coordination.post(reopen_url, {"reason": "Passages du forum oubliés"}, follow=True)
    assert "La période a été rouverte" in text(response)
    period_a.refresh_from_db()
    assert period_a.status == PeriodStatus.OPEN

    page = text(site_client.get(detail_url(period_a)))
    assert "Passages du forum oubliés" in page
    for action in ("Soumission", "Validation", "Verrouillage", "Réouverture"):
        assert action in page
    assert str(coordinator_a) in page and str(regional_coordinator) in page


def test_a_refused_transition_is_a_message(client_for, site_a, coordinator_a, refs):
    period = record(site_a, coordinator_a, refs, TODAY).period
    response = client_for(coordinator_a).post(
        reverse("stats:period_submit", kwargs={"pk": period.pk}), follow=True
    )
    assert "Un mois se soumet une fois terminé." in text(response)
    period.refresh_from_db()
    assert period.status == PeriodStatus.OPEN


def test_an_action_not_possible_in_this_state_is_not_confirmed(client_for, period_a, regional_coordinator):
    response = client_for(regional_coordinator).get(
        reverse("stats:period_lock", kwargs={"pk": period_a.pk}), follow=True
    )
    assert "Cette action n'est pas possible : la période est « ouverte »." in text(response)


def test_detail_shows_state_deadline_totals_and_changes_after_submission(
    client_for, period_a, coordinator_a, regional_coordinator, refs
):
    services.period_submit(period=period_a, author=coordinator_a)
    # The coordination corrects a handed-in month: the change is in the history.
    record(period_a.site, regional_coordinator, refs, LAST_MONTH.replace(day=11))
    page = text(client_for(coordinator_a).get(detail_url(period_a)))
    assert "Soumise" in page
    assert "Saisie détaillée (passage par passage)" in page
    assert f"{period_a.deadline.day} " in page
    assert 'id="period-total">4<' in page
    assert "Passage ajouté (11/" in page
    assert "Modification des données" in page


def test_detail_offers_entry_while_writable(client_for, period_a, coordinator_a, regional_coordinator):
    # Looked for in the page's own content: the header menu links to the desk for coordinators.
    desk = reverse("stats:visit_desk", kwargs={"slug": period_a.site.slug})
    assert desk in links(client_for(coordinator_a).get(detail_url(period_a)), "main")
    services.period_submit(period=period_a, author=coordinator_a)
    targets = links(client_for(coordinator_a).get(detail_url(period_a)), "main")
    assert detail_url(period_a) in targets  # the breadcrumb: the page is there
    assert desk not in targets
    assert desk in links(client_for(regional_coordinator).get(detail_url(period_a)), "main")


def test_observer_reads_periods_without_any_action(client_for, period_a, observer):
    response = client_for(observer).get(detail_url(period_a))
    assert "Ouverte" in text(response)
    targets = links(response, "main")
    assert detail_url(period_a) in targets  # the breadcrumb: the page is there
    for url_name in ("period_submit", "period_validate", "period_lock", "period_reopen"):
        assert reverse(f"stats:{url_name}", kwargs={"pk": period_a.pk}) not in targets
    assert reverse("stats:visit_desk", kwargs={"slug": period_a.site.slug}) not in targets


# --- List: filters, pagination, totals, queries ---------------------------------------------------


def test_list_shows_visits_totals_and_late_badges(client_for, period_a, site_a, regional_coordinator):
    Period.objects.create(site=site_a, month=OLD_MONTH)
    response = client_for(regional_coordinator).get(reverse("stats:period_list"))
    rows = {row["period"].month: row for row in response.context["rows"]}
    assert rows[LAST_MONTH]["visits"] == 3
    assert rows[OLD_MONTH]["visits"] == 0
    page = text(response)
    assert "En retard" in page
    assert "Espace métiers de Reims" in page


def test_list_filters(client_for, period_a, site_a, site_b, coordinator_a, regional_coordinator, refs):
    old = Period.objects.create(site=site_a, month=OLD_MONTH)
    b_period = Period.objects.create(site=site_b, month=LAST_MONTH)
    services.period_submit(period=period_a, author=coordinator_a)
    client = client_for(regional_coordinator)

    def shown(**params):
        response = client.get(reverse("stats:period_list"), params)
        assert response.status_code == 200
        return {row["period"].pk for row in response.context["rows"]}

    assert shown() == {period_a.pk, old.pk, b_period.pk}
    assert shown(site=site_b.slug) == {b_period.pk}
    assert shown(status=PeriodStatus.SUBMITTED) == {period_a.pk}
    # On 15 June, April and May are both past their deadline; period A is handed in.
    assert shown(late="on") == {old.pk, b_period.pk}
    assert shown(year=OLD_MONTH.year) == {period_a.pk, old.pk, b_period.pk}
    # A year without periods is not offered: the filter is refused and ignored.
    assert shown(year=1999) == {period_a.pk, old.pk, b_period.pk}
    # A coordinator cannot filter on a site they don't see: the value is refused, nothing leaks.
    response = client_for(coordinator_a).get(reverse("stats:period_list"), {"site": site_b.slug})
    assert {row["period"].pk for row in response.context["rows"]} == {period_a.pk, old.pk}


def test_list_paginates_and_keeps_filters(client_for, regional_coordinator):
    site = SiteFactory()
    month = OLD_MONTH
    for _n in range(30):
        Period.objects.create(site=site, month=month)
        month = first_of_month(month - datetime.timedelta(days=1))
    client = client_for(regional_coordinator)
    response = client.get(reverse("stats:period_list"), {"status": PeriodStatus.OPEN})
    assert len(response.context["rows"]) == 25
    assert "page=2" in response.content.decode() and "status=ouverte" in response.content.decode()
    response = client.get(reverse("stats:period_list"), {"status": PeriodStatus.OPEN, "page": 2})
    assert len(response.context["rows"]) == 5


@pytest.mark.parametrize("number_of_periods", [3, 25])
def test_list_query_count_does_not_grow_with_periods(
    client_for, regional_coordinator, django_assert_num_queries, number_of_periods
):
    sites = [SiteFactory() for _n in range(3)]
    month = LAST_MONTH
    for n in range(number_of_periods):
        site = sites[n % 3]
        if n and n % 3 == 0:
            month = first_of_month(month - datetime.timedelta(days=1))
        Period.objects.create(site=site, month=month, mode=PeriodMode.AGGREGATE)
        MonthlyCount.objects.create(site=site, month=month, dimension=Dimension.TOTAL, sex_id=1, count=n + 1)
    client = client_for(regional_coordinator)
    # 9 queries:
    #   1-4. the session, the user, their role assignments and their site assignments (UserRoles)
    #   5. the years offered in the filter (one DISTINCT over the visible periods)
    #   6. COUNT of the matching periods (paginator)
    #   7. the page's periods, with their site joined
    #   8. the visits of the page's periods: one GROUP BY (site, month) on the roll-up's totals
    #   9. the sites offered in the filter
    with django_assert_num_queries(9):
        response = client.get(reverse("stats:period_list"))
    assert response.status_code == 200
    assert sum(row["visits"] for row in response.context["rows"]) == sum(range(1, number_of_periods + 1))


def test_late_queryset_matches_the_property(site_a):
    months = [THIS_MONTH]
    for _n in range(3):
        months.append(first_of_month(months[-1] - datetime.timedelta(days=1)))
    periods = [Period.objects.create(site=site_a, month=month) for month in months]
    day = months[2]
    while day <= TODAY + datetime.timedelta(days=40):
        late = set(Period.objects.late(day).values_list("pk", flat=True))
        expected = {p.pk for p in periods if day > p.deadline}
        assert late == expected, day
        day += datetime.timedelta(days=1)
    Period.objects.filter(month=months[3]).update(status=PeriodStatus.SUBMITTED)
    assert periods[3].pk not in set(Period.objects.late().values_list("pk", flat=True))


# --- A site's year --------------------------------------------------------------------------------


def test_site_year_shows_twelve_months_with_what_is_due(client_for, site_a, coordinator_a, refs):
    record(site_a, coordinator_a, refs, OLD_MONTH.replace(day=3))
    year = OLD_MONTH.year
    response = client_for(coordinator_a).get(
        reverse("stats:site_periods", kwargs={"slug": site_a.slug, "year": year})
    )
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [row["month"].month for row in rows] == list(range(1, 13))
    old = next(row for row in rows if row["month"] == OLD_MONTH)
    assert old["visits"] == 1
    assert old["late"] and old["due"]
    page = text(response)
    assert "En retard" in page
    assert reverse("stats:period_detail", kwargs={"pk": old["period"].pk}) in page
    # The year of 15 June 2026: June is the current month, July to December are to come.
    assert "Mois en cours" in page
    assert "À venir" in page


def test_site_year_rejects_absurd_years(client_for, site_a, coordinator_a):
    client = client_for(coordinator_a)
    # Typed by hand: the URL converter refuses to build these.
    for year in ("1", "0001", "99999999999999999999", "-2024", "2024.5"):
        assert client.get(f"/statistiques/sites/{site_a.slug}/periodes/{year}/").status_code == 404
    next_year = TODAY.year + 1
    assert (
        client.get(reverse("stats:site_periods", kwargs={"slug": site_a.slug, "year": next_year})).status_code
        == 200
    )


def test_locked_months_of_the_year_say_so(client_for, period_a, coordinator_a, regional_coordinator):
    services.period_submit(period=period_a, author=coordinator_a)
    services.period_validate(period=period_a, author=regional_coordinator)
    services.period_lock(period=period_a, author=regional_coordinator)
    url = reverse("stats:site_periods", kwargs={"slug": period_a.site.slug, "year": LAST_MONTH.year})
    page = text(client_for(coordinator_a).get(url))
    assert "Verrouillée" in page
    assert period_a.events.filter(action=PeriodAction.LOCK).exists()
    assert next_month(LAST_MONTH) == THIS_MONTH


# --- Validating shows what is validated; several months in one step --------------------------------


def bulk_url():
    return reverse("stats:period_bulk_validate")


def submitted(site, coordinator, refs, month, visits=1, **extra):
    for _n in range(visits):
        visit = services.visit_record(
            site=site,
            author=coordinator,
            visited_on=month.replace(day=3),
            contact_kind=refs.contact_kinds[0],
            sex=refs.sexes[0],
            **extra,
        )
    return services.period_submit(period=visit.period, author=coordinator)


def test_the_validation_page_shows_what_is_validated(
    client_for, site_a, coordinator_a, regional_coordinator, refs
):
    # History: the same month a year earlier, and the three months before (March with no data).
    for _n in range(2):
        record(site_a, coordinator_a, refs, LAST_MONTH.replace(year=2025, day=4))
    record(site_a, coordinator_a, refs, OLD_MONTH.replace(day=2))
    record(site_a, coordinator_a, refs, datetime.date(2026, 2, 2))
    # May: three visits, two with their age band, one referred.
    period = submitted(site_a, coordinator_a, refs, LAST_MONTH, visits=2, age_band=refs.age_bands[0])
    # The coordination may still add to a submitted month.
    services.visit_record(
        site=site_a,
        author=regional_coordinator,
        visited_on=LAST_MONTH.replace(day=20),
        contact_kind=refs.contact_kinds[0],
        sex=refs.sexes[1],
        referrals=[refs.referrals[0]],
    )
    response = client_for(regional_coordinator).get(
        reverse("stats:period_validate", kwargs={"pk": period.pk})
    )
    assert response.status_code == 200
    review = response.context["review"]
    assert review.total == 3
    assert [(sex.code, count) for sex, count in review.by_sex] == [("femme", 2), ("homme", 1)]
    assert review.year_before == (datetime.date(2025, 5, 1), 2)
    assert review.recent == [
        (datetime.date(2026, 2, 1), 1),
        (datetime.date(2026, 3, 1), None),
        (OLD_MONTH, 1),
    ]
    completeness = {row.dimension: (row.given, row.share) for row in review.completeness}
    assert completeness[Dimension.AGE_BAND] == (2, 2 / 3)
    assert completeness[Dimension.SITUATION] == (0, 0.0)
    assert "Confirmez-vous la validation" in text(response)
    page = element_text(response, ".period-review")
    assert "Mai 2025 (un an plus tôt)" in page
    assert "Mars 2026 aucune donnée" in page
    assert "Tranche d'âge 2 66,7" in page
    # Each breakdown by sex, one click away.
    assert "Aucune orientation" in page
    # The same on the period's page.
    assert client_for(regional_coordinator).get(detail_url(period)).context["review"].total == 3


def test_the_unusual_month_warning_is_shown_with_the_figures(
    client_for, site_a, coordinator_a, regional_coordinator, refs, monkeypatch
):
    period = submitted(site_a, coordinator_a, refs, LAST_MONTH)
    monkeypatch.setattr(
        "stats.services.period_unusual_warning", lambda *, period: "Le total de 05/2026 est très éloigné."
    )
    response = client_for(regional_coordinator).get(
        reverse("stats:period_validate", kwargs={"pk": period.pk})
    )
    alert = response.content.decode()
    assert "data-unusual" in alert and "très éloigné" in text(response)


def test_the_coordination_validates_several_months_in_one_step(
    client_for, site_a, site_b, coordinator_a, coordinator_b, regional_coordinator, refs
):
    first = submitted(site_a, coordinator_a, refs, LAST_MONTH, visits=2)
    second = submitted(site_b, coordinator_b, refs, LAST_MONTH)
    third = submitted(site_a, coordinator_a, refs, OLD_MONTH)
    client = client_for(regional_coordinator)
    assert bulk_url() in links(client.get(reverse("stats:period_list")), "main")

    page = client.get(bulk_url())
    assert page.status_code == 200
    assert [row["period"] for row in page.context["rows"]] == [first, second, third]
    # Each one's figures one click away.
    targets = links(page, "main")
    for period in (first, second, third):
        assert detail_url(period) in targets

    # A first post asks for confirmation, and changes nothing yet.
    confirm = client.post(bulk_url(), {"periods": [first.pk, second.pk]})
    assert confirm.status_code == 200
    assert "Valider ces 2 périodes" in text(confirm)
    assert Period.objects.filter(status=PeriodStatus.VALIDATED).count() == 0

    # Meanwhile the second month is reopened: the others are validated, the answer says why not it.
    services.period_reopen(period=second, author=regional_coordinator, reason="Erreur de saisie")
    done = client.post(bulk_url(), {"periods": [first.pk, second.pk], "confirm": "1"})
    assert done.status_code == 200
    outcomes = {o["outcome"].period.pk: o["outcome"] for o in done.context["outcomes"]}
    assert outcomes[first.pk].validated
    assert not outcomes[second.pk].validated
    assert "Seule une période soumise peut être validée." in outcomes[second.pk].message
    page = text(done)
    assert "1 période validée." in page
    assert "1 période n'a pas été validée" in page
    statuses = dict(Period.objects.values_list("pk", "status"))
    assert statuses[first.pk] == PeriodStatus.VALIDATED
    assert statuses[second.pk] == PeriodStatus.OPEN
    assert statuses[third.pk] == PeriodStatus.SUBMITTED
    # Validated through the same rule as alone: the history says who and when.
    assert first.events.filter(action=PeriodAction.VALIDATE, author=regional_coordinator).exists()

    # Nothing chosen: said, nothing changes.
    response = client.post(bulk_url(), {"confirm": "1"}, follow=True)
    assert "Cochez au moins une période" in text(response)


@pytest.mark.parametrize("persona", ["coordinator_a", "coordinator_b", "partner", "observer"])
def test_only_the_coordination_validates_in_bulk(as_persona, site_a, coordinator_a, refs, persona):
    period = submitted(site_a, coordinator_a, refs, LAST_MONTH)
    client = as_persona(persona)
    assert client.get(bulk_url()).status_code == 403
    assert client.post(bulk_url(), {"periods": [period.pk], "confirm": "1"}).status_code == 403
    period.refresh_from_db()
    assert period.status == PeriodStatus.SUBMITTED
    assert bulk_url() not in links(client.get(reverse("stats:period_list")), "main")


def test_a_batch_reports_each_period_through_the_service(
    site_a, site_b, coordinator_a, coordinator_b, regional_coordinator, refs
):
    first = submitted(site_a, coordinator_a, refs, LAST_MONTH)
    open_one = record(site_b, coordinator_b, refs, LAST_MONTH.replace(day=5)).period
    outcomes = services.periods_validate(periods=[first, open_one], author=regional_coordinator)
    assert [(o.period.pk, o.validated) for o in outcomes] == [(first.pk, True), (open_one.pk, False)]
    # A role that never validates is refused for each period, nothing changes.
    again = submitted(site_a, coordinator_a, refs, OLD_MONTH)
    outcomes = services.periods_validate(periods=[again], author=coordinator_a)
    assert not outcomes[0].validated
    again.refresh_from_db()
    assert again.status == PeriodStatus.SUBMITTED
