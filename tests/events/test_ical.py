"""The public agenda's iCalendar feeds (RFC 5545): they parse, keep each UID, raise SEQUENCE after a
change, carry a VTIMEZONE, keep cancelled events as cancelled and never show an unpublished one."""

import datetime
import zoneinfo

import icalendar
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from events.enums import AttendanceMode, EventStatus
from events.models import EventDate
from events.public.ical import UID_DOMAIN
from sites.enums import LabelStatus
from tests.events.factories import EventFactory, EventKindFactory
from tests.factories import (
    OrganisationFactory,
    SiteFactory,
    TerritoryFactory,
    TerritoryKindFactory,
    ThemeFactory,
)

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
NOW = datetime.datetime(2026, 6, 10, 10, 0, tzinfo=PARIS)

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(NOW, tick=False)]


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=PARIS)


def fetch(client, url) -> icalendar.Calendar:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return icalendar.Calendar.from_ical(response.content)


def summaries(cal) -> set[str]:
    return {str(event["SUMMARY"]) for event in cal.events}


@pytest.fixture
def site(db):
    return SiteFactory(name="Espace métiers de Reims", slug="reims-agenda")


def test_the_feed_follows_rfc_5545_and_7986(client, site):
    EventFactory(sites=[site], title="Forum de l'industrie")
    response = client.get(reverse("agenda:feed"))
    body = response.content.decode()
    cal = icalendar.Calendar.from_ical(response.content)
    assert cal["VERSION"] == "2.0"
    assert "Agenda de l'orientation" in str(cal["PRODID"])
    assert str(cal["X-WR-CALNAME"]).startswith("Agenda de l'orientation")
    assert cal.refresh_interval == datetime.timedelta(hours=6)
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT6H\r\n" in body
    assert "X-PUBLISHED-TTL:PT6H\r\n" in body
    assert [tz.tz_name for tz in cal.timezones] == ["Europe/Paris"]
    assert cal.get_missing_tzids() == set()
    (event,) = cal.events
    assert "DTSTART;TZID=Europe/Paris:20260620T100000\r\n" in body
    assert "DTEND;TZID=Europe/Paris:20260620T120000\r\n" in body
    assert event.start == at(datetime.date(2026, 6, 20))
    assert event.end == at(datetime.date(2026, 6, 20), 12)
    assert str(event["STATUS"]) == "CONFIRMED"
    assert event["DTSTAMP"] and event["SEQUENCE"] == 0
    assert str(event["SUMMARY"]) == "Forum de l'industrie"
    assert "2 rue de la Paix" in str(event["LOCATION"])
    assert "Rencontrez des professionnels" in str(event["DESCRIPTION"])
    # Every line folded to 75 octets at most.
    assert max(len(line.encode()) for line in body.split("\r\n")) <= 75


def test_each_uid_is_kept_across_two_builds(client, site):
    single = EventFactory(sites=[site])
    several = EventFactory(
        sites=[site],
        dates=[
            (at(datetime.date(2026, 7, 1)), at(datetime.date(2026, 7, 1), 12)),
            (at(datetime.date(2026, 7, 2)), at(datetime.date(2026, 7, 2), 12)),
        ],
    )
    first = client.get(reverse("agenda:feed")).content
    second = client.get(reverse("agenda:feed")).content
    assert first == second  # nothing changed, nothing moves: not even DTSTAMP
    uids = [str(event["UID"]) for event in icalendar.Calendar.from_ical(first).events]
    second_date = several.dates.order_by("start")[1]
    assert sorted(uids) == sorted(
        [
            f"{single.uid}@{UID_DOMAIN}",
            f"{several.uid}@{UID_DOMAIN}",
            f"{several.uid}-{second_date.pk}@{UID_DOMAIN}",
        ]
    )


def test_a_date_change_keeps_the_uid_and_raises_the_sequence(client, site):
    event = EventFactory(sites=[site])
    (before,) = fetch(client, reverse("agenda:feed")).events
    date = event.dates.get()
    date.start, date.end = at(datetime.date(2026, 6, 27), 14), at(datetime.date(2026, 6, 27), 16)
    date.save()
    # What the organisers' service does at every significant change.
    event.sequence += 1
    event.status = EventStatus.POSTPONED
    event.previous_start = at(datetime.date(2026, 6, 20))
    event.save()
    (after,) = fetch(client, reverse("agenda:feed")).events
    assert after["UID"] == before["UID"]
    assert after["SEQUENCE"] > before["SEQUENCE"]
    assert after.start == at(datetime.date(2026, 6, 27), 14)
    assert "initialement prévu le samedi 20 juin 2026 à 10h00" in str(after["DESCRIPTION"])


def test_a_new_date_keeps_the_uids_already_given(client, site):
    event = EventFactory(sites=[site])
    (before,) = fetch(client, reverse("agenda:feed")).events
    EventDate.objects.create(
        event=event, start=at(datetime.date(2026, 6, 13)), end=at(datetime.date(2026, 6, 13), 12)
    )
    after = {event.start: str(event["UID"]) for event in fetch(client, reverse("agenda:feed")).events}
    assert after[at(datetime.date(2026, 6, 20))] == str(before["UID"])
    assert len(set(after.values())) == 2


