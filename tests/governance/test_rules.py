"""The governance rules (network/governance/rules.py), per persona and per state of the record.

The bodies: the regional commission (the partner's organisation sits in it), site A's and site B's
comités de pilotage. The coordination organises every body; a site coordinator their own site's
committee; partners and observers organise nothing. Once a meeting's minutes are adopted its record
is frozen for everyone; following its decisions up stays open.
"""

import pytest
import rules
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError

from network.enums import DecisionKind, MinutesStatus
from network.governance import services
from network.models.governance import Body, Decision, Minutes
from tests.factories import UserFactory
from tests.helpers import PERSONAS

from .conftest import held_meeting

pytestmark = pytest.mark.django_db

# Persona → the bodies (by fixture name) they organise.
ORGANISES = {
    "anonymous": set(),
    "regional_coordinator": {"commission", "copil_a", "copil_b"},
    "coordinator_a": {"copil_a"},
    "coordinator_b": {"copil_b"},
    "partner": set(),
    "observer": set(),
}


def as_user(personas, persona):
    """A fresh user object (its roles are computed once per object), or the anonymous visitor."""
    user = personas[persona]
    return AnonymousUser() if user is None else type(user).objects.get(pk=user.pk)


def allowed(rule, user, obj=None) -> bool:
    return rules.test_rule(rule, user, obj)


def write_minutes(meeting, *, adopt=False):
    minutes = services.minutes_save(meeting=meeting, text="Projet de compte rendu.")
    if adopt:
        minutes = services.minutes_adopt(minutes=minutes)
    return minutes


@pytest.mark.parametrize("persona", PERSONAS)
def test_body_rules(personas, bodies, persona):
    user = as_user(personas, persona)
    assert allowed("governance.manage_bodies", user) == (persona == "regional_coordinator")
    assert allowed("governance.read_indicators", user) == (persona in ("regional_coordinator", "observer"))
    for name, body in bodies.items():
        assert allowed("governance.manage_body", user, body) == (name in ORGANISES[persona]), name


def test_managing_a_body_matches_the_managed_by_queryset(personas, bodies):
    for persona in PERSONAS:
        user = as_user(personas, persona)
        managed = set(Body.objects.managed_by(user))
        assert {b for b in bodies.values() if allowed("governance.manage_body", user, b)} == managed


@pytest.mark.parametrize("persona", PERSONAS)
def test_meeting_rules_while_the_record_is_open(personas, meetings, persona):
    user = as_user(personas, persona)
    for name, meeting in meetings.items():
        organiser = name in ORGANISES[persona]
        assert allowed("governance.manage_meeting", user, meeting) == organiser, name
        assert allowed("governance.edit_meeting", user, meeting) == organiser, name
        assert allowed("governance.write_minutes", user, meeting) == organiser, name
        assert not allowed("governance.print_minutes", user, meeting)  # no minutes yet


@pytest.mark.parametrize("persona", PERSONAS)
def test_draft_minutes_can_be_sent_and_adopted_by_the_organisers(personas, past_meetings, persona):
    user = as_user(personas, persona)
    for name, meeting in past_meetings.items():
        minutes = write_minutes(meeting)
        organiser = name in ORGANISES[persona]
        assert allowed("governance.write_minutes", user, meeting) == organiser, name
        assert allowed("governance.send_minutes", user, minutes) == organiser, name
        assert allowed("governance.adopt_minutes", user, minutes) == organiser, name
        assert allowed("governance.print_minutes", user, meeting)


@pytest.mark.parametrize("persona", PERSONAS)
def test_adopted_minutes_freeze_the_record_for_everyone(personas, past_meetings, persona):
    user = as_user(personas, persona)
    for name, meeting in past_meetings.items():
        minutes = write_minutes(meeting, adopt=True)
        assert minutes.status == MinutesStatus.ADOPTED
        # Still the meeting's organisers…
        assert allowed("governance.manage_meeting", user, meeting) == (name in ORGANISES[persona]), name
        # …but nobody changes its record any more.
        assert not allowed("governance.edit_meeting", user, meeting), name
        assert not allowed("governance.write_minutes", user, meeting), name
        assert not allowed("governance.send_minutes", user, minutes), name
        assert not allowed("governance.adopt_minutes", user, minutes), name
        assert allowed("governance.print_minutes", user, meeting)


