"""The organisers' event pages for every persona: list, detail, create, edit, status changes.

Personas (tests/conftest.py): the regional coordinator, the coordinator of site A (Reims), the
coordinator of site B (Troyes), a partner member, a read-only observer and an anonymous visitor.
The clock is frozen on 15 June 2026, 10:00 in Paris (tests/events/conftest.py).
"""

import datetime

import pytest
from django.urls import reverse

from events import services
from events.enums import EventStatus
from events.models import Event, EventDate
from tests.events.conftest import FROZEN, PARIS, event_post
from tests.events.factories import EventFactory, EventKindFactory
from tests.helpers import PERSONAS, assert_status, links, text
from tests.plans.factories import ActionPlanFactory, PlanActionFactory

pytestmark = [pytest.mark.django_db, FROZEN]

# Reading site A's unpublished event: the coordination, observers and site A; strangers get a 404.
READ = {
    "anonymous": "login",
    "regional_coordinator": 200,
    "coordinator_a": 200,
    "coordinator_b": 404,
    "partner": 404,
    "observer": 200,
}
# Changing it: the coordination and site A; observers are refused (403), strangers see nothing (404).
MANAGE = {
    "anonymous": "login",
    "regional_coordinator": 200,
    "coordinator_a": 200,
    "coordinator_b": 404,
    "partner": 404,
    "observer": 403,
}
LIST = {
    "anonymous": "login",
    "regional_coordinator": 200,
    "coordinator_a": 200,
    "coordinator_b": 200,
    "partner": 200,
    "observer": 200,
}
CREATE = {
    "anonymous": "login",
    "regional_coordinator": 200,
    "coordinator_a": 200,
    "coordinator_b": 200,
    "partner": 403,
    "observer": 403,
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_list_and_create_pages_by_persona(persona, personas, as_persona, event_a):
    client = as_persona(persona)
    assert_status(client.get(reverse("events:list")), LIST[persona])
    assert_status(client.get(reverse("events:create")), CREATE[persona])


@pytest.mark.parametrize("persona", PERSONAS)
def test_detail_by_persona(persona, personas, as_persona, event_a):
    response = as_persona(persona).get(reverse("events:detail", kwargs={"pk": event_a.pk}))
    assert_status(response, READ[persona])
    if READ[persona] == 200:
        assert "Forum de l'industrie" in text(response)


@pytest.mark.parametrize("persona", PERSONAS)
def test_management_pages_by_persona(persona, personas, as_persona, event_a):
    client = as_persona(persona)
    for name in ("edit", "cancel", "postpone", "mark_held", "delete", "attendance"):
        response = client.get(reverse(f"events:{name}", kwargs={"pk": event_a.pk}))
        assert_status(response, MANAGE[persona])


@pytest.mark.parametrize("persona", ["coordinator_b", "partner", "observer"])
def test_strangers_and_readers_cannot_change_the_event(persona, personas, as_persona, event_a):
    client = as_persona(persona)
    pk = event_a.pk
    client.post(reverse("events:edit", kwargs={"pk": pk}), event_post(event_a.sites.get(), event_a.kind))
    client.post(reverse("events:cancel", kwargs={"pk": pk}), {"reason": "Salle indisponible"})
    client.post(reverse("events:confirm", kwargs={"pk": pk}))
    client.post(reverse("events:delete", kwargs={"pk": pk}))
    client.post(reverse("events:attendance", kwargs={"pk": pk}), {"present": "10"})
    event = Event.objects.get(pk=pk)
    assert event.title == "Forum de l'industrie"
    assert event.status == EventStatus.CONFIRMED
    assert event.present is None and event.sequence == 0


def test_list_shows_only_the_events_the_person_follows(personas, as_persona, event_a, event_b):
    published_b = EventFactory(title="Forum publié de Troyes", sites=[event_b.sites.get()], published=True)
    page = text(as_persona("coordinator_a").get(reverse("events:list")))
    assert "Forum de l'industrie" in page
    assert "Atelier CV de Troyes" not in page and published_b.title not in page
    page = text(as_persona("observer").get(reverse("events:list")))
    assert "Forum de l'industrie" in page and "Atelier CV de Troyes" in page
    response = as_persona("observer").get(reverse("events:list"))
    assert reverse("events:create") not in links(response)
    # A partner sees only the events its organisation co-organises.
    partner_org = personas["partner"].organisation
    assert "Aucun événement" in text(as_persona("partner").get(reverse("events:list")))
    event_b.partners.add(partner_org)
    page = text(as_persona("partner").get(reverse("events:list")))
    assert "Atelier CV de Troyes" in page and "Forum de l'industrie" not in page
    assert as_persona("partner").get(reverse("events:detail", kwargs={"pk": event_b.pk})).status_code == 200
    assert as_persona("partner").get(reverse("events:edit", kwargs={"pk": event_b.pk})).status_code == 403


def test_list_filters_and_search(personas, as_persona, site_a, site_b, kind, event_a, event_b):
    cafe = EventKindFactory(code="cafe-pro", label="Café pro")
    EventFactory(title="Café pro du numérique", sites=[site_a], kind=cafe, day=datetime.date(2026, 9, 3))
    client = as_persona("regional_coordinator")

    def titles(**params):
        response = client.get(reverse("events:list"), params)
        assert response.status_code == 200
        return sorted(event.title for event in response.context["page_obj"].object_list)

    assert len(titles()) == 3
    assert titles(q="café") == ["Café pro du numérique"]
    assert titles(site="troyes") == ["Atelier CV de Troyes"]
    assert titles(month="9", year="2026") == ["Café pro du numérique"]
    assert titles(year="2025") == []
    assert titles(published="non") == ["Atelier CV de Troyes", "Forum de l'industrie"]
    assert titles(kind="forum", status="confirme") == ["Atelier CV de Troyes", "Forum de l'industrie"]
    response = client.get(reverse("events:list"), {"q": "introuvable"})
    assert "Aucun événement ne correspond à ces critères." in text(response)


def test_list_query_count(personas, as_persona, site_a, kind, django_assert_max_num_queries):
    for n in range(30):
        EventFactory(sites=[site_a], kind=kind, day=datetime.date(2026, 1 + n % 12, 1 + n % 28))
    client = as_persona("coordinator_a")
    with django_assert_max_num_queries(10):
        response = client.get(reverse("events:list"))
    assert len(response.context["page_obj"].object_list) == 25


def test_detail_shows_everything_and_the_history(personas, as_persona, event_a):
    event_a.partners.add(personas["partner"].organisation)
    response = as_persona("coordinator_a").get(reverse("events:detail", kwargs={"pk": event_a.pk}))
    page = text(response)
    for expected in (
        "Forum de l'industrie",
        "samedi 20 juin 2026",
        "de 10:00 à 12:00",
        "Espace métiers",
        "France Travail Grand Est",
        "Historique des modifications",
        "création",
    ):
        assert expected in page, expected
    assert reverse("events:edit", kwargs={"pk": event_a.pk}) in links(response)
    response = as_persona("observer").get(reverse("events:detail", kwargs={"pk": event_a.pk}))
    assert reverse("events:edit", kwargs={"pk": event_a.pk}) not in links(response)


# --- Create and edit ---------------------------------------------------------------------------


def test_site_coordinator_creates_an_event_with_two_dates_in_paris_time(personas, as_persona, site_a, kind):
    data = event_post(
        site_a,
        kind,
        **{
            "dates-TOTAL_FORMS": "2",
            "dates-1-day": "2026-10-27",
            "dates-1-start_time": "09:30",
            "dates-1-end_time": "12:00",
        },
    )
    response = as_persona("coordinator_a").post(reverse("events:create"), data)
    event = Event.objects.get(title="Salon de l'apprentissage")
    assert response.status_code == 302 and response.url == event.get_absolute_url()
    starts = list(event.dates.values_list("start", "end"))
    # 25 June is summer time (UTC+2), 27 October winter time (UTC+1).
    assert starts[0] == (
        datetime.datetime(2026, 6, 25, 12, tzinfo=datetime.UTC),
        datetime.datetime(2026, 6, 25, 15, tzinfo=datetime.UTC),
    )
    assert starts[1][0] == datetime.datetime(2026, 10, 27, 8, 30, tzinfo=datetime.UTC)
    assert event.sequence == 0 and event.created_by == personas["coordinator_a"]
    assert list(event.sites.all()) == [site_a]


def test_a_site_coordinator_cannot_organise_for_another_site(personas, as_persona, site_b, kind):
    response = as_persona("coordinator_a").post(reverse("events:create"), event_post(site_b, kind))
    assert response.status_code == 200
    assert not Event.objects.exists()
    assert "sites" in response.context["form"].errors


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"place_name": "", "commune": ""}, "place_name", "Indiquez le lieu de l'événement sur place."),
        ({"commune": ""}, "commune", "Indiquez la commune du lieu."),
        ({"mode": "distanciel", "place_name": ""}, "online_url", "Indiquez le lien de connexion"),
        (
            {"mode": "hybride", "online_url": "", "place_name": "Salle"},
            "online_url",
            "Indiquez le lien de connexion",
        ),
        ({"registration": "organisateur"}, "registration_url", "Indiquez le lien d'inscription"),
        ({"registration": "partenaire"}, "registration_url", "Indiquez le lien d'inscription"),
        ({"capacity": "1000000"}, "capacity", "100"),
        ({"dates-0-end_time": "13:00"}, None, "L'heure de fin doit suivre l'heure de début."),
        ({"dates-0-day": ""}, None, "Ce champ est obligatoire."),
    ],
)
def test_validation_messages(personas, as_persona, site_a, kind, overrides, field, message):
    response = as_persona("coordinator_a").post(
        reverse("events:create"), event_post(site_a, kind, **overrides)
    )
    assert response.status_code == 200
    assert not Event.objects.exists()
    assert message in text(response)
    if field:
        assert field in response.context["form"].errors


