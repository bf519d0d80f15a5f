"""Fixtures of the organisers' event pages: an unpublished event of site A (Reims), one of site B
(Troyes), and the form data of a new event. The modules that use them freeze the clock on 15 June
2026, 10:00 in Paris (`pytestmark = [..., FROZEN]`): nothing here is autouse, other modules of this
folder keep their own clock."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from events.enums import EventStatus
from tests.events.factories import EventFactory, EventKindFactory

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime.datetime(2026, 6, 15, 10, tzinfo=PARIS)


FROZEN = pytest.mark.time_machine(NOW, tick=False)


@pytest.fixture
def kind(db):
    """The kind « forum » (seeded by the migrations, found by code)."""
    return EventKindFactory(code="forum", label="Forum")


@pytest.fixture
def event_a(site_a, kind):
    """Site A's unpublished forum, on 20 June 2026 (to come)."""
    return EventFactory(title="Forum de l'industrie", sites=[site_a], kind=kind, published=False)


@pytest.fixture
def past_event_a(site_a, kind):
    """Site A's forum of 10 June 2026 (past), unpublished, confirmed."""
    return EventFactory(
        title="Job dating de la santé",
        sites=[site_a],
        kind=kind,
        published=False,
        status=EventStatus.CONFIRMED,
        day=datetime.date(2026, 6, 10),
    )


@pytest.fixture
def event_b(site_b, kind):
    return EventFactory(title="Atelier CV de Troyes", sites=[site_b], kind=kind, published=False)


def event_post(site, kind, **overrides):
    """The form data of a new in-person event of `site` on 25 June 2026, 14:00–17:00."""
    data = {
        "title": "Salon de l'apprentissage",
        "kind": str(kind.pk),
        "description": "Des entreprises qui recrutent en alternance.",
        "sites": [str(site.pk)],
        "mode": "presentiel",
        "place_name": "Salle des fêtes",
        "address": "1 place de la Mairie",
        "postcode": "51100",
        "commune": "Reims",
        "online_url": "",
        "capacity": "120",
        "registration": "libre",
        "registration_url": "",
        "plan_action": "",
        "programme": "",
        "published": "on",
        "dates-TOTAL_FORMS": "1",
        "dates-INITIAL_FORMS": "0",
        "dates-MIN_NUM_FORMS": "0",
        "dates-MAX_NUM_FORMS": "1000",
        "dates-0-day": "2026-06-25",
        "dates-0-start_time": "14:00",
        "dates-0-end_time": "17:00",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}
