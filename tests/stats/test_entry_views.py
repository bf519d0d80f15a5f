"""The data entry pages: visit desk, corrections, deletions and monthly totals.

Personas (tests/conftest.py): the regional coordinator, the coordinator of site A, the coordinator
of site B, a partner, a read-only observer and an anonymous visitor.
"""

import datetime
import json
import re
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from stats import services
from stats.enums import Dimension, HalfDay, PeriodMode, PeriodStatus
from stats.forms import half_day_now
from stats.models import AggregateCount, ContactKind, MonthlyCount, Period, Visit
from stats.services import AggregateCheck
from stats.views.entry import DESK_RECENT_ENTRIES
from tests.helpers import PERSONAS, assert_status, element_text, links, soup, text

# The clock is frozen on 15 June 2026, a Monday morning: yesterday, the day before and the days
# to come stay in June, last month (May) is past its deadline (10 June).
NOW = datetime.datetime(2026, 6, 15, 10, tzinfo=ZoneInfo("Europe/Paris"))
pytestmark = pytest.mark.time_machine(NOW, tick=False)
TODAY = NOW.date()
LAST_MONTH = datetime.date(2026, 5, 15)
# Entry pages belong to those who enter the site's data; everyone else learns nothing (404).
ENTRY_ACCESS = {
    "anonymous": "login",
    "regional_coordinator": 200,
    "coordinator_a": 200,
    "coordinator_b": 404,
    "partner": 404,
    "observer": 404,
}


def checked(response, name: str) -> set[str]:
    """Values of the radio buttons / checkboxes named `name` that are checked in the page."""
    values = set()
    for tag in re.findall(rf'<input[^>]*name="{name}"[^>]*>', response.content.decode()):
        if re.search(r"\schecked(\s|>|/)", tag):
            values.add(re.search(r'value="([^"]*)"', tag).group(1))
    return values


def offered(response, name: str) -> set[str]:
    return {
        re.search(r'value="([^"]*)"', tag).group(1)
        for tag in re.findall(rf'<input[^>]*name="{name}"[^>]*>', response.content.decode())
    }


def desk_forms(response) -> list:
    """The entry forms inside the desk (which must be on the page)."""
    desk = soup(response).select_one("#desk")
    assert desk is not None, f"no desk on the page (status {response.status_code})"
    return desk.select("#visit-form")


def desk_url(site, day=None):
    url = reverse("stats:visit_desk", kwargs={"slug": site.slug})
    return f"{url}?jour={day.isoformat()}" if day else url


def aggregate_url(site, day=LAST_MONTH):
    return reverse("stats:aggregate_entry", kwargs={"slug": site.slug, "year": day.year, "month": day.month})


def visit_data(refs, day=None, **changes) -> dict:
    data = {
        "contact_kind": refs.contact_kinds[0].pk,
        "sex": refs.sexes[0].pk,
        "age_band": refs.age_bands[1].pk,
        "situation": refs.situations[0].pk,
        "education_level": "",
        "channel": refs.channels[1].pk,
        "themes": [refs.themes[0].pk, refs.themes[2].pk],
        "service_level": refs.service_levels[1].pk,
        "referrals": [refs.referrals[0].pk],
        "visited_on": (day or TODAY).isoformat(),
        "half_day": HalfDay.MORNING,
        "action": "record",
    }
    data.update(changes)
    return data


def record(site, user, refs, day=LAST_MONTH, **extra):
    values = {"visited_on": day, "contact_kind": refs.contact_kinds[0], "sex": refs.sexes[0]}
    values.update(extra)
    return services.visit_record(site=site, author=user, **values)


def total(site) -> int:
    return sum(
        MonthlyCount.objects.filter(site=site, dimension=Dimension.TOTAL).values_list("count", flat=True)
    )


def close(period, coordinator, regional_coordinator, until=PeriodStatus.LOCKED):
    services.period_submit(period=period, author=coordinator)
    if until in (PeriodStatus.VALIDATED, PeriodStatus.LOCKED):
        services.period_validate(period=period, author=regional_coordinator)
    if until == PeriodStatus.LOCKED:
        services.period_lock(period=period, author=regional_coordinator)
    period.refresh_from_db()
    return period


# --- Who gets what ------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("page", ["desk", "aggregate", "edit", "delete"])
def test_entry_pages_by_persona(as_persona, site_a, coordinator_a, refs, persona, page):
    visit = record(site_a, coordinator_a, refs, day=TODAY)
    url = {
        "desk": desk_url(site_a),
        "aggregate": aggregate_url(site_a),
        "edit": reverse("stats:visit_edit", kwargs={"pk": visit.pk}),
        "delete": reverse("stats:visit_delete", kwargs={"pk": visit.pk}),
    }[page]
    assert_status(as_persona(persona).get(url), ENTRY_ACCESS[persona])