def test_online_and_hybrid_events_are_accepted_with_their_link(personas, as_persona, site_a, kind):
    client = as_persona("coordinator_a")
    online = event_post(
        site_a,
        kind,
        title="Webinaire",
        mode="distanciel",
        place_name="",
        commune="",
        online_url="https://visio.example.fr/abc",
    )
    assert client.post(reverse("events:create"), online).status_code == 302
    hybrid = event_post(
        site_a,
        kind,
        title="Conférence hybride",
        mode="hybride",
        online_url="https://visio.example.fr/def",
        registration="organisateur",
        registration_url="https://inscription.example.fr",
    )
    assert client.post(reverse("events:create"), hybrid).status_code == 302
    assert Event.objects.count() == 2


def test_no_date_is_refused(personas, as_persona, site_a, kind):
    data = event_post(
        site_a, kind, **{"dates-0-day": None, "dates-0-start_time": None, "dates-0-end_time": None}
    )
    response = as_persona("coordinator_a").post(reverse("events:create"), data)
    assert "Indiquez au moins une date." in text(response)
    assert not Event.objects.exists()


def test_plan_action_must_belong_to_an_organising_site(personas, as_persona, site_a, site_b, kind):
    own = PlanActionFactory(plan=ActionPlanFactory(site=site_a, year=2026), title="Forum annuel")
    other = PlanActionFactory(plan=ActionPlanFactory(site=site_b, year=2026), title="Action de Troyes")
    client = as_persona("regional_coordinator")
    response = client.post(reverse("events:create"), event_post(site_a, kind, plan_action=str(other.pk)))
    assert "L'action choisie n'appartient pas au plan d'actions" in text(response)
    response = client.post(reverse("events:create"), event_post(site_a, kind, plan_action=str(own.pk)))
    assert response.status_code == 302
    assert Event.objects.get().plan_action == own
    # A site coordinator is not even offered another site's actions.
    form = as_persona("coordinator_a").get(reverse("events:create")).context["form"]
    assert list(form.fields["plan_action"].queryset) == [own]


