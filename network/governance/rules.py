"""Who may do what with the steering bodies, their meetings, minutes and decisions.

Object rules take the object they are about: a body, a meeting, minutes or a decision. Views,
templates ({% test_rule "governance.edit_meeting" user meeting as can_write %}) and services ask
them by name; the querysets' `managed_by` filter lists the same bodies as `organises_body`.

A meeting's record (agenda, attendance, minutes, decisions' content) is frozen once its minutes
are adopted: the organisers may still follow its decisions up, nothing else.
"""

import rules
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from network.enums import BodyScope, MeetingStatus, MinutesStatus
from network.models.governance import BodyMember, Minutes
from network.rules import is_regional_coordinator, reads_whole_network

# The refusals, worded as the pages and services always have.
COORDINATION_ONLY = _("Cette page est réservée à la coordination régionale.")
ORGANISERS_ONLY = _("Seuls les organisateurs de cette instance peuvent la modifier.")
MEETING_FROZEN = _("Le compte rendu de cette réunion est adopté : elle ne peut plus être modifiée.")
MINUTES_FROZEN = _("Ce compte rendu est adopté : il ne peut plus être modifié.")
MINUTES_ALREADY_ADOPTED = _("Ce compte rendu est déjà adopté.")
MINUTES_NOT_FOR_REMARKS = _("Ce compte rendu est adopté : il n'est plus soumis à remarques.")
# Dates: what cannot happen before the meeting's day, or after its start.
NOT_HELD_YET = _(
    "Cette réunion n'a pas encore eu lieu : présences, envoi du compte rendu pour remarques et "
    "adoption sont possibles à partir du jour de la réunion."
)
ALREADY_STARTED = _(
    "Cette réunion a déjà commencé : la convocation n'est plus envoyée. Indiquez si elle s'est "
    "tenue ou si elle a été annulée."
)
MEETING_CANCELLED = _("Cette réunion est annulée : aucune convocation n'est envoyée.")
NOT_TO_CONFIRM = _("Seule une réunion encore « prévue » dont l'heure est passée est à confirmer.")
REMARKS_CLOSED = _(
    "Les remarques se font sur un compte rendu envoyé pour remarques, par les membres de l'instance."
)


def organises(user, body) -> bool:
    """The coordination organises every body; a site coordinator their own site's bodies (the same
    bodies as Body.objects.managed_by)."""
    if body is None:
        return False
    roles = user.roles
    if roles.is_regional_coordinator:
        return True
    return body.scope == BodyScope.SITE and body.site_id in roles.coordinated_site_ids


def minutes_are_adopted(meeting) -> bool:
    """True once the meeting's minutes are adopted: its record may no longer change (the services
    refuse such changes too, whoever asks)."""
    return Minutes.objects.filter(meeting=meeting, status=MinutesStatus.ADOPTED).exists()


def day_reached(meeting) -> bool:
    """The meeting's local day has come: attendance and minutes may be recorded from then on."""
    return meeting is not None and timezone.localdate() >= meeting.day


def seat_of(user, body, day=None) -> BodyMember | None:
    """The user's seat in the body, in office today or on the given day (the meeting's)."""
    if body is None or not getattr(user, "pk", None):
        return None
    days = {timezone.localdate(), day or timezone.localdate()}
    in_office = Q()
    for one in days:
        in_office |= Q(pk__in=BodyMember.objects.current(one).values("pk"))
    return BodyMember.objects.filter(body=body, user=user).filter(in_office).order_by("pk").first()


@rules.predicate
def organises_body(user, body) -> bool:
    return organises(user, body)


@rules.predicate
def organises_meeting(user, meeting) -> bool:
    return meeting is not None and organises(user, meeting.body)


@rules.predicate
def record_is_open(user, meeting) -> bool:
    """The meeting's record may still change: its minutes are not adopted."""
    return meeting is not None and not minutes_are_adopted(meeting)


@rules.predicate
def has_minutes(user, meeting) -> bool:
    return meeting is not None and Minutes.objects.filter(meeting=meeting).exists()


@rules.predicate
def organises_minutes_meeting(user, minutes) -> bool:
    return minutes is not None and organises(user, minutes.meeting.body)