@pytest.mark.parametrize("persona", ["anonymous", "coordinator_b", "partner", "observer"])
def test_crafted_posts_from_strangers_change_nothing(as_persona, site_a, coordinator_a, refs, persona):
    visit = record(site_a, coordinator_a, refs, day=TODAY)
    client = as_persona(persona)
    expected = ENTRY_ACCESS[persona]
    assert_status(client.post(desk_url(site_a), visit_data(refs)), expected)
    assert_status(
        client.post(desk_url(site_a), visit_data(refs), HTTP_HX_REQUEST="true"),
        expected,
    )
    # As the desk's script posts it, with the count its page shows.
    assert_status(
        client.post(desk_url(site_a), visit_data(refs), HTTP_HX_REQUEST="true", HTTP_X_DESK_COUNT="1"),
        expected,
    )
    assert_status(
        client.post(
            reverse("stats:visit_edit", kwargs={"pk": visit.pk}), visit_data(refs, sex=refs.sexes[1].pk)
        ),
        expected,
    )
    assert_status(client.post(reverse("stats:visit_delete", kwargs={"pk": visit.pk})), expected)
    assert_status(
        client.post(aggregate_url(site_a), {f"total__0__{refs.sexes[0].pk}": "12"}),
        expected,
    )
    assert Visit.objects.count() == 1
    visit.refresh_from_db()
    assert visit.sex == refs.sexes[0]
    assert total(site_a) == 1
    assert not AggregateCount.objects.exists()


def test_unknown_site_is_404(client_for, regional_coordinator):
    response = client_for(regional_coordinator).get(reverse("stats:visit_desk", kwargs={"slug": "inconnu"}))
    assert response.status_code == 404


def test_a_coordinator_cannot_reach_another_sites_visit_through_their_own_desk(
    client_for, site_b, coordinator_a, coordinator_b, refs
):
    visit_b = record(site_b, coordinator_b, refs, day=TODAY)
    client = client_for(coordinator_a)
    assert client.get(reverse("stats:visit_edit", kwargs={"pk": visit_b.pk})).status_code == 404
    assert client.post(reverse("stats:visit_delete", kwargs={"pk": visit_b.pk})).status_code == 404
    assert Visit.objects.filter(pk=visit_b.pk).exists()


# --- The desk -----------------------------------------------------------------------------------


def test_desk_shows_the_form_the_banner_and_the_period(client_for, coordinator_a, site_a, refs):
    response = client_for(coordinator_a).get(desk_url(site_a))
    page = text(response)
    assert response.status_code == 200
    assert "Aucune donnée personnelle : ne saisissez ni nom, ni coordonnées, ni date de naissance." in page
    # Every list as radio buttons or checkboxes, the date defaulting to today.
    assert offered(response, "sex") == {str(s.pk) for s in refs.sexes}
    assert 'type="checkbox" name="themes"' in page
    assert f'name="visited_on" value="{TODAY.isoformat()}"' in page
    # The period's state and its deadline, in French.
    period = Period(site=site_a, month=TODAY.replace(day=1))
    assert "Ouverte" in page
    deadline = period.deadline
    assert f"{deadline.day} " in page and str(deadline.year) in page
    assert "À transmettre au plus tard le" in page
    assert 'hx-post="' in page and 'src="/static/js/htmx.min.js"' in page


def test_desk_offers_only_items_active_on_the_day(client_for, coordinator_a, site_a, refs):
    old = ContactKind.objects.create(
        code="minitel", label="Minitel", valid_until=TODAY - datetime.timedelta(days=1)
    )
    future = ContactKind.objects.create(
        code="holo", label="Hologramme", valid_from=TODAY + datetime.timedelta(days=3)
    )
    response = client_for(coordinator_a).get(desk_url(site_a))
    assert str(old.pk) not in offered(response, "contact_kind")
    assert str(future.pk) not in offered(response, "contact_kind")
    # On a past day, the items of that day.
    response = client_for(coordinator_a).get(desk_url(site_a, TODAY - datetime.timedelta(days=2)))
    assert str(old.pk) in offered(response, "contact_kind")


@pytest.mark.parametrize(
    ("hour", "expected"), [(9, HalfDay.MORNING), (12, HalfDay.MORNING), (14, HalfDay.AFTERNOON)]
)
def test_half_day_follows_the_clock(monkeypatch, hour, expected):
    now = timezone.localtime().replace(hour=hour, minute=30)
    monkeypatch.setattr("stats.forms.timezone.localtime", lambda *args: now)
    assert half_day_now() == expected


def test_desk_preselects_the_current_half_day(client_for, coordinator_a, site_a, refs):
    response = client_for(coordinator_a).get(desk_url(site_a))
    assert checked(response, "half_day") == {half_day_now()}


def test_post_without_javascript_records_and_redirects_with_the_choices_kept(
    client_for, coordinator_a, site_a, refs
):
    client = client_for(coordinator_a)
    response = client.post(desk_url(site_a), visit_data(refs))
    assert response.status_code == 302
    assert response.url == desk_url(site_a)
    visit = Visit.objects.get()
    assert visit.site == site_a
    assert visit.created_by == coordinator_a
    assert visit.age_band == refs.age_bands[1]
    assert set(visit.themes.all()) == {refs.themes[0], refs.themes[2]}
    assert total(site_a) == 1
    # The next visit starts from the previous one's choices (kept in the session).
    response = client.get(response.url)
    assert "Passage enregistré." in text(response)
    assert checked(response, "sex") == {str(refs.sexes[0].pk)}
    assert checked(response, "themes") == {str(refs.themes[0].pk), str(refs.themes[2].pk)}
    assert checked(response, "referrals") == {str(refs.referrals[0].pk)}
    assert re.search(r'id="desk-count"[^>]*>1<', response.content.decode())


def htmx_post(client, url, data, shown=None):
    """An entry as visit-desk.js posts it: htmx, with the count the page shows."""
    headers = {"HTTP_HX_REQUEST": "true"}
    if shown is not None:
        headers["HTTP_X_DESK_COUNT"] = str(shown)
    return client.post(url, data, **headers)