def test_sequence_grows_with_significant_changes_only(personas, as_persona, site_a, kind, event_a):
    client = as_persona("coordinator_a")
    url = reverse("events:edit", kwargs={"pk": event_a.pk})
    dates = {
        "dates-TOTAL_FORMS": "1",
        "dates-0-day": "2026-06-20",
        "dates-0-start_time": "10:00",
        "dates-0-end_time": "12:00",
    }
    base = event_post(
        site_a,
        kind,
        title="Forum de l'industrie",
        place_name="Espace métiers",
        address="2 rue de la Paix",
        postcode="51100",
        capacity="80",
        published=None,
        **dates,
    )
    # Same title, place and dates: only the description and capacity change.
    assert client.post(url, {**base, "description": "Nouveau texte", "capacity": "90"}).status_code == 302
    event_a.refresh_from_db()
    assert event_a.sequence == 0 and event_a.capacity == 90
    assert client.post(url, {**base, "title": "Forum de l'industrie et du BTP"}).status_code == 302
    event_a.refresh_from_db()
    assert event_a.sequence == 1
    changed = {
        **base,
        "title": "Forum de l'industrie et du BTP",
        "dates-0-start_time": "14:00",
        "dates-0-end_time": "18:00",
    }
    assert client.post(url, changed).status_code == 302
    event_a.refresh_from_db()
    assert event_a.sequence == 2
    assert event_a.dates.get().start == datetime.datetime(2026, 6, 20, 14, tzinfo=PARIS)
    assert client.post(url, {**changed, "place_name": "Parc des expositions"}).status_code == 302
    event_a.refresh_from_db()
    assert event_a.sequence == 3
    assert event_a.history.count() == 5


