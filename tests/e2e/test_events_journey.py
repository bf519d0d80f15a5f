"""A site coordinator creates an event in a real browser, past a duplicate warning, and publishes it;
anyone finds it in the public agenda; once it has taken place its attendance is entered, and shows
on the site's events dashboard and in its CSV export.

The clock is the test's (time-machine, ticking): the live server runs in this process, so it reads
the same clock. The event is announced on Monday 15 June 2026 for Thursday 18 June; the attendance
is entered on Friday 19 June.
"""

import csv
import datetime
import io
import re
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from events.enums import EventStatus
from events.models import AttendanceCount, Event
from tests.events.factories import EventFactory, EventKindFactory
from tests.stats.conftest import Refs

PARIS = ZoneInfo("Europe/Paris")
ANNOUNCED = datetime.datetime(2026, 6, 15, 10, tzinfo=PARIS)
EVENT_DAY = datetime.date(2026, 6, 18)
THE_DAY_AFTER = datetime.datetime(2026, 6, 19, 9, tzinfo=PARIS)
TITLE = "Job dating de l'alternance"
# The password UserFactory gives every user (tests/factories.py).
PASSWORD = "mot-de-passe-de-test"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.time_machine(ANNOUNCED, tick=True),
]


@pytest.fixture(autouse=True)
def patient_expect():
    """A busy machine: give every expect() the context's 15 s rather than 5 s."""
    expect.set_options(timeout=15_000)
    yield
    expect.set_options(timeout=None)


def _log_in(page, username):
    page.goto(reverse("login"))
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()


def _fill_event_form(page, kind, refs):
    page.locator("input[name=title]").fill(TITLE)
    page.locator("select[name=kind]").select_option(str(kind.pk))
    page.locator("textarea[name=description]").fill(
        "Des entreprises de la Marne recrutent leurs apprentis : venez avec votre CV."
    )
    page.get_by_role("checkbox", name="Espace métiers de Reims").check()
    page.locator(f"input[name=themes][value='{refs.themes[1].pk}']").check()
    page.locator(f"input[name=publics][value='{refs.situations[0].pk}']").check()
    page.locator(f"input[name=publics][value='{refs.situations[2].pk}']").check()
    page.locator("input[name='dates-0-day']").fill(EVENT_DAY.isoformat())
    page.locator("input[name='dates-0-start_time']").fill("14:00")
    page.locator("input[name='dates-0-end_time']").fill("17:00")
    expect(page.locator("input[name=mode][value=presentiel]")).to_be_checked()
    page.locator("input[name=place_name]").fill("Espace métiers de Reims, salle Colbert")
    page.locator("input[name=address]").fill("12 rue Colbert")
    page.locator("input[name=postcode]").fill("51100")
    page.locator("input[name=commune]").fill("Reims")
    page.locator("input[name=capacity]").fill("60")
    page.locator("input[name=registration][value=organisateur]").check()
    page.locator("input[name=registration_url]").fill("https://www.example.org/job-dating-alternance")
    page.locator("input[name=published]").check()


def _anonymous_page(browser, live_server, violations):
    """A new browser context, never logged in, that also records Content-Security-Policy violations."""
    context = browser.new_context(base_url=live_server.url, locale="fr-FR", timezone_id="Europe/Paris")
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return context, page


