"""The public regional agenda: list, month calendar, event pages and their schema.org markup, and the
site programme tag. Anonymous visitors read it; only published events appear, never an internal field,
never a cancelled event as held."""

import datetime
import zoneinfo

import extruct
import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from events.enums import AttendanceMode, EventStatus, Registration
from events.public.sections import site_programme_section
from stats.models import Situation
from tests.events.factories import (
    EventFactory,
    EventKindFactory,
    MonthlyThemeFactory,
    TerritorialProgrammeFactory,
)
from tests.factories import (
    OrganisationFactory,
    SiteFactory,
    TerritoryFactory,
    TerritoryKindFactory,
    ThemeFactory,
    UserFactory,
)
from tests.helpers import PERSONAS, element_text, soup, text, texts
from tests.plans.factories import PlanActionFactory

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
NOW = datetime.datetime(2026, 6, 10, 10, 0, tzinfo=PARIS)

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(NOW, tick=False)]


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=PARIS)


def list_titles(response) -> list[str]:
    return [" ".join(a.get_text().split()) for a in soup(response).select(".agenda-list .agenda-title a")]


def json_ld(response) -> list[dict]:
    """The schema.org Event objects of a page, as a search engine's extractor reads them."""
    data = extruct.extract(response.content.decode(), base_url="http://testserver/", syntaxes=["json-ld"])
    return [item for item in data["json-ld"] if item.get("@type") == "Event"]


@pytest.fixture
def site(db):
    return SiteFactory(name="Espace métiers de Reims", slug="reims-agenda")