# --- Duplicate warning -------------------------------------------------------------------------


def test_duplicate_warning_then_confirmation(personas, as_persona, site_a, kind):
    EventFactory(
        title="Salon de l'Apprentissage !", sites=[site_a], kind=kind, day=datetime.date(2026, 6, 25)
    )
    client = as_persona("coordinator_a")
    data = event_post(site_a, kind, title="Salon de l’apprentissage")
    response = client.post(reverse("events:create"), data)
    assert response.status_code == 200
    page = text(response)
    assert "Doublon possible" in page and "Salon de l'Apprentissage !" in page
    assert 'name="confirm_duplicate"' in response.content.decode()
    assert Event.objects.count() == 1
    response = client.post(reverse("events:create"), {**data, "confirm_duplicate": "on"})
    assert response.status_code == 302
    assert Event.objects.count() == 2


def test_no_warning_for_another_day_another_site_or_a_different_title(
    personas, as_persona, site_a, site_b, kind
):
    EventFactory(title="Salon de l'apprentissage", sites=[site_b], kind=kind, day=datetime.date(2026, 6, 25))
    EventFactory(title="Salon de l'apprentissage", sites=[site_a], kind=kind, day=datetime.date(2026, 6, 26))
    EventFactory(title="Atelier CV", sites=[site_a], kind=kind, day=datetime.date(2026, 6, 25))
    response = as_persona("coordinator_a").post(reverse("events:create"), event_post(site_a, kind))
    assert response.status_code == 302


def test_similarity_of_titles():
    assert services.titles_are_similar("Forum des métiers", "FORUM DES METIERS")
    assert services.titles_are_similar("Forum des métiers 2026", "Forum des métier 2026")
    assert not services.titles_are_similar("Forum des métiers", "Atelier CV")


# --- Status changes ----------------------------------------------------------------------------


def test_cancel_requires_a_reason_and_bumps_the_sequence(personas, as_persona, event_a):
    client = as_persona("coordinator_a")
    url = reverse("events:cancel", kwargs={"pk": event_a.pk})
    response = client.post(url, {"reason": "  "})
    assert response.status_code == 200 and "obligatoire" in text(response)
    response = client.post(url, {"reason": "Salle indisponible"})
    assert response.status_code == 302
    event_a.refresh_from_db()
    assert event_a.status == EventStatus.CANCELLED
    assert event_a.cancellation_reason == "Salle indisponible" and event_a.sequence == 1
    page = text(client.get(reverse("events:detail", kwargs={"pk": event_a.pk})))
    assert "Annulé : Salle indisponible" in page
    with pytest.raises(services.ValidationError):
        services.event_cancel(event=event_a, author=personas["coordinator_a"], reason="Encore")