def test_sent_minutes_are_not_frozen(regional_coordinator, past_meetings):
    meeting = past_meetings["commission"]
    services.minutes_send_for_remarks(minutes=write_minutes(meeting))
    minutes = Minutes.objects.get()
    assert minutes.status == MinutesStatus.SENT_FOR_REMARKS
    assert rules.test_rule("governance.edit_meeting", regional_coordinator, meeting)
    assert rules.test_rule("governance.adopt_minutes", regional_coordinator, minutes)


@pytest.mark.parametrize("adopted", [False, True], ids=["open", "adopted"])
@pytest.mark.parametrize("persona", PERSONAS)
def test_following_a_decision_up(personas, past_meetings, persona, adopted):
    """The organisers and the decision's owner follow it up, before and after the adoption."""
    user = as_user(personas, persona)
    owner = UserFactory(username="responsable")
    for name, meeting in past_meetings.items():
        decision = Decision.objects.create(
            meeting=meeting, kind=DecisionKind.DECISION, summary=name, owner=owner
        )
        unowned = Decision.objects.create(meeting=meeting, kind=DecisionKind.DECISION, summary=f"{name} (2)")
        if adopted:
            write_minutes(meeting, adopt=True)
        organiser = name in ORGANISES[persona]
        assert allowed("governance.follow_decision", user, decision) == organiser, name
        assert allowed("governance.follow_decision", user, unowned) == organiser, name
        assert allowed("governance.follow_decision", owner, decision), name
        assert not allowed("governance.follow_decision", owner, unowned), name


def test_owning_a_decision_is_no_licence_to_change_the_meeting(meetings):
    owner = UserFactory(username="responsable")
    meeting = meetings["copil_a"]
    decision = Decision.objects.create(
        meeting=meeting, kind=DecisionKind.DECISION, summary="À suivre", owner=owner
    )
    assert rules.test_rule("governance.follow_decision", owner, decision)
    assert not rules.test_rule("governance.edit_meeting", owner, meeting)
    assert not rules.test_rule("governance.manage_meeting", owner, meeting)


def test_rules_without_an_object_refuse(regional_coordinator):
    for rule in (
        "manage_body",
        "manage_meeting",
        "edit_meeting",
        "write_minutes",
        "send_minutes",
        "invite_members",
        "record_attendance",
        "confirm_meeting",
        "remark_minutes",
    ):
        assert not rules.test_rule(f"governance.{rule}", regional_coordinator, None), rule
    assert not rules.test_rule("governance.follow_decision", regional_coordinator, None)


@pytest.mark.parametrize("persona", PERSONAS)
def test_dated_rules_follow_the_meeting_day(personas, meetings, persona):
    """Convening while the meeting is to come; attendance, sending and adopting from its day."""
    user = as_user(personas, persona)
    for name, meeting in meetings.items():
        organiser = name in ORGANISES[persona]
        minutes = write_minutes(meeting)
        assert allowed("governance.invite_members", user, meeting) == organiser, name
        assert not allowed("governance.record_attendance", user, meeting), name
        assert not allowed("governance.send_minutes", user, minutes), name
        assert not allowed("governance.adopt_minutes", user, minutes), name
        assert not allowed("governance.confirm_meeting", user, meeting), name
        held_meeting(meeting)
        meeting.status = "prevue"  # past and never marked: to confirm
        assert not allowed("governance.invite_members", user, meeting), name
        assert allowed("governance.record_attendance", user, meeting) == organiser, name
        assert allowed("governance.send_minutes", user, minutes) == organiser, name
        assert allowed("governance.confirm_meeting", user, meeting) == organiser, name


def test_services_ask_the_same_rules_of_their_author(coordinator_a, coordinator_b, past_meetings):
    """A person acting through a service gets the pages' refusal; loaders (no author) are not asked."""
    meeting = past_meetings["copil_a"]
    with pytest.raises(PermissionDenied, match="Seuls les organisateurs"):
        services.minutes_save(meeting=meeting, text="Intrusion", author=coordinator_b)
    minutes = services.minutes_save(meeting=meeting, text="Compte rendu.", author=coordinator_a)
    decision = Decision.objects.create(meeting=meeting, kind=DecisionKind.DECISION, summary="À suivre")
    with pytest.raises(PermissionDenied):
        services.decision_update_status(decision=decision, status="faite", author=coordinator_b)
    services.minutes_adopt(minutes=minutes, author=coordinator_a)
    # Frozen now: the organiser gets the state's refusal (a form error), and may still follow up.
    with pytest.raises(ValidationError):
        services.minutes_save(meeting=meeting, text="Réécriture", author=coordinator_a)
    decision.refresh_from_db()
    services.decision_update_status(decision=decision, status="faite", author=coordinator_a)