# Who reads it.


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_persona_reads_the_agenda_pages_without_login_required(as_persona, persona, site):
    event = EventFactory(sites=[site], title="Forum de l'industrie")
    client = as_persona(persona)
    for url in (
        reverse("agenda:list"),
        reverse("agenda:calendar") + "?mois=2026-06",
        event.get_public_url(),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Forum de l'industrie" in text(response)


@pytest.mark.parametrize("persona", PERSONAS)
def test_an_unpublished_event_never_appears_even_to_its_organisers(as_persona, persona, site_a):
    EventFactory(sites=[site_a], title="Forum publié")
    hidden = EventFactory(sites=[site_a], title="Atelier en préparation", published=False)
    client = as_persona(persona)
    listing = client.get(reverse("agenda:list"))
    assert list_titles(listing) == ["Forum publié"]
    month = client.get(reverse("agenda:calendar") + "?mois=2026-06")
    assert "Atelier en préparation" not in element_text(month, "main")
    assert client.get(hidden.get_public_url()).status_code == 404
    assert client.get(reverse("agenda:event_ics", kwargs={"pk": hidden.pk})).status_code == 404


def test_no_internal_field_appears(client, site):
    author = UserFactory(first_name="Dominique", last_name="Secretnom")
    programme = TerritorialProgrammeFactory(title="Programme interne", notes="Orientations confidentielles")
    event = EventFactory(
        sites=[site],
        title="Job dating santé",
        registered=417,
        present=389,
        satisfied=371,
        neutral=353,
        dissatisfied=347,
        created_by=author,
        programme=programme,
        plan_action=PlanActionFactory(title="Action du plan interne"),
    )
    internal = ["417", "389", "371", "353", "347", "Secretnom", "Programme interne", "confidentielles"]
    internal.append("Action du plan interne")
    pages = [
        element_text(client.get(reverse("agenda:list")), "main"),
        element_text(client.get(reverse("agenda:calendar") + "?mois=2026-06"), "main"),
        text(client.get(event.get_public_url())),  # the whole page: the JSON-LD is in <head>
        client.get(reverse("agenda:feed")).content.decode(),
        client.get(reverse("agenda:event_ics", kwargs={"pk": event.pk})).content.decode(),
    ]
    for page in pages:
        assert "Job dating santé" in page
        for value in internal:
            assert value not in page


def test_a_cancelled_event_is_marked_cancelled_never_held(client, site):
    event = EventFactory(
        sites=[site], title="Salon annulé", status=EventStatus.CANCELLED, cancellation_reason="Intempéries"
    )
    item = element_text(client.get(reverse("agenda:list")), ".agenda-item")
    assert "Annulé" in item
    assert "Intempéries" in item
    assert "Réalisé" not in item
    page = client.get(event.get_public_url())
    assert texts(page, "h1 .badge") == ["Annulé"]
    assert "Motif : Intempéries" in element_text(page, ".agenda-status")
    # Nobody is invited to add a cancelled event to a calendar.
    assert not soup(page).select(".agenda-add")
    month = client.get(reverse("agenda:calendar") + "?mois=2026-06")
    assert "(annulé)" in element_text(month, ".calendar-event-cancelled")


def test_a_held_cancelled_distinction_in_the_past(client, site):
    """Past events: the held one carries no badge, the cancelled one keeps « Annulé »."""
    EventFactory(sites=[site], title="Forum tenu", day=datetime.date(2026, 5, 5), status=EventStatus.HELD)
    EventFactory(
        sites=[site], title="Forum annulé", day=datetime.date(2026, 5, 6), status=EventStatus.CANCELLED
    )
    response = client.get(reverse("agenda:list") + "?du=2026-05-01&au=2026-05-31")
    items = {
        " ".join(li.select_one(".agenda-title a").get_text().split()): " ".join(li.get_text(" ").split())
        for li in soup(response).select(".agenda-item")
    }
    assert set(items) == {"Forum tenu", "Forum annulé"}
    assert "Annulé" in items["Forum annulé"]
    assert "Annulé" not in items["Forum tenu"]
    # A range in the past lists the most recent first.
    assert list_titles(response) == ["Forum annulé", "Forum tenu"]


def test_a_postponed_event_shows_its_former_date(client, site):
    event = EventFactory(
        sites=[site],
        title="Café pro reporté",
        status=EventStatus.POSTPONED,
        previous_start=at(datetime.date(2026, 6, 12), 14),
    )
    item = element_text(client.get(reverse("agenda:list")), ".agenda-item")
    assert "Reporté" in item
    assert "Initialement prévu le vendredi 12 juin 2026 à 14h00" in item
    page = client.get(event.get_public_url())
    assert "initialement prévu le vendredi 12 juin 2026 à 14h00" in element_text(page, ".agenda-status")


# The list.


def test_upcoming_dates_come_first_and_past_ones_are_left_out_by_default(client, site):
    EventFactory(sites=[site], title="Passé", day=datetime.date(2026, 6, 1))
    EventFactory(sites=[site], title="Plus tard", day=datetime.date(2026, 9, 1))
    EventFactory(sites=[site], title="Bientôt", day=datetime.date(2026, 6, 11))
    assert list_titles(client.get(reverse("agenda:list"))) == ["Bientôt", "Plus tard"]


def test_an_event_with_several_dates_is_listed_on_each(client, site):
    EventFactory(
        sites=[site],
        title="Semaine de l'industrie",
        dates=[
            (at(datetime.date(2026, 6, 15)), at(datetime.date(2026, 6, 15), 12)),
            (at(datetime.date(2026, 6, 17)), at(datetime.date(2026, 6, 17), 12)),
        ],
    )
    response = client.get(reverse("agenda:list"))
    assert list_titles(response) == ["Semaine de l'industrie", "Semaine de l'industrie"]
    assert [t.split(",")[0].strip() for t in texts(response, ".agenda-when")] == [
        "lundi 15 juin 2026",
        "mercredi 17 juin 2026",
    ]


@pytest.fixture
def varied(db):
    """Events differing by one criterion each from the « reference » one."""
    marne = TerritoryFactory(code="51", name="Marne")
    aube = TerritoryFactory(code="10", name="Aube")
    agency = TerritoryFactory(
        kind=TerritoryKindFactory(code="agence", label="Agence territoriale", order=3),
        code="AT1",
        name="Agence Sud",
    )
    reims = SiteFactory(name="Reims", slug="reims-x", departement=marne)
    troyes = SiteFactory(name="Troyes", slug="troyes-x", departement=aube)
    troyes.territories.add(agency)
    industry = ThemeFactory(code="industrie", label="Industrie")
    health = ThemeFactory(code="sante", label="Santé")
    youth = Situation.objects.create(code="jeunes", label="Jeunes")
    adults = Situation.objects.create(code="salaries", label="Salariés")
    forum = EventKindFactory(code="forum", label="Forum")
    atelier = EventKindFactory(code="atelier", label="Atelier")

    def make(
        title,
        *,
        site=reims,
        kind=forum,
        theme=industry,
        public=youth,
        mode=AttendanceMode.IN_PERSON,
        day=datetime.date(2026, 6, 20),
    ):
        event = EventFactory(title=title, sites=[site], kind=kind, mode=mode, day=day)
        event.themes.set([theme])
        event.publics.set([public])
        return event

    make("Référence")
    make("À Troyes", site=troyes)
    make("Un atelier", kind=atelier)
    make("Sur la santé", theme=health)
    make("Pour les salariés", public=adults)
    make("En ligne", mode=AttendanceMode.ONLINE)
    make("Hybride", mode=AttendanceMode.HYBRID)
    make("En juillet", day=datetime.date(2026, 7, 15))
    return {"marne": marne, "aube": aube, "agency": agency}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("site=troyes-x", {"À Troyes"}),
        ("type=atelier", {"Un atelier"}),
        ("theme=sante", {"Sur la santé"}),
        ("public=salaries", {"Pour les salariés"}),
        ("format=en-ligne", {"En ligne", "Hybride"}),
        ("du=2026-07-01", {"En juillet"}),
        (
            "du=2026-06-01&au=2026-06-30&site=reims-x&type=forum&theme=industrie&public=jeunes&format=sur-place",
            {"Référence", "Hybride"},
        ),
    ],
)
def test_each_filter_narrows_the_list(client, varied, query, expected):
    assert set(list_titles(client.get(reverse("agenda:list") + "?" + query))) == expected