@rules.predicate
def minutes_not_adopted(user, minutes) -> bool:
    return minutes is not None and minutes.status != MinutesStatus.ADOPTED


@rules.predicate
def minutes_open_for_remarks(user, minutes) -> bool:
    return minutes is not None and minutes.status == MinutesStatus.SENT_FOR_REMARKS


@rules.predicate
def sits_in_minutes_body(user, minutes) -> bool:
    return minutes is not None and seat_of(user, minutes.meeting.body, minutes.meeting.day) is not None


@rules.predicate
def meeting_day_reached(user, meeting) -> bool:
    return day_reached(meeting)


@rules.predicate
def minutes_meeting_day_reached(user, minutes) -> bool:
    return minutes is not None and day_reached(minutes.meeting)


@rules.predicate
def meeting_not_started(user, meeting) -> bool:
    return meeting is not None and not meeting.has_started


@rules.predicate
def meeting_not_cancelled(user, meeting) -> bool:
    return meeting is not None and meeting.status != MeetingStatus.CANCELLED


@rules.predicate
def meeting_to_confirm(user, meeting) -> bool:
    return meeting is not None and meeting.is_to_confirm


@rules.predicate
def organises_decision_meeting(user, decision) -> bool:
    return decision is not None and organises(user, decision.meeting.body)


@rules.predicate
def owns_decision(user, decision) -> bool:
    return decision is not None and decision.owner_id is not None and decision.owner_id == user.pk


# Creating and renaming bodies is the coordination's.
rules.add_rule("governance.manage_bodies", is_regional_coordinator)
# A body's seats and meetings: its organisers (obj: the body).
rules.add_rule("governance.manage_body", organises_body)
# A meeting, whatever the state of its record (obj: the meeting).
rules.add_rule("governance.manage_meeting", organises_meeting)
# Changing a meeting's record (details, agenda, convocations, attendance, decisions' content): its
# organisers, until the minutes are adopted (obj: the meeting).
rules.add_rule("governance.edit_meeting", organises_meeting & record_is_open)
# Sending the convocation: the organisers, while the meeting is to come and not cancelled (obj: the meeting).
rules.add_rule(
    "governance.invite_members",
    organises_meeting & record_is_open & meeting_not_cancelled & meeting_not_started,
)
# Recording the attendance: the organisers, from the meeting's day until the minutes are adopted
# (obj: the meeting).
rules.add_rule("governance.record_attendance", organises_meeting & record_is_open & meeting_day_reached)
# Saying whether a past meeting still "prévue" was held or cancelled (obj: the meeting).
rules.add_rule("governance.confirm_meeting", organises_meeting & record_is_open & meeting_to_confirm)
# Writing the minutes: the organisers, until they are adopted (obj: the meeting).
rules.add_rule("governance.write_minutes", organises_meeting & record_is_open)
# Sending the minutes for remarks and adopting them: the organisers, until adopted (obj: the minutes).
# Both from the meeting's day only.
rules.add_rule(
    "governance.send_minutes",
    organises_minutes_meeting & minutes_not_adopted & minutes_meeting_day_reached,
)
rules.add_rule(
    "governance.adopt_minutes",
    organises_minutes_meeting & minutes_not_adopted & minutes_meeting_day_reached,
)
# Remarking on minutes sent for remarks: the body's members (a seat linked to their account, in
# office today or on the meeting's day) and the organisers (obj: the minutes).
rules.add_rule(
    "governance.remark_minutes",
    (sits_in_minutes_body | organises_minutes_meeting) & minutes_open_for_remarks,
)
# Printing the minutes (the PDF): whoever sees the meeting, once minutes are written (obj: the meeting).
rules.add_rule("governance.print_minutes", has_minutes)
# Following a decision up (its status, its completion date): the organisers or the decision's owner,
# even after the minutes are adopted (obj: the decision).
rules.add_rule("governance.follow_decision", organises_decision_meeting | owns_decision)
# The network-wide governance indicators: the coordination and observers.
rules.add_rule("governance.read_indicators", reads_whole_network)
