"""Governance fixtures: a regional commission, site A's and site B's comités de pilotage, meetings.

The partner's organisation sits in the commission, so the partner reads it (and nothing else).
"""

import datetime
from zoneinfo import ZoneInfo

import pytest

from network.enums import BodyScope, MeetingStatus
from network.models.governance import Body, BodyKind, BodyMember, Meeting
from sites.models.labels import LabelApplication
from sites.models.plans import ActionPlan
from tests.factories import OrganisationFactory

# The clock is frozen on 15 June 2026 for every governance test: meetings made with
# make_meeting() fall ten days later, in the same year and in the commission's required month.
NOW = datetime.datetime(2026, 6, 15, 10, tzinfo=ZoneInfo("Europe/Paris"))
TODAY = NOW.date()
THIS_YEAR = NOW.year


@pytest.fixture(autouse=True)
def frozen_clock(time_machine):
    time_machine.move_to(NOW, tick=False)


def make_member(body, name, *, organisation=None, email=None, voting=True, **extra):
    organisation = organisation or OrganisationFactory()
    slug = name.lower().replace(" ", ".")
    return BodyMember.objects.create(
        body=body,
        full_name=name,
        organisation=organisation,
        email=f"{slug}@exemple.fr" if email is None else email,
        is_voting=voting,
        **extra,
    )


def make_meeting(body, *, days=10, **extra):
    values = {"title": f"Réunion de {body.name}", "place": "Châlons-en-Champagne"}
    values.update(extra)
    return Meeting.objects.create(body=body, starts_at=NOW + datetime.timedelta(days=days), **values)


def held_meeting(meeting, *, days=20):
    """Move a meeting into the past, held: attendance, minutes sent and adopted need its day to have come."""
    meeting.starts_at = NOW - datetime.timedelta(days=days)
    meeting.status = MeetingStatus.HELD
    meeting.save(update_fields=["starts_at", "status"])
    return meeting


@pytest.fixture
def kinds(db):
    return {
        "commission": BodyKind.objects.create(
            code="commission-regionale", label="Commission régionale", order=1
        ),
        "copil": BodyKind.objects.create(code="comite-pilotage", label="Comité de pilotage", order=3),
    }


@pytest.fixture
def commission(kinds, partner):
    body = Body.objects.create(
        name="Commission régionale des Espaces métiers",
        kind=kinds["commission"],
        scope=BodyScope.REGION,
        min_meetings_per_year=1,
        required_months=[6],
        quorum=2,
    )
    make_member(body, "Sophie Renard", organisation=partner.organisation, position="Directrice régionale")
    make_member(body, "Karim Benali")
    make_member(body, "Hélène Marchal", voting=False)
    make_member(body, "Sans Courriel", email="")
    return body


@pytest.fixture
def copil_a(kinds, site_a):
    body = Body.objects.create(
        name="Comité de pilotage de Reims", kind=kinds["copil"], scope=BodyScope.SITE, site=site_a
    )
    make_member(body, "Thomas Garnier")
    return body


@pytest.fixture
def copil_b(kinds, site_b):
    body = Body.objects.create(
        name="Comité de pilotage de Troyes", kind=kinds["copil"], scope=BodyScope.SITE, site=site_b
    )
    make_member(body, "Véronique Blanc")
    return body


@pytest.fixture
def bodies(commission, copil_a, copil_b):
    return {"commission": commission, "copil_a": copil_a, "copil_b": copil_b}


@pytest.fixture
def meetings(bodies):
    return {name: make_meeting(body) for name, body in bodies.items()}


@pytest.fixture
def past_meetings(meetings):
    """The same meetings, twenty days ago and held: their minutes may be sent and adopted."""
    return {name: held_meeting(meeting) for name, meeting in meetings.items()}


@pytest.fixture
def application_a(site_a):
    return LabelApplication.objects.create(site=site_a)


@pytest.fixture
def application_b(site_b):
    return LabelApplication.objects.create(site=site_b)


@pytest.fixture
def plan_a(site_a):
    return ActionPlan.objects.create(site=site_a, year=THIS_YEAR)