def test_the_territory_filter_takes_a_departement_or_another_territory(client, varied):
    url = reverse("agenda:list")
    assert set(list_titles(client.get(f"{url}?territoire={varied['aube'].pk}"))) == {"À Troyes"}
    assert set(list_titles(client.get(f"{url}?territoire={varied['agency'].pk}"))) == {"À Troyes"}
    assert "À Troyes" not in list_titles(client.get(f"{url}?territoire={varied['marne'].pk}"))
    assert len(list_titles(client.get(f"{url}?territoire={varied['marne'].pk}"))) == 7


def test_the_filters_are_kept_in_the_pagination_links_and_the_other_views(client, site):
    for n in range(23):
        EventFactory(
            sites=[site],
            title=f"Atelier {n:02d}",
            day=datetime.date(2026, 6, 11) + datetime.timedelta(days=n),
        )
    EventFactory(title="Ailleurs")
    response = client.get(reverse("agenda:list") + f"?site={site.slug}&format=sur-place")
    assert len(list_titles(response)) == 20
    next_link = soup(response).select_one(".pagination a[rel=next]")["href"]
    assert "site=" + site.slug in next_link and "format=sur-place" in next_link and "page=2" in next_link
    second = client.get(reverse("agenda:list") + next_link)
    assert list_titles(second) == ["Atelier 20", "Atelier 21", "Atelier 22"]
    previous = soup(second).select_one(".pagination a[rel=prev]")["href"]
    assert "site=" + site.slug in previous and "format=sur-place" in previous
    calendar_link = soup(second).select_one(".agenda-views a")["href"]
    assert calendar_link.startswith(reverse("agenda:calendar")) and "site=" + site.slug in calendar_link
    assert "page=" not in calendar_link
    feed_link = soup(second).select_one(f".agenda-subscribe a[href^='{reverse('agenda:filtered_feed')}']")[
        "href"
    ]
    assert "site=" + site.slug in feed_link and "page=" not in feed_link


HOSTILE_QUERIES = [
    "du=2026-13-45&au=99999-01-01",
    "du=0001-01-01&au=9999-12-31",
    "du=2026-06-30&au=2026-06-01",
    "page=99999999999999999999",
    "page=-1",
    "page=zz",
    "territoire=99999999999999999999",
    "territoire=zz&site=zz&type=zz&theme=zz&public=zz&format=zz",
    "territoire=-1&site=%00&type=%00",
    "mois=0000-00",
    "mois=99999-12",
    "mois=2000-01",
    "mois=2100-12",
    "mois=12",
    "mois=2026-06-01",
    "site=reims-agenda&site=zz",
]


@pytest.mark.parametrize("query", HOSTILE_QUERIES)
def test_hostile_query_strings_never_give_a_server_error(client, site, query):
    EventFactory(sites=[site])
    for name in ("agenda:list", "agenda:calendar", "agenda:filtered_feed", "agenda:feed"):
        assert client.get(reverse(name) + "?" + query).status_code == 200, name


@pytest.mark.parametrize(
    "url",
    [
        "/agenda/99999999999999999999/",
        "/agenda/99999999999999999999.ics",
        "/agenda/0/",
        "/agenda/site/inconnu.ics",
        "/agenda/territoire/99999999999999999999.ics",
        "/agenda/territoire/0.ics",
    ],
)
def test_unknown_ids_answer_404(client, url):
    assert client.get(url).status_code == 404


def test_the_list_takes_a_constant_number_of_queries(client, site):
    other = SiteFactory()

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("agenda:list")).status_code == 200
        return len(queries)

    first = EventFactory(sites=[site])
    first.partners.add(OrganisationFactory())
    first.themes.add(ThemeFactory())
    few = count()
    assert few > 0
    for n in range(12):
        event = EventFactory(sites=[site, other], day=datetime.date(2026, 6, 12 + n))
        event.partners.add(OrganisationFactory())
        event.themes.add(ThemeFactory())
    assert count() == few