def test_postpone_keeps_the_former_first_start(personas, as_persona, event_a):
    client = as_persona("coordinator_a")
    url = reverse("events:postpone", kwargs={"pk": event_a.pk})
    assert 'value="2026-06-20"' in client.get(url).content.decode()
    same = {
        "dates-TOTAL_FORMS": "1",
        "dates-INITIAL_FORMS": "1",
        "dates-0-day": "2026-06-20",
        "dates-0-start_time": "10:00",
        "dates-0-end_time": "12:00",
    }
    assert "identiques aux dates actuelles" in text(client.post(url, same))
    response = client.post(url, {**same, "dates-0-day": "2026-09-19"})
    assert response.status_code == 302
    event_a.refresh_from_db()
    assert event_a.status == EventStatus.POSTPONED
    assert event_a.previous_start == datetime.datetime(2026, 6, 20, 10, tzinfo=PARIS)
    assert event_a.dates.get().start == datetime.datetime(2026, 9, 19, 10, tzinfo=PARIS)
    assert event_a.sequence == 1
    assert "initialement prévu le 20 juin 2026" in text(client.get(event_a.get_absolute_url()))


def test_mark_held_once_started(personas, as_persona, event_a, past_event_a):
    client = as_persona("coordinator_a")
    client.post(reverse("events:mark_held", kwargs={"pk": event_a.pk}))
    event_a.refresh_from_db()
    assert event_a.status == EventStatus.CONFIRMED
    response = client.post(reverse("events:mark_held", kwargs={"pk": past_event_a.pk}), follow=True)
    assert "marqué réalisé" in text(response)
    past_event_a.refresh_from_db()
    assert past_event_a.status == EventStatus.HELD and past_event_a.sequence == 1


def test_confirm_a_planned_event(personas, as_persona, site_a, kind):
    event = EventFactory(sites=[site_a], kind=kind, status=EventStatus.PLANNED)
    assert (
        as_persona("coordinator_a").post(reverse("events:confirm", kwargs={"pk": event.pk})).status_code
        == 302
    )
    event.refresh_from_db()
    assert event.status == EventStatus.CONFIRMED and event.sequence == 1


def test_delete_asks_confirmation_and_refuses_published_events(personas, as_persona, site_a, kind, event_a):
    client = as_persona("coordinator_a")
    url = reverse("events:delete", kwargs={"pk": event_a.pk})
    assert "Supprimer « Forum de l'industrie » ?" in text(client.get(url))
    assert Event.objects.filter(pk=event_a.pk).exists()
    assert client.post(url).status_code == 302
    assert not Event.objects.filter(pk=event_a.pk).exists()
    published = EventFactory(sites=[site_a], kind=kind, published=True)
    response = client.post(reverse("events:delete", kwargs={"pk": published.pk}))
    assert "Un événement publié ne se supprime pas" in text(response)
    assert Event.objects.filter(pk=published.pk).exists()


def test_editing_keeps_other_sites_and_requires_one_of_ones_own(personas, as_persona, site_a, site_b, kind):
    event = EventFactory(title="Forum commun", sites=[site_a, site_b], kind=kind, published=False)
    client = as_persona("coordinator_a")
    url = reverse("events:edit", kwargs={"pk": event.pk})
    form = client.get(url).context["form"]
    assert set(form.fields["sites"].queryset) == {site_a, site_b}
    base = event_post(
        site_a,
        kind,
        title="Forum commun",
        **{"dates-0-day": "2026-06-20", "dates-0-start_time": "10:00", "dates-0-end_time": "12:00"},
    )
    response = client.post(url, {**base, "sites": [str(site_b.pk)]})
    assert "Gardez au moins un de vos sites" in text(response)
    assert client.post(url, {**base, "sites": [str(site_a.pk), str(site_b.pk)]}).status_code == 302
    # Coordinator B, also an organiser, manages it too.
    assert as_persona("coordinator_b").get(url).status_code == 200


def test_dates_are_stored_as_one_row_each(personas, site_a, kind):
    event = EventFactory(sites=[site_a], kind=kind)
    assert EventDate.objects.filter(event=event).count() == 1


def test_a_coordinator_of_one_site_finds_it_ticked(client_for, coordinator_a, site_a, kind):
    from django.urls import reverse

    from tests.helpers import soup

    page = soup(client_for(coordinator_a).get(reverse("events:create")))
    ticked = [box["value"] for box in page.select('input[name="sites"][checked]')]
    assert ticked == [str(site_a.pk)]