def test_cancelled_events_stay_cancelled_and_unpublished_ones_never_appear(client, site):
    EventFactory(
        sites=[site], title="Forum annulé", status=EventStatus.CANCELLED, cancellation_reason="Travaux"
    )
    EventFactory(sites=[site], title="Atelier prévu", status=EventStatus.PLANNED)
    EventFactory(sites=[site], title="Brouillon", published=False)
    cal = fetch(client, reverse("agenda:feed"))
    by_summary = {str(event["SUMMARY"]): event for event in cal.events}
    assert set(by_summary) == {"Annulé : Forum annulé", "Atelier prévu"}
    cancelled = by_summary["Annulé : Forum annulé"]
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert "Motif : Travaux" in str(cancelled["DESCRIPTION"])
    assert str(by_summary["Atelier prévu"]["STATUS"]) == "TENTATIVE"
    for url in (
        reverse("agenda:site_feed", kwargs={"slug": site.slug}),
        reverse("agenda:territory_feed", kwargs={"pk": site.departement.pk}),
        reverse("agenda:filtered_feed"),
    ):
        assert "Brouillon" not in client.get(url).content.decode()


def test_each_entry_links_back_to_its_public_page(client, site):
    event = EventFactory(sites=[site])
    (entry,) = fetch(client, reverse("agenda:feed")).events
    assert str(entry["URL"]) == f"http://testserver{event.get_public_url()}"
    assert f"http://testserver{event.get_public_url()}" in str(entry["DESCRIPTION"])


def test_online_events_give_their_link_as_location(client, site):
    EventFactory(sites=[site], mode=AttendanceMode.ONLINE, online_url="https://visio.example/salle")
    (entry,) = fetch(client, reverse("agenda:feed")).events
    assert str(entry["LOCATION"]) == "En ligne : https://visio.example/salle"


def test_the_feeds_cover_the_past_year_and_the_future(client, site):
    EventFactory(sites=[site], title="Il y a deux ans", day=datetime.date(2024, 6, 1))
    EventFactory(sites=[site], title="Il y a six mois", day=datetime.date(2025, 12, 1))
    EventFactory(sites=[site], title="Dans un an", day=datetime.date(2027, 6, 1))
    assert summaries(fetch(client, reverse("agenda:feed"))) == {"Il y a six mois", "Dans un an"}
    # The filtered feed stays within the same window, whatever range is asked for.
    assert summaries(fetch(client, reverse("agenda:filtered_feed") + "?du=2024-01-01")) == {
        "Il y a six mois",
        "Dans un an",
    }


def test_site_territory_and_filtered_feeds(client, site):
    agency = TerritoryFactory(
        kind=TerritoryKindFactory(code="agence", label="Agence territoriale", order=3),
        code="AT2",
        name="Agence Nord",
    )
    troyes = SiteFactory(
        name="Troyes", slug="troyes-feed", departement=TerritoryFactory(code="10", name="Aube")
    )
    troyes.territories.add(agency)
    atelier = EventKindFactory(code="atelier", label="Atelier")
    EventFactory(sites=[site], title="À Reims")
    EventFactory(sites=[troyes], title="À Troyes", kind=atelier)
    EventFactory(sites=[site, troyes], title="Aux deux")
    site_feed = fetch(client, reverse("agenda:site_feed", kwargs={"slug": "troyes-feed"}))
    assert summaries(site_feed) == {"À Troyes", "Aux deux"}
    assert "Troyes" in str(site_feed["X-WR-CALNAME"])
    assert summaries(fetch(client, reverse("agenda:territory_feed", kwargs={"pk": agency.pk}))) == {
        "À Troyes",
        "Aux deux",
    }
    assert summaries(fetch(client, reverse("agenda:territory_feed", kwargs={"pk": site.departement.pk}))) == {
        "À Reims",
        "Aux deux",
    }
    assert summaries(fetch(client, reverse("agenda:filtered_feed") + "?type=atelier")) == {"À Troyes"}
    assert summaries(fetch(client, reverse("agenda:filtered_feed") + "?site=reims-agenda&type=zz")) == {
        "À Reims",
        "Aux deux",
    }


def test_the_event_file_is_a_download_with_the_feed_uids(client, site):
    event = EventFactory(sites=[site])
    EventFactory(sites=[site])
    response = client.get(reverse("agenda:event_ics", kwargs={"pk": event.pk}))
    assert response["Content-Disposition"] == f'attachment; filename="evenement-{event.pk}.ics"'
    (entry,) = icalendar.Calendar.from_ical(response.content).events
    assert str(entry["UID"]) == f"{event.uid}@{UID_DOMAIN}"
    assert icalendar.Calendar.from_ical(response.content).timezones


def test_a_site_that_is_not_public_has_no_feed(client):
    hidden = SiteFactory(slug="en-projet", label_status=LabelStatus.PROJECT)
    assert client.get(reverse("agenda:site_feed", kwargs={"slug": hidden.slug})).status_code == 404


def test_the_feed_takes_a_constant_number_of_queries(client, site):
    other = SiteFactory()

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("agenda:feed")).status_code == 200
        return len(queries)

    first = EventFactory(sites=[site])
    first.partners.add(OrganisationFactory())
    first.themes.add(ThemeFactory())
    few = count()
    assert few > 0
    for n in range(15):
        july, august = datetime.date(2026, 7, 1 + n), datetime.date(2026, 8, 1 + n)
        event = EventFactory(
            sites=[site, other], dates=[(at(july), at(july, 12)), (at(august), at(august, 12))]
        )
        event.partners.add(OrganisationFactory())
        event.themes.add(ThemeFactory())
    assert count() == few


def test_an_unchanged_feed_answers_not_modified(client, site):
    event = EventFactory(sites=[site])
    first = client.get(reverse("agenda:feed"))
    assert first["Cache-Control"] == "public, max-age=900"
    again = client.get(reverse("agenda:feed"), headers={"if-none-match": first["ETag"]})
    assert again.status_code == 304 and again.content == b""
    event.sequence += 1
    event.title = "Nouveau titre"
    event.save()
    changed = client.get(reverse("agenda:feed"), headers={"if-none-match": first["ETag"]})
    assert changed.status_code == 200 and b"Nouveau titre" in changed.content