# The month calendar.


def test_the_month_calendar_shows_the_month_with_the_filters(client, varied):
    response = client.get(reverse("agenda:calendar") + "?mois=2026-06&type=atelier")
    assert [a.get_text() for a in soup(response).select(".calendar-month a")] == ["Un atelier"]
    assert "Juin 2026" in element_text(response, "h1")
    nxt = soup(response).select_one(".pagination a[rel=next]")["href"]
    assert "mois=2026-07" in nxt and "type=atelier" in nxt
    july = client.get(reverse("agenda:calendar") + "?mois=2026-07")
    assert [a.get_text() for a in soup(july).select(".calendar-month a")] == ["En juillet"]


def test_the_month_calendar_defaults_to_the_current_month(client, site):
    EventFactory(sites=[site], title="Ce mois-ci", day=datetime.date(2026, 6, 25))
    response = client.get(reverse("agenda:calendar"))
    assert "Juin 2026" in element_text(response, "h1")
    assert "Ce mois-ci" in element_text(response, ".calendar-month")


# The event page.


def test_the_event_page_shows_its_public_details_and_calendar_links(client, site):
    partner = OrganisationFactory(name="France Travail Reims")
    event = EventFactory(
        sites=[site],
        title="Forum de l'alternance",
        registration=Registration.PARTNER,
        registration_url="https://inscription.example/forum",
    )
    event.partners.add(partner)
    response = client.get(event.get_public_url())
    facts = element_text(response, ".agenda-facts").replace(" ,", ",")
    assert "samedi 20 juin 2026, de 10h00 à 12h00" in facts
    assert "2 rue de la Paix" in facts and "51100 Reims" in facts
    assert "Espace métiers de Reims" in facts and "France Travail Reims" in facts
    add = soup(response).select(".agenda-add a")
    assert add[0]["href"] == reverse("agenda:event_ics", kwargs={"pk": event.pk})
    google = add[1]["href"]
    assert google.startswith("https://calendar.google.com/calendar/render?action=TEMPLATE")
    assert "dates=20260620T080000Z%2F20260620T100000Z" in google
    assert "ctz=Europe%2FParis" in google


def test_the_event_page_needs_no_login_and_sets_no_inline_script_but_json_ld(client, site):
    event = EventFactory(sites=[site])
    response = client.get(event.get_public_url())
    assert response.status_code == 200
    scripts = soup(response).select("script")
    inline = [s for s in scripts if not s.get("src")]
    assert [s.get("type") for s in inline] == ["application/ld+json"]


REQUIRED = (
    "name",
    "startDate",
    "endDate",
    "location",
    "eventStatus",
    "eventAttendanceMode",
    "organizer",
    "description",
)


def test_schema_org_markup_holds_every_required_property(client, site):
    event = EventFactory(sites=[site], title="Forum des métiers de la santé", description="")
    (item,) = json_ld(client.get(event.get_public_url()))
    for prop in REQUIRED:
        assert item.get(prop), prop
    assert item["@context"].rstrip("/") in ("https://schema.org", "http://schema.org")
    assert item["name"] == "Forum des métiers de la santé"
    assert item["startDate"] == "2026-06-20T10:00:00+02:00"
    assert item["endDate"] == "2026-06-20T12:00:00+02:00"
    assert item["eventStatus"] == "https://schema.org/EventScheduled"
    assert item["eventAttendanceMode"] == "https://schema.org/OfflineEventAttendanceMode"
    assert item["location"]["@type"] == "Place"
    address = item["location"]["address"]
    assert address["@type"] == "PostalAddress"
    assert (address["streetAddress"], address["postalCode"], address["addressLocality"]) == (
        "2 rue de la Paix",
        "51100",
        "Reims",
    )
    assert address["addressCountry"] == "FR"
    assert item["organizer"] == [
        {
            "@type": "Organization",
            "name": "Espace métiers de Reims",
            "url": "http://testserver/sites/reims-agenda/",
        }
    ]
    assert item["description"]  # generated when the organiser left it empty
    assert item["url"] == f"http://testserver{event.get_public_url()}"
    assert item["offers"]["price"] == 0 and item["offers"]["priceCurrency"] == "EUR"