def test_event_from_creation_to_agenda_attendance_dashboard_and_export(
    page, browser, live_server, time_machine, site_a, coordinator_a
):
    refs = Refs()
    kind = EventKindFactory(code="job-dating", label="Job dating")
    # Already in the site's diary for the same day, under a close title: the form warns of it.
    look_alike = EventFactory(
        title="Job dating alternance",
        sites=[site_a],
        kind=kind,
        status=EventStatus.PLANNED,
        published=False,
        day=EVENT_DAY,
    )

    # --- The site coordinator announces the event, past the duplicate warning, published. --------
    _log_in(page, coordinator_a.username)
    page.goto(reverse("events:list"))
    page.get_by_role("link", name="Nouvel événement").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nouvel événement")
    confirm = page.locator("input[name=confirm_duplicate]")
    expect(confirm).to_have_count(0)
    _fill_event_form(page, kind, refs)
    page.get_by_role("button", name="Enregistrer l'événement").click()

    warning = page.locator("#doublon")
    expect(warning).to_contain_text("Doublon possible")
    expect(warning.get_by_role("link", name="Job dating alternance")).to_be_visible()
    assert not Event.objects.filter(title=TITLE).exists()
    # The form comes back as typed, now with the box that says it is another event.
    expect(page.locator("input[name=title]")).to_have_value(TITLE)
    expect(page.locator("input[name='dates-0-day']")).to_have_value(EVENT_DAY.isoformat())
    expect(page.locator("input[name=published]")).to_be_checked()
    page.get_by_label("Ce n'est pas un doublon : enregistrer quand même").check()
    page.get_by_role("button", name="Enregistrer l'événement").click()

    expect(page.get_by_role("status")).to_contain_text(f"L'événement « {TITLE} » a été enregistré.")
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    event = Event.objects.get(title=TITLE)
    expect(page).to_have_url(re.compile(re.escape(reverse("events:detail", kwargs={"pk": event.pk})) + "$"))
    lead = page.locator("p.lead")
    expect(lead).to_contain_text("Prévu")
    expect(lead).to_contain_text("publié dans l'agenda")
    expect(page.locator("ul.event-dates")).to_contain_text("jeudi 18 juin 2026, de 14:00 à 17:00")
    # Before the day, attendance can't be entered yet, nor the event marked held.
    expect(page.get_by_text("La fréquentation se saisit une fois l'événement commencé.")).to_be_visible()
    expect(page.get_by_role("link", name="Marquer réalisé")).to_have_count(0)
    page.get_by_role("button", name="Confirmer").click()
    expect(page.get_by_role("status")).to_contain_text("L'événement est confirmé.")
    expect(lead).to_contain_text("Confirmé")
    assert set(event.sites.all()) == {site_a}
    assert event.published and event.created_by == coordinator_a

    # --- Anyone, without logging in, finds it in the public agenda and on its own page. ----------
    violations = []
    context, visitor = _anonymous_page(browser, live_server, violations)
    try:
        visitor.goto(reverse("agenda:list"))
        expect(visitor.get_by_role("heading", level=1)).to_have_text("Agenda de l'orientation")
        expect(visitor.get_by_role("button", name="Se déconnecter")).to_have_count(0)
        item = visitor.locator("li.agenda-item", has=visitor.get_by_role("link", name=TITLE, exact=True))
        expect(item).to_have_count(1)
        expect(item.locator(".agenda-when")).to_have_text("jeudi 18 juin 2026, 14h00 – 17h00")
        expect(item).to_contain_text("Job dating")
        expect(item).to_contain_text("Espace métiers de Reims")
        # The look-alike was never published: not in the agenda.
        expect(visitor.get_by_text("Job dating alternance", exact=True)).to_have_count(0)

        item.get_by_role("link", name=TITLE).click()
        expect(visitor).to_have_url(re.compile(re.escape(event.get_public_url()) + "$"))
        expect(visitor.get_by_role("heading", level=1)).to_have_text(TITLE)
        facts = visitor.locator("dl.agenda-facts")
        expect(facts).to_contain_text("jeudi 18 juin 2026, de 14h00 à 17h00")
        expect(facts).to_contain_text("12 rue Colbert")
        expect(facts).to_contain_text("60 places")
        expect(visitor.get_by_role("link", name="S'inscrire")).to_have_attribute(
            "href", "https://www.example.org/job-dating-alternance"
        )
        # The page is public: no internal field (attendance, status actions) shows there.
        expect(visitor.get_by_text("Fréquentation")).to_have_count(0)
        response = visitor.goto(reverse("events:detail", kwargs={"pk": event.pk}))
        assert response is not None
        # The organisers' page of the event is not for an anonymous visitor: the login page answers.
        expect(visitor.locator("input[name=password]")).to_be_visible()
    finally:
        context.close()
    assert not violations, "Content-Security-Policy violations (agenda):\n" + "\n".join(violations)

    # --- The day after, the coordinator marks it held and enters its attendance. -----------------
    time_machine.move_to(THE_DAY_AFTER)
    page.goto(reverse("events:detail", kwargs={"pk": event.pk}))
    page.get_by_role("link", name="Marquer réalisé").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"« {TITLE} » a-t-il eu lieu ?")
    page.get_by_role("button", name="Oui, marquer réalisé").click()
    expect(page.get_by_role("status")).to_contain_text("L'événement est marqué réalisé")
    expect(lead).to_contain_text("Réalisé")

    form = page.locator("form.attendance-form")
    expect(form).to_be_visible()
    form.get_by_label(re.compile(r"^Inscrits\b")).fill("45")
    form.get_by_label(re.compile(r"^Présents\b")).fill("37")
    women, men = refs.sexes
    under_26, from_26_to_44, over_45 = refs.age_bands
    jobseekers, employees, pupils = refs.situations
    breakdowns = {
        f"sex_{women.pk}": "20",
        f"sex_{men.pk}": "17",
        f"age_band_{under_26.pk}": "25",
        f"age_band_{from_26_to_44.pk}": "8",
        f"age_band_{over_45.pk}": "4",
        f"situation_{jobseekers.pk}": "22",
        f"situation_{employees.pk}": "6",
        f"situation_{pupils.pk}": "9",
    }
    for name, count in breakdowns.items():
        form.locator(f"input[name={name}]").fill(count)
    form.get_by_label(re.compile(r"^Satisfaits\b")).fill("25")
    form.get_by_label(re.compile(r"^Mitigés\b")).fill("6")
    form.get_by_label(re.compile(r"^Insatisfaits\b")).fill("2")
    form.get_by_role("button", name="Enregistrer la fréquentation").click()

    expect(page.get_by_role("status")).to_contain_text("La fréquentation de l'événement a été enregistrée.")
    attendance = page.locator("section[aria-labelledby=frequentation-titre]")
    expect(attendance.locator("dl.details")).to_contain_text("45")
    expect(attendance.locator("dl.details")).to_contain_text("37")
    expect(attendance).to_contain_text("25 satisfaits, 6 mitigés, 2 insatisfaits")
    # 37 present for 60 places, rounded.
    expect(attendance).to_contain_text("62 %")
    event.refresh_from_db()
    assert (event.status, event.registered, event.present) == (EventStatus.HELD, 45, 37)
    assert (event.satisfied, event.neutral, event.dissatisfied) == (25, 6, 2)
    assert AttendanceCount.objects.filter(event=event).count() == 8
    look_alike.refresh_from_db()
    assert look_alike.present is None

    # --- The site's events dashboard counts it, and so does its CSV export. ----------------------
    page.goto(reverse("event_stats:site", kwargs={"slug": site_a.slug}))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Statistiques des événements")
    # Two events in the period (the look-alike, past and never marked held, counts as not held).
    expect(page.locator("[data-figure=events]")).to_have_text(re.compile(r"^\s*2\s*$"))
    expect(page.locator("[data-figure=held]")).to_have_text(re.compile(r"^\s*1\s*$"))
    expect(page.locator("[data-figure=registered]")).to_have_text(re.compile(r"^\s*45\s*$"))
    expect(page.locator("[data-figure=present]")).to_have_text(re.compile(r"^\s*37\s*$"))
    expect(page.locator("[data-figure=rate-present]")).to_have_text(re.compile(r"^\s*37\s*$"))
    expect(page.locator("[data-figure=rate-capacity]")).to_have_text(re.compile(r"^\s*60\s*$"))

    export_link = page.get_by_role("link", name="Exporter en CSV")
    href = export_link.get_attribute("href")
    assert href is not None and href.startswith(reverse("event_stats:export") + "?")
    assert "format=csv" in href and f"site={site_a.slug}" in href
    with page.expect_download() as download_info:
        export_link.click()
    download = download_info.value
    assert download.suggested_filename == f"evenements-{site_a.slug}-20260101-20260619.csv"
    with open(download.path(), encoding="utf-8-sig", newline="") as file:
        rows = list(csv.reader(io.StringIO(file.read()), delimiter=";"))
    assert ["Présents (événements réalisés)", "37"] in rows
    assert ["Inscrits (événements réalisés)", "45"] in rows
    assert ["Événements réalisés", "1"] in rows
    assert ["Satisfaits", "25"] in rows
    assert ["Job dating", "2", "1", "0", "37"] in rows