def is_whole_desk(response) -> bool:
    content = response.content.decode()
    return 'id="desk"' in content and "HX-Retarget" not in response.headers


def recorded_event(response) -> dict:
    return json.loads(response["HX-Trigger-After-Settle"])["visit-recorded"]


def rows(content: str) -> list[str]:
    """The list's rows (a page's body rows, or an answer's), whitespace between tags dropped."""
    body = re.search(r'<tbody id="desk-rows">(.*?)</tbody>', content, re.S)
    content = body.group(1) if body else content
    return [re.sub(r">\s+<", "><", row.strip()) for row in re.findall(r"<tr>.*?</tr>", content, re.S)]


def test_the_first_htmx_entry_of_the_day_redraws_the_whole_desk(client_for, coordinator_a, site_a, refs):
    """No list yet, and a period that did not exist: the whole desk comes back, ready for the next visit."""
    response = htmx_post(
        client_for(coordinator_a), desk_url(site_a), visit_data(refs, sex=refs.sexes[1].pk), 0
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "<html" not in content  # the partial only
    assert is_whole_desk(response)
    assert re.search(r'id="desk-count"[^>]*>1<', content)
    assert "data-focus-first" in content
    assert 'hx-swap-oob="innerHTML"' in content and "Passage enregistré : 1 passage ce jour." in text(
        response
    )
    # The period now exists and counts visit by visit: its status block says so.
    assert "Voir la période et son historique" in text(response)
    # The form comes back with the previous choices, ready for the next visit.
    assert checked(response, "sex") == {str(refs.sexes[1].pk)}
    assert checked(response, "channel") == {str(refs.channels[1].pk)}
    assert response["HX-Replace-Url"] == desk_url(site_a)
    assert Visit.objects.count() == 1


def test_an_htmx_entry_answers_with_its_row_the_count_and_the_announcement(
    client_for, coordinator_a, site_a, refs
):
    client = client_for(coordinator_a)
    record(site_a, coordinator_a, refs, day=TODAY)
    response = htmx_post(client, desk_url(site_a), visit_data(refs, sex=refs.sexes[1].pk), shown=1)
    assert response.status_code == 200
    content = response.content.decode()
    # The new row only, at the top of the list; neither the form nor the other rows.
    assert content.lstrip().startswith("<tr>")
    assert len(rows(content)) == 1
    assert 'id="visit-form"' not in content and 'name="sex"' not in content
    assert response["HX-Retarget"] == "#desk-rows"
    assert response["HX-Reswap"] == "afterbegin"
    assert response["HX-Replace-Url"] == desk_url(site_a)
    # The count and the live region, out of band.
    assert re.search(r'<span id="desk-count"[^>]*hx-swap-oob="true"[^>]*>2<', content)
    assert re.search(
        r'id="desk-announce" hx-swap-oob="innerHTML">Passage enregistré : 2 passages ce jour\.<', content
    )
    # The page trims its list, sets the half-day and moves the focus back on this event.
    assert recorded_event(response) == {"halfDay": half_day_now(), "limit": DESK_RECENT_ENTRIES}
    visit = Visit.objects.latest("pk")
    assert visit.sex == refs.sexes[1]
    assert reverse("stats:visit_edit", kwargs={"pk": visit.pk}) in content
    assert reverse("stats:visit_delete", kwargs={"pk": visit.pk}) in content
    # The choices are remembered: a page load offers them again.
    page = client.get(desk_url(site_a))
    assert checked(page, "sex") == {str(refs.sexes[1].pk)}
    assert checked(page, "themes") == {str(refs.themes[0].pk), str(refs.themes[2].pk)}


def test_the_new_row_shows_the_chosen_labels_as_the_list_does(client_for, coordinator_a, site_a, refs):
    client = client_for(coordinator_a)
    record(site_a, coordinator_a, refs, day=TODAY)
    data = visit_data(
        refs,
        education_level=refs.education_levels[2].pk,
        themes=[refs.themes[2].pk, refs.themes[0].pk],
        referrals=[refs.referrals[1].pk, refs.referrals[0].pk],
    )
    response = htmx_post(client, desk_url(site_a), data, shown=1)
    row = text(response)
    for label in (
        refs.contact_kinds[0].label,
        refs.sexes[0].label,
        refs.age_bands[1].label,
        f"{refs.situations[0].label} · {refs.education_levels[2].label}",
        refs.channels[1].label,
        f"{refs.themes[0].label}, {refs.themes[2].label}",
        f"{refs.service_levels[1].label}<br>→ {refs.referrals[0].label}, {refs.referrals[1].label}",
        "Matin",
    ):
        assert label in row
    # One definition of a row: the list drawn by a page load holds the very same markup.
    listed = rows(client.get(desk_url(site_a)).content.decode())
    assert listed[0] == rows(response.content.decode())[0]
    assert len(listed) == 2


def test_the_sixteenth_entry_brings_the_link_to_the_whole_day(client_for, coordinator_a, site_a, refs):
    client = client_for(coordinator_a)
    for _n in range(DESK_RECENT_ENTRIES - 1):
        record(site_a, coordinator_a, refs, day=TODAY)
    fifteenth = htmx_post(client, desk_url(site_a), visit_data(refs), shown=DESK_RECENT_ENTRIES - 1)
    assert "HX-Retarget" in fifteenth.headers
    # Its out-of-band part updates the count, and brings no link to the whole day.
    out_of_band = element_text(fifteenth, "template")
    assert str(DESK_RECENT_ENTRIES) in out_of_band
    assert "voir tous les passages du jour" not in out_of_band
    # Another visitor (the same entry again within seconds would ask for a confirmation first).
    sixteenth = htmx_post(
        client, desk_url(site_a), visit_data(refs, sex=refs.sexes[1].pk), shown=DESK_RECENT_ENTRIES
    )
    content = sixteenth.content.decode()
    assert sixteenth["HX-Retarget"] == "#desk-rows"
    assert re.search(rf'id="desk-count"[^>]*>{DESK_RECENT_ENTRIES + 1}<', content)
    assert re.search(r'<p id="desk-more"[^>]*hx-swap-oob="true"', content)
    assert f"Les {DESK_RECENT_ENTRIES} derniers passages :" in text(sixteenth)
    assert "voir tous les passages du jour" in text(sixteenth)
    # The page drops the rows beyond the latest 15.
    assert recorded_event(sixteenth)["limit"] == DESK_RECENT_ENTRIES
    # A page load shows the same list and the same link.
    page = client.get(desk_url(site_a))
    assert len(page.context["visits"]) == DESK_RECENT_ENTRIES
    assert re.search(r'<p id="desk-more"[^>]*>Les 15 derniers passages :', page.content.decode())


def test_an_entry_on_a_past_day_shown_answers_with_its_row_and_that_days_half_day(
    client_for, coordinator_a, site_a, refs
):
    day = TODAY - datetime.timedelta(days=1)
    record(site_a, coordinator_a, refs, day=day)
    response = htmx_post(
        client_for(coordinator_a),
        desk_url(site_a, day),
        visit_data(refs, day=day, half_day=HalfDay.AFTERNOON),
        shown=1,
    )
    assert response["HX-Retarget"] == "#desk-rows"
    assert response["HX-Replace-Url"] == desk_url(site_a, day)
    # Another day than today: the half-day typed stays, as a page load would offer it.
    assert recorded_event(response)["halfDay"] == HalfDay.AFTERNOON
    assert Visit.objects.filter(visited_on=day).count() == 2


def test_an_entry_on_another_day_than_the_one_shown_redraws_the_whole_desk(
    client_for, coordinator_a, site_a, refs
):
    day = TODAY - datetime.timedelta(days=1)
    record(site_a, coordinator_a, refs, day=TODAY)
    record(site_a, coordinator_a, refs, day=day)
    response = htmx_post(client_for(coordinator_a), desk_url(site_a), visit_data(refs, day=day), shown=1)
    assert is_whole_desk(response)
    # The desk follows the day typed, address bar included.
    assert response["HX-Replace-Url"] == desk_url(site_a, day)
    assert f'name="visited_on" value="{day.isoformat()}"' in response.content.decode()
    assert re.search(r'id="desk-count"[^>]*>2<', response.content.decode())


def test_a_page_out_of_step_with_the_days_list_gets_the_whole_desk(client_for, coordinator_a, site_a, refs):
    """Another desk recorded meanwhile: the page shows 1, the day now holds 3 with this entry."""
    record(site_a, coordinator_a, refs, day=TODAY)
    record(site_a, coordinator_a, refs, day=TODAY)
    response = htmx_post(client_for(coordinator_a), desk_url(site_a), visit_data(refs), shown=1)
    assert is_whole_desk(response)
    assert len(response.context["visits"]) == 3
    assert re.search(r'id="desk-count"[^>]*>3<', response.content.decode())


def test_a_list_drawn_without_its_actions_column_gets_the_whole_desk(client_for, coordinator_a, site_a, refs):
    """The list was drawn while the period was closed (no "Actions" column), then it was reopened:
    a new row with its actions would not match that list."""
    record(site_a, coordinator_a, refs, day=TODAY)
    client = client_for(coordinator_a)
    page = client.get(desk_url(site_a)).content.decode()
    assert 'data-row-actions="oui"' in page
    response = client.post(
        desk_url(site_a),
        visit_data(refs),
        HTTP_HX_REQUEST="true",
        HTTP_X_DESK_COUNT="1",
        HTTP_X_DESK_ROW_ACTIONS="non",
    )
    assert is_whole_desk(response)
    assert 'data-row-actions="oui"' in response.content.decode()
    assert Visit.objects.count() == 2


def test_a_refused_htmx_entry_redraws_the_whole_desk_with_the_errors(client_for, coordinator_a, site_a, refs):
    record(site_a, coordinator_a, refs, day=TODAY)
    response = htmx_post(client_for(coordinator_a), desk_url(site_a), visit_data(refs, sex=""), shown=1)
    assert is_whole_desk(response)
    assert "Ce champ est obligatoire." in text(response)
    assert "HX-Trigger-After-Settle" not in response.headers
    assert Visit.objects.count() == 1


def test_htmx_post_on_a_past_day_shows_that_day(client_for, coordinator_a, site_a, refs):
    day = TODAY - datetime.timedelta(days=1)
    response = client_for(coordinator_a).post(
        desk_url(site_a), visit_data(refs, day=day), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert response["HX-Replace-Url"] == desk_url(site_a, day)
    assert f'name="visited_on" value="{day.isoformat()}"' in response.content.decode()
    assert Visit.objects.get().visited_on == day


def test_reset_forgets_the_previous_choices(client_for, coordinator_a, site_a, refs):
    client = client_for(coordinator_a)
    client.post(desk_url(site_a), visit_data(refs))
    response = client.post(
        desk_url(site_a),
        {"action": "reset", "visited_on": TODAY.isoformat()},
        HTTP_HX_REQUEST="true",
        HTTP_X_DESK_COUNT="1",
    )
    assert response.status_code == 200
    assert is_whole_desk(response)
    assert checked(response, "sex") == set()
    assert checked(response, "themes") == set()
    assert Visit.objects.count() == 1
    # Without JavaScript too.
    client.post(desk_url(site_a), visit_data(refs))
    response = client.post(desk_url(site_a), {"action": "reset"})
    assert response.status_code == 302
    assert checked(client.get(response.url), "sex") == set()


def test_form_errors_are_french_and_keep_the_typed_choices(client_for, coordinator_a, site_a, refs):
    data = visit_data(refs, sex="")
    for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
        response = client_for(coordinator_a).post(desk_url(site_a), data, **headers)
        assert response.status_code == 200
        page = text(response)
        assert "Le passage n'a pas été enregistré" in page
        assert "Ce champ est obligatoire." in page
        assert checked(response, "contact_kind") == {str(refs.contact_kinds[0].pk)}
        assert checked(response, "themes") == {str(refs.themes[0].pk), str(refs.themes[2].pk)}
    assert not Visit.objects.exists()


def test_a_future_date_is_refused(client_for, coordinator_a, site_a, refs):
    data = visit_data(refs, visited_on=(TODAY + datetime.timedelta(days=1)).isoformat())
    response = client_for(coordinator_a).post(desk_url(site_a), data)
    assert "La date du passage ne peut pas être dans le futur." in text(response)
    assert not Visit.objects.exists()


def test_service_refusal_is_shown_with_the_typed_choices(
    client_for, coordinator_a, regional_coordinator, site_a, refs
):
    """The form is open today, but the date typed falls in a locked month: the service says no."""
    period = record(site_a, coordinator_a, refs).period
    close(period, coordinator_a, regional_coordinator)
    response = client_for(coordinator_a).post(
        desk_url(site_a), visit_data(refs, day=LAST_MONTH, sex=refs.sexes[1].pk), HTTP_HX_REQUEST="true"
    )
    page = text(response)
    assert response.status_code == 200
    assert "est verrouillée : demandez sa réouverture à la coordination régionale." in page
    assert checked(response, "sex") == {str(refs.sexes[1].pk)}
    assert Visit.objects.count() == 1


def test_desk_on_a_locked_month_explains_instead_of_showing_the_form(
    client_for, coordinator_a, regional_coordinator, site_a, refs
):
    visit = record(site_a, coordinator_a, refs)
    close(visit.period, coordinator_a, regional_coordinator)
    for user in (coordinator_a, regional_coordinator):
        response = client_for(user).get(desk_url(site_a, LAST_MONTH))
        page = text(response)
        assert "Verrouillée" in page
        assert "La saisie est fermée pour ce jour" in page
        assert not desk_forms(response)
        # The entry is listed without its actions.
        row = element_text(response, "#desk-rows")
        assert "Corriger" not in row and "Supprimer" not in row
        assert reverse("stats:visit_edit", kwargs={"pk": visit.pk}) not in links(response, "#desk-rows")
        # The entry itself is still listed.
        assert re.search(r'id="desk-count"[^>]*>1<', response.content.decode())


def test_a_locked_period_refuses_changes_through_every_page(
    client_for, coordinator_a, regional_coordinator, site_a, refs
):
    visit = record(site_a, coordinator_a, refs)
    close(visit.period, coordinator_a, regional_coordinator)
    for user in (coordinator_a, regional_coordinator):
        client = client_for(user)
        client.post(desk_url(site_a, LAST_MONTH), visit_data(refs, day=LAST_MONTH))
        response = client.post(
            reverse("stats:visit_edit", kwargs={"pk": visit.pk}),
            visit_data(refs, day=LAST_MONTH, sex=refs.sexes[1].pk),
        )
        assert "verrouillée" in text(response)
        response = client.post(reverse("stats:visit_delete", kwargs={"pk": visit.pk}))
        assert response.status_code == 200
        assert "verrouillée" in text(response)
    assert Visit.objects.count() == 1
    visit.refresh_from_db()
    assert visit.sex == refs.sexes[0]
    assert total(site_a) == 1


def test_a_submitted_month_is_closed_to_the_site_but_open_to_the_coordination(
    client_for, coordinator_a, regional_coordinator, site_a, refs
):
    close(
        record(site_a, coordinator_a, refs).period,
        coordinator_a,
        regional_coordinator,
        PeriodStatus.SUBMITTED,
    )
    response = client_for(coordinator_a).get(desk_url(site_a, LAST_MONTH))
    page = text(response)
    assert "Soumise" in page
    assert "seule la coordination régionale peut la modifier" in page
    assert not desk_forms(response)
    response = client_for(regional_coordinator).post(
        desk_url(site_a, LAST_MONTH), visit_data(refs, day=LAST_MONTH)
    )
    assert response.status_code == 302
    assert Visit.objects.count() == 2


def test_the_reopening_reason_is_shown_where_data_is_entered(
    client_for, coordinator_a, regional_coordinator, site_a, refs
):
    period = close(record(site_a, coordinator_a, refs).period, coordinator_a, regional_coordinator)
    services.period_reopen(period=period, author=regional_coordinator, reason="Passages du salon oubliés")
    page = text(client_for(coordinator_a).get(desk_url(site_a, LAST_MONTH)))
    assert "Passages du salon oubliés" in page
    assert 'id="visit-form"' in page


def test_an_aggregate_month_sends_the_desk_to_the_totals(client_for, coordinator_a, site_a, refs):
    services.aggregate_set(
        site=site_a,
        month=LAST_MONTH,
        author=coordinator_a,
        counts={(Dimension.TOTAL, 0, refs.sexes[0].pk): 5},
    )
    response = client_for(coordinator_a).get(desk_url(site_a, LAST_MONTH))
    page = text(response)
    assert "jamais les deux" in page
    assert aggregate_url(site_a) in page
    assert not desk_forms(response)


def test_desk_lists_the_days_entries_with_actions(
    client_for, coordinator_a, site_a, site_b, coordinator_b, refs
):
    mine = record(site_a, coordinator_a, refs, day=TODAY, themes=[refs.themes[1]])
    record(site_a, coordinator_a, refs, day=TODAY - datetime.timedelta(days=1))
    record(site_b, coordinator_b, refs, day=TODAY)
    response = client_for(coordinator_a).get(desk_url(site_a))
    content = response.content.decode()
    assert re.search(r'id="desk-count"[^>]*>1<', content)
    assert reverse("stats:visit_edit", kwargs={"pk": mine.pk}) in content
    assert reverse("stats:visit_delete", kwargs={"pk": mine.pk}) in content
    assert refs.themes[1].label in text(response)


def test_a_busy_desk_lists_the_latest_entries_and_counts_them_all(client_for, coordinator_a, site_a, refs):
    for _n in range(DESK_RECENT_ENTRIES + 3):
        record(site_a, coordinator_a, refs, day=TODAY)
    client = client_for(coordinator_a)
    response = client.get(desk_url(site_a))
    assert response.context["visit_count"] == DESK_RECENT_ENTRIES + 3
    assert len(response.context["visits"]) == DESK_RECENT_ENTRIES
    assert re.search(rf'id="desk-count"[^>]*>{DESK_RECENT_ENTRIES + 3}<', response.content.decode())
    assert "voir tous les passages du jour" in text(response)
    full = client.get(desk_url(site_a), {"tous": "1"})
    assert len(full.context["visits"]) == DESK_RECENT_ENTRIES + 3


@pytest.mark.parametrize("visits", [2, 20])
def test_desk_query_count_does_not_grow_with_the_days_entries(
    client_for, coordinator_a, site_a, refs, django_assert_num_queries, visits
):
    for _n in range(visits):
        record(site_a, coordinator_a, refs, day=TODAY, themes=refs.themes[:2], referrals=refs.referrals[:1])
    client = client_for(coordinator_a)
    # 4 for the request (session, user, role assignments, site assignments); the site; the
    # period; the day's latest visits with their choices joined, then their themes and referrals
    # (2 prefetches); the day's count when the list is capped; the nine reference lists of the form.
    capped = 1 if visits >= DESK_RECENT_ENTRIES else 0
    with django_assert_num_queries(4 + 1 + 1 + 3 + capped + 9):
        assert client.get(desk_url(site_a)).status_code == 200


# --- Corrections and deletions ------------------------------------------------------------------


def test_correction_moves_the_counts_and_returns_to_the_desk(client_for, coordinator_a, site_a, refs):
    visit = record(site_a, coordinator_a, refs, day=TODAY, themes=[refs.themes[0]])
    url = reverse("stats:visit_edit", kwargs={"pk": visit.pk})
    client = client_for(coordinator_a)
    response = client.get(url)
    assert checked(response, "themes") == {str(refs.themes[0].pk)}
    response = client.post(url, visit_data(refs, sex=refs.sexes[1].pk, themes=[refs.themes[2].pk]))
    assert response.status_code == 302
    assert response.url == desk_url(site_a)
    visit.refresh_from_db()
    assert visit.sex == refs.sexes[1]
    assert list(visit.themes.all()) == [refs.themes[2]]
    assert (
        MonthlyCount.objects.get(site=site_a, dimension=Dimension.TOTAL, sex_id=refs.sexes[1].pk).count == 1
    )


def test_correction_keeps_an_item_no_longer_offered(client_for, coordinator_a, site_a, refs):
    visit = record(site_a, coordinator_a, refs, day=TODAY)
    ContactKind.objects.filter(pk=refs.contact_kinds[0].pk).update(
        valid_until=TODAY - datetime.timedelta(days=1)
    )
    response = client_for(coordinator_a).get(reverse("stats:visit_edit", kwargs={"pk": visit.pk}))
    assert checked(response, "contact_kind") == {str(refs.contact_kinds[0].pk)}


def test_correction_to_another_month_is_refused_with_the_typed_values(
    client_for, coordinator_a, site_a, refs
):
    visit = record(site_a, coordinator_a, refs, day=TODAY)
    other_month = TODAY.replace(day=1) - datetime.timedelta(days=1)
    response = client_for(coordinator_a).post(
        reverse("stats:visit_edit", kwargs={"pk": visit.pk}),
        visit_data(refs, day=other_month, sex=refs.sexes[1].pk),
    )
    assert response.status_code == 200
    assert "Un passage reste dans son mois" in text(response)
    assert checked(response, "sex") == {str(refs.sexes[1].pk)}
    visit.refresh_from_db()
    assert visit.visited_on == TODAY


def test_deletion_asks_for_confirmation_then_uncounts(client_for, coordinator_a, site_a, refs):
    visit = record(site_a, coordinator_a, refs, day=TODAY)
    url = reverse("stats:visit_delete", kwargs={"pk": visit.pk})
    client = client_for(coordinator_a)
    response = client.get(url)
    assert "Confirmez-vous la suppression ?" in text(response)
    assert Visit.objects.exists()
    response = client.post(url)
    assert response.status_code == 302
    assert response.url == desk_url(site_a)
    assert not Visit.objects.exists()
    assert total(site_a) == 0


# --- Monthly totals -------------------------------------------------------------------------------


def aggregate_data(refs, **cells) -> dict:
    """POST data: cells given as dimension__item__sexindex=value (sex index into refs.sexes)."""
    data = {}
    for key, value in cells.items():
        dimension, item, sex = key.split("__")
        data[f"{dimension}__{item}__{refs.sexes[int(sex)].pk}"] = str(value)
    return data


def test_totals_are_saved_and_shown_again(client_for, coordinator_a, site_a, refs):
    client = client_for(coordinator_a)
    url = aggregate_url(site_a)
    age = refs.age_bands[1].pk
    data = aggregate_data(
        refs, total__0__0=12, total__0__1=8, **{f"age_band__{age}__0": 7, "age_band__0__0": 5}
    )
    response = client.post(url, data)
    assert response.status_code == 302
    period = Period.objects.get(site=site_a)
    assert period.mode == PeriodMode.AGGREGATE
    assert total(site_a) == 20
    assert AggregateCount.objects.get(dimension=Dimension.AGE_BAND, item_id=age).count == 7
    response = client.get(url)
    content = response.content.decode()
    assert re.search(rf'name="age_band__{age}__{refs.sexes[0].pk}" value="7"', content)
    assert re.search(rf'name="total__0__{refs.sexes[1].pk}" value="8"', content)
    assert "Non renseigné" in text(response) and "Aucune orientation" in text(response)


def test_blocking_errors_are_shown_at_the_top_with_the_numbers_kept(client_for, coordinator_a, site_a, refs):
    referral = refs.referrals[0].pk
    data = aggregate_data(refs, total__0__0=3, **{f"referral__{referral}__0": 9})
    response = client_for(coordinator_a).post(aggregate_url(site_a), data)
    assert response.status_code == 200
    page = text(response)
    assert "Les totaux n'ont pas été enregistrés" in page
    assert "Plus d'orientations (9) que de passages (3)" in page
    content = response.content.decode()
    assert re.search(rf'name="referral__{referral}__{refs.sexes[0].pk}" value="9"', content)
    assert re.search(rf'name="total__0__{refs.sexes[0].pk}" value="3"', content)
    assert not AggregateCount.objects.exists()


def test_negative_and_non_numeric_cells_are_refused(client_for, coordinator_a, site_a, refs):
    client = client_for(coordinator_a)
    response = client.post(aggregate_url(site_a), aggregate_data(refs, total__0__0=-2))
    assert "Nombre négatif ou manquant" in text(response)
    response = client.post(aggregate_url(site_a), aggregate_data(refs, total__0__0="douze"))
    assert response.status_code == 200
    assert re.search(rf'name="total__0__{refs.sexes[0].pk}" value="douze"', response.content.decode())
    assert not AggregateCount.objects.exists()


def test_warnings_are_shown_but_do_not_block(client_for, coordinator_a, site_a, refs, monkeypatch):
    monkeypatch.setattr(
        "stats.forms.aggregate_check",
        lambda counts: AggregateCheck(warnings=["Total bien plus bas que l'an passé."]),
    )
    client = client_for(coordinator_a)
    response = client.post(aggregate_url(site_a), aggregate_data(refs, total__0__0=4), follow=True)
    assert "Total bien plus bas que l'an passé." in text(response)
    assert "Les totaux du mois ont été enregistrés." in text(response)
    assert total(site_a) == 4


def test_totals_are_refused_for_a_detailed_month(client_for, coordinator_a, site_a, refs):
    record(site_a, coordinator_a, refs)
    client = client_for(coordinator_a)
    response = client.get(aggregate_url(site_a))
    assert "saisis un par un" in text(response)
    main = soup(response).select_one("main")
    assert main is not None
    assert not main.select('input[name^="total__"]')
    client.post(aggregate_url(site_a), aggregate_data(refs, total__0__0=50))
    assert not AggregateCount.objects.exists()
    assert total(site_a) == 1


def test_totals_of_a_locked_month_are_read_only(
    client_for, coordinator_a, regional_coordinator, site_a, refs
):
    period = services.aggregate_set(
        site=site_a,
        month=LAST_MONTH,
        author=coordinator_a,
        counts={(Dimension.TOTAL, 0, refs.sexes[0].pk): 5},
    )
    close(period, coordinator_a, regional_coordinator)
    client = client_for(regional_coordinator)
    response = client.get(aggregate_url(site_a))
    content = response.content.decode()
    assert "verrouillée" in text(response)
    assert re.search(rf'name="total__0__{refs.sexes[0].pk}" value="5"[^>]*disabled', content)
    assert "Enregistrer les totaux" not in element_text(response, "main form.aggregate-form")
    client.post(aggregate_url(site_a), aggregate_data(refs, total__0__0=50))
    assert total(site_a) == 5


def test_totals_of_a_month_to_come_and_of_no_month(client_for, coordinator_a, site_a):
    client = client_for(coordinator_a)
    next_month = (TODAY.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    page = text(client.get(aggregate_url(site_a, next_month)))
    assert "Ce mois n'a pas encore commencé" in page
    # Typed by hand (the URL converters refuse to build them): a 404, never a server error.
    for year, month in [(2024, 13), (2024, 0), (99999999999999999999, 1), (2024, 99999999999999999999)]:
        assert client.get(f"/statistiques/sites/{site_a.slug}/totaux/{year}/{month}/").status_code == 404
    assert client.get(f"/statistiques/sites/{site_a.slug}/totaux/2024/03/").status_code == 200


# --- The desk at the keyboard: first field focused, the same entry twice asked about ------------


def autofocused(response) -> list:
    return soup(response).select("[autofocus]")


def test_the_desk_opens_with_the_focus_on_the_first_field(client_for, coordinator_a, site_a, refs):
    client = client_for(coordinator_a)
    focused = autofocused(client.get(desk_url(site_a)))
    assert [(tag["name"], tag["value"]) for tag in focused] == [
        ("contact_kind", str(refs.contact_kinds[0].pk))
    ]
    # With the previous visit's choices offered again, the focus is on the checked option.
    client.post(desk_url(site_a), visit_data(refs, contact_kind=refs.contact_kinds[1].pk))
    focused = autofocused(client.get(desk_url(site_a)))
    assert [(tag["name"], tag["value"]) for tag in focused] == [
        ("contact_kind", str(refs.contact_kinds[1].pk))
    ]
    # A correction page is not a desk: nothing takes the focus on its own.
    visit = Visit.objects.get()
    assert autofocused(client.get(reverse("stats:visit_edit", kwargs={"pk": visit.pk}))) == []


def test_the_same_entry_again_within_seconds_asks_before_recording(client_for, coordinator_a, site_a, refs):
    client = client_for(coordinator_a)
    htmx_post(client, desk_url(site_a), visit_data(refs), shown=0)
    again = htmx_post(client, desk_url(site_a), visit_data(refs), shown=1)
    assert Visit.objects.count() == 1
    assert total(site_a) == 1
    # The whole desk, with the question, what was typed kept, and the confirmation focused.
    assert is_whole_desk(again)
    question = element_text(again, ".desk-duplicate")
    assert "identique à celui que vous avez enregistré il y a 0 seconde" in question
    assert "Rien n'a été enregistré" in question
    assert checked(again, "themes") == {str(refs.themes[0].pk), str(refs.themes[2].pk)}
    assert checked(again, "sex") == {str(refs.sexes[0].pk)}
    assert [(tag.name, tag.get("value")) for tag in autofocused(again)] == [("button", "confirm-duplicate")]
    assert re.search(r'id="desk-count"[^>]*>1<', again.content.decode())
    # The record button stays first: Enter in a box still means "record", and asks again.
    buttons = [b.get("value") for b in soup(again).select("#visit-form button[type=submit]")]
    assert buttons.index("record") < buttons.index("confirm-duplicate")
    # Confirmed: recorded, and the whole desk comes back without the question.
    confirmed = htmx_post(client, desk_url(site_a), visit_data(refs, action="confirm-duplicate"), shown=1)
    assert Visit.objects.count() == 2
    assert total(site_a) == 2
    assert is_whole_desk(confirmed)
    assert soup(confirmed).select(".desk-duplicate") == []
    assert "Passage enregistré : 2 passages ce jour." in text(confirmed)


def test_the_same_entry_again_without_javascript_asks_too(client_for, coordinator_a, site_a, refs):
    client = client_for(coordinator_a)
    client.post(desk_url(site_a), visit_data(refs))
    again = client.post(desk_url(site_a), visit_data(refs))
    assert again.status_code == 200
    assert Visit.objects.count() == 1
    assert "Enregistrer quand même" in text(again)
    assert client.post(desk_url(site_a), visit_data(refs, action="confirm-duplicate")).status_code == 302
    assert Visit.objects.count() == 2


def test_a_different_entry_or_a_later_one_is_recorded_at_once(
    client_for, coordinator_a, regional_coordinator, site_a, refs, time_machine
):
    client = client_for(coordinator_a)
    client.post(desk_url(site_a), visit_data(refs))
    # One choice differs (a theme less): another visitor.
    assert client.post(desk_url(site_a), visit_data(refs, themes=[refs.themes[0].pk])).status_code == 302
    # The same entry after the window: recorded.
    time_machine.move_to(NOW + datetime.timedelta(seconds=services.DUPLICATE_WINDOW_SECONDS + 1), tick=False)
    assert client.post(desk_url(site_a), visit_data(refs)).status_code == 302
    # Someone else's identical entry at the same site is theirs: recorded at once.
    other = client_for(regional_coordinator)
    assert other.post(desk_url(site_a), visit_data(refs)).status_code == 302
    assert Visit.objects.count() == 4


def test_the_duplicate_check_compares_every_choice(coordinator_a, site_a, refs):
    values = {
        "visited_on": TODAY,
        "half_day": HalfDay.MORNING,
        "contact_kind": refs.contact_kinds[0],
        "sex": refs.sexes[0],
        "themes": [refs.themes[0]],
        "referrals": [],
    }
    visit = services.visit_record(site=site_a, author=coordinator_a, **values)
    assert services.visit_recent_duplicate(site=site_a, author=coordinator_a, **values) == visit
    for change in (
        {"half_day": HalfDay.AFTERNOON},
        {"sex": refs.sexes[1]},
        {"age_band": refs.age_bands[0]},
        {"themes": []},
        {"referrals": [refs.referrals[0]]},
        {"visited_on": TODAY - datetime.timedelta(days=1)},
    ):
        assert (
            services.visit_recent_duplicate(site=site_a, author=coordinator_a, **{**values, **change}) is None
        )