def test_schema_org_online_and_hybrid_locations(client, site):
    online = EventFactory(sites=[site], mode=AttendanceMode.ONLINE, online_url="https://visio.example/salle")
    hybrid = EventFactory(
        sites=[site], mode=AttendanceMode.HYBRID, online_url="https://visio.example/hybride"
    )
    (item,) = json_ld(client.get(online.get_public_url()))
    assert item["eventAttendanceMode"] == "https://schema.org/OnlineEventAttendanceMode"
    assert item["location"] == {"@type": "VirtualLocation", "url": "https://visio.example/salle"}
    (item,) = json_ld(client.get(hybrid.get_public_url()))
    assert item["eventAttendanceMode"] == "https://schema.org/MixedEventAttendanceMode"
    assert [place["@type"] for place in item["location"]] == ["Place", "VirtualLocation"]
    assert item["location"][0]["address"]["addressLocality"] == "Reims"
    assert item["location"][1]["url"] == "https://visio.example/hybride"


def test_schema_org_cancelled_and_rescheduled(client, site):
    cancelled = EventFactory(sites=[site], status=EventStatus.CANCELLED)
    postponed = EventFactory(
        sites=[site], status=EventStatus.POSTPONED, previous_start=at(datetime.date(2026, 6, 12), 14)
    )
    (item,) = json_ld(client.get(cancelled.get_public_url()))
    assert item["eventStatus"] == "https://schema.org/EventCancelled"
    for prop in REQUIRED:
        assert item.get(prop), prop
    (item,) = json_ld(client.get(postponed.get_public_url()))
    assert item["eventStatus"] == "https://schema.org/EventRescheduled"
    assert item["previousStartDate"] == "2026-06-12T14:00:00+02:00"
    assert item["startDate"] == "2026-06-20T10:00:00+02:00"


def test_schema_org_one_event_per_date_in_winter_time(client, site):
    event = EventFactory(
        sites=[site],
        dates=[
            (at(datetime.date(2026, 12, 1), 9), at(datetime.date(2026, 12, 1), 17)),
            (at(datetime.date(2026, 12, 2), 9), at(datetime.date(2026, 12, 2), 17)),
        ],
    )
    items = json_ld(client.get(event.get_public_url()))
    assert [(i["startDate"], i["endDate"]) for i in items] == [
        ("2026-12-01T09:00:00+01:00", "2026-12-01T17:00:00+01:00"),
        ("2026-12-02T09:00:00+01:00", "2026-12-02T17:00:00+01:00"),
    ]


def test_schema_org_markup_cannot_be_closed_by_a_title(client, site):
    event = EventFactory(sites=[site], title="</script><script>alert(1)</script>")
    response = client.get(event.get_public_url())
    assert b"</script><script>alert(1)" not in response.content
    (item,) = json_ld(response)
    assert item["name"] == "</script><script>alert(1)</script>"


# The site programme: the section the events app adds to a site's public page (sites/sections.py).


def render_programme(site) -> str:
    return site_programme_section(RequestFactory().get("/"), site)


def test_the_site_programme_shows_the_theme_of_the_month_and_the_next_published_events(site):
    MonthlyThemeFactory(site=site, month=datetime.date(2026, 6, 1), title="Le mois de l'industrie")
    MonthlyThemeFactory(site=site, month=datetime.date(2026, 7, 1), title="Le mois du numérique")
    EventFactory(sites=[site], title="Forum à venir", day=datetime.date(2026, 6, 20))
    EventFactory(
        sites=[site], title="Atelier annulé", day=datetime.date(2026, 6, 22), status=EventStatus.CANCELLED
    )
    EventFactory(sites=[site], title="Forum passé", day=datetime.date(2026, 6, 1))
    EventFactory(sites=[site], title="Brouillon", published=False)
    EventFactory(title="Autre site")
    html = render_programme(site)
    assert "Le mois de l'industrie" in html.replace("&#x27;", "'")
    assert "Le mois du numérique" not in html
    assert "Forum à venir" in html
    assert "Atelier annulé" in html and "Annulé" in html
    for absent in ("Forum passé", "Brouillon", "Autre site"):
        assert absent not in html
    assert f'href="{reverse("agenda:site_feed", kwargs={"slug": site.slug})}"' in html


def test_the_site_programme_without_theme_nor_event(site):
    html = render_programme(site)
    assert "Aucun événement annoncé" in html
    assert "Thème du mois" not in html


def test_the_site_programme_keeps_to_its_limit():
    site = SiteFactory()
    for n in range(8):
        EventFactory(
            sites=[site], title=f"Atelier {n}", day=datetime.date(2026, 6, 11) + datetime.timedelta(days=n)
        )
    html = render_programme(site)
    assert [f"Atelier {n}" in html for n in range(8)] == [True] * 5 + [False] * 3
