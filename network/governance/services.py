"""Writes of the steering bodies: bodies, seats, meetings, attendance, minutes and decisions.

Views call these; they don't save governance models themselves. Once a meeting's minutes are
adopted the record of that meeting (agenda, attendance, minutes, decisions' content) is frozen:
every service below refuses to change it (ValidationError), whatever the form or the request says.

When a person acts (`author` given), the service asks the same rules as the pages
(network/governance/rules.py) and refuses with PermissionDenied; loaders and scripts pass no author.
"""

import datetime
from email.mime.text import MIMEText

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from network.enums import AttendanceStatus, DecisionStatus, MeetingStatus, MinutesStatus
from network.models import User
from network.models.governance import AgendaItem, Attendance, Body, BodyMember, Decision, Meeting, Minutes
from spro.web.access import require

from . import ical
from .rules import (
    COORDINATION_ONLY,
    MEETING_FROZEN,
    MINUTES_ALREADY_ADOPTED,
    MINUTES_FROZEN,
    MINUTES_NOT_FOR_REMARKS,
    ORGANISERS_ONLY,
    minutes_are_adopted,
)

ATTENDED = (AttendanceStatus.PRESENT, AttendanceStatus.REPRESENTED)


def _refuse_if_frozen(meeting: Meeting) -> None:
    if minutes_are_adopted(meeting):
        raise ValidationError(MEETING_FROZEN)


def _require(rule: str, author: User | None, obj=None, message=ORGANISERS_ONLY) -> None:
    """A person must be allowed by the rule; a loader or a script (no author) is not asked."""
    if author is not None:
        require(rule, author, obj, message)


# Bodies and seats


@transaction.atomic
def body_save(*, body: Body, author: User | None = None) -> Body:
    """Create or update a body after full validation (scope needs its site or territory)."""
    _require("governance.manage_bodies", author, message=COORDINATION_ONLY)
    months = sorted({int(month) for month in body.required_months or []})
    if any(month < 1 or month > 12 for month in months):
        raise ValidationError({"required_months": _("Les mois vont de 1 à 12.")})
    body.required_months = months
    body._history_user = author
    body.full_clean()
    body.save()
    return body


@transaction.atomic
def body_member_save(*, member: BodyMember, author: User | None = None) -> BodyMember:
    """Add or update a seat; a mandate cannot end before it starts."""
    _require("governance.manage_body", author, member.body)
    if member.mandate_start and member.mandate_end and member.mandate_end < member.mandate_start:
        raise ValidationError({"mandate_end": _("La fin du mandat ne peut pas précéder son début.")})
    member.full_clean()
    member.save()
    return member


@transaction.atomic
def body_member_end(
    *, member: BodyMember, end_date: datetime.date | None = None, author: User | None = None
) -> BodyMember:
    """End a mandate at a date (today by default); the seat stays for the attendance history."""
    _require("governance.manage_body", author, member.body)
    end_date = end_date or timezone.localdate()
    if member.mandate_start and end_date < member.mandate_start:
        raise ValidationError({"end_date": _("La fin du mandat ne peut pas précéder son début.")})
    member.mandate_end = end_date
    member.save(update_fields=["mandate_end", "updated_at"])
    return member


# Meetings and their agenda


@transaction.atomic
def meeting_save(*, meeting: Meeting, author: User | None = None) -> Meeting:
    """Create or update a meeting; an adopted record is frozen."""
    if meeting.pk:
        _require("governance.manage_meeting", author, meeting)
        _refuse_if_frozen(meeting)
    elif author is not None:
        _require("governance.manage_body", author, meeting.body)
        meeting.created_by = author
    if meeting.ends_at and meeting.ends_at <= meeting.starts_at:
        raise ValidationError({"ends_at": _("La fin doit suivre le début.")})
    meeting._history_user = author
    meeting.full_clean()
    meeting.save()
    return meeting


@transaction.atomic
def agenda_item_save(*, item: AgendaItem, author: User | None = None) -> AgendaItem:
    """Add or change an agenda item; new items go last unless an order is given."""
    _require("governance.manage_meeting", author, item.meeting)
    _refuse_if_frozen(item.meeting)
    if not item.pk and not item.order:
        last = item.meeting.agenda.order_by("-order").values_list("order", flat=True).first()
        item.order = (last or 0) + 1
    item.full_clean()
    item.save()
    return item


@transaction.atomic
def agenda_item_delete(*, item: AgendaItem, author: User | None = None) -> None:
    _require("governance.manage_meeting", author, item.meeting)
    _refuse_if_frozen(item.meeting)
    item.delete()


@transaction.atomic
def meeting_invite(*, meeting: Meeting, author: User | None = None) -> int:
    """E-mail the convocation (agenda and an iCalendar invitation) to every current member with an
    address, and open their line of the attendance sheet. Returns the number of e-mails sent.

    Re-sending is safe: attendance rows are created once, and the .ics keeps the meeting's UID so
    calendars update the event instead of adding a second one.
    """
    _require("governance.manage_meeting", author, meeting)
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError(_("Cette réunion est annulée : aucune convocation n'est envoyée."))
    _refuse_if_frozen(meeting)
    # Lock the meeting row: two coordinators clicking "send" together must not double the rows.
    meeting = Meeting.objects.select_for_update().select_related("body").get(pk=meeting.pk)
    members = list(
        BodyMember.objects.current(timezone.localdate(meeting.starts_at)).filter(body=meeting.body)
    )
    if not members:
        raise ValidationError(_("Cette instance n'a aucun membre en cours de mandat."))
    existing = set(Attendance.objects.filter(meeting=meeting).values_list("member_id", flat=True))
    Attendance.objects.bulk_create(
        [Attendance(meeting=meeting, member=member) for member in members if member.pk not in existing]
    )
    now = timezone.now()
    is_update = meeting.invitations_sent_at is not None
    agenda = list(meeting.agenda.all())
    recipients = [member for member in members if member.email]
    calendar = ical.meeting_invitation(
        meeting, recipients, agenda=agenda, sequence=ical.sequence_at(meeting, now)
    )
    subject = (
        _("Mise à jour de la convocation : %(title)s") if is_update else _("Convocation : %(title)s")
    ) % {"title": meeting.title}
    messages = []
    for member in recipients:
        body_text = render_to_string(
            "network/governance/email/invitation.txt",
            {"meeting": meeting, "member": member, "agenda": agenda, "is_update": is_update},
        )
        message = EmailMessage(subject=subject, body=body_text, to=[member.email])
        part = MIMEText(calendar.decode(), "calendar", "utf-8")
        part.set_param("method", "REQUEST")
        part.add_header("Content-Disposition", "attachment", filename="convocation.ics")
        message.attach(part)
        messages.append(message)
    # Sent after commit: a rolled-back invitation must not have reached anyone.
    transaction.on_commit(lambda: _send_all(messages))
    meeting.invitations_sent_at = now
    meeting._history_user = author
    meeting.save(update_fields=["invitations_sent_at", "updated_at"])
    return len(messages)


def _send_all(messages: list[EmailMessage]) -> None:
    from django.core.mail import get_connection

    with get_connection() as connection:
        connection.send_messages(messages)


@transaction.atomic
def attendance_record(
    *, meeting: Meeting, lines: list[tuple[BodyMember, str, str]], author: User | None = None
) -> list[Attendance]:
    """Record the attendance sheet: (member, status, represented_by) per line; marks the meeting held
    when anyone attended."""
    _require("governance.manage_meeting", author, meeting)
    _refuse_if_frozen(meeting)
    saved = []
    for member, status, represented_by in lines:
        if member.body_id != meeting.body_id:
            raise ValidationError(_("%(name)s ne siège pas dans cette instance.") % {"name": member})
        if status not in AttendanceStatus.values:
            raise ValidationError(_("Présence inconnue pour %(name)s.") % {"name": member})
        if status == AttendanceStatus.REPRESENTED and not represented_by.strip():
            raise ValidationError(
                {"represented_by": _("Indiquez qui représente %(name)s.") % {"name": member.full_name}}
            )
        if status != AttendanceStatus.REPRESENTED:
            represented_by = ""
        attendance, _created = Attendance.objects.update_or_create(
            meeting=meeting,
            member=member,
            defaults={"status": status, "represented_by": represented_by.strip()},
        )
        saved.append(attendance)
    if any(line.status in ATTENDED for line in saved) and meeting.status == MeetingStatus.PLANNED:
        meeting.status = MeetingStatus.HELD
        meeting._history_user = author
        meeting.save(update_fields=["status", "updated_at"])
    return saved


def meeting_quorum(meeting: Meeting) -> dict:
    """Voting members present or represented against the body's quorum (read helper, no write)."""
    counted = Attendance.objects.filter(meeting=meeting, member__is_voting=True, status__in=ATTENDED).count()
    required = meeting.body.quorum
    return {"counted": counted, "required": required, "reached": counted >= required}


# Minutes


@transaction.atomic
def minutes_save(*, meeting: Meeting, text: str, author: User | None = None) -> Minutes:
    """Write or rewrite the draft minutes; adopted minutes never change."""
    _require("governance.manage_meeting", author, meeting)
    if not text.strip():
        raise ValidationError({"text": _("Le compte rendu est vide.")})
    minutes = Minutes.objects.select_for_update().filter(meeting=meeting).first()
    if minutes is None:
        minutes = Minutes(meeting=meeting)
    elif minutes.is_adopted:
        raise ValidationError(MINUTES_FROZEN)
    minutes.text = text
    minutes._history_user = author
    minutes.full_clean()
    minutes.save()
    return minutes


@transaction.atomic
def minutes_send_for_remarks(*, minutes: Minutes, author: User | None = None) -> int:
    """Send the minutes to the current members for remarks. Returns the number of e-mails sent."""
    minutes = Minutes.objects.select_for_update().select_related("meeting__body").get(pk=minutes.pk)
    _require("governance.manage_meeting", author, minutes.meeting)
    if minutes.is_adopted:
        raise ValidationError(MINUTES_NOT_FOR_REMARKS)
    meeting = minutes.meeting
    members = BodyMember.objects.current().filter(body=meeting.body).exclude(email="")
    messages = [
        EmailMessage(
            subject=_("Compte rendu à relire : %(title)s") % {"title": meeting.title},
            body=render_to_string(
                "network/governance/email/minutes_remarks.txt",
                {
                    "meeting": meeting,
                    "minutes": minutes,
                    "member": member,
                    "base_url": settings.SPRO_BASE_URL,
                },
            ),
            to=[member.email],
        )
        for member in members
    ]
    transaction.on_commit(lambda: _send_all(messages))
    minutes.status = MinutesStatus.SENT_FOR_REMARKS
    minutes.sent_at = timezone.now()
    minutes._history_user = author
    minutes.save(update_fields=["status", "sent_at", "updated_at"])
    return len(messages)


@transaction.atomic
def minutes_adopt(
    *, minutes: Minutes, adopted_in: Meeting | None = None, author: User | None = None
) -> Minutes:
    """Adopt the minutes, optionally in a later meeting of the same body; from now on they are frozen."""
    minutes = Minutes.objects.select_for_update().select_related("meeting__body").get(pk=minutes.pk)
    _require("governance.manage_meeting", author, minutes.meeting)
    if minutes.is_adopted:
        raise ValidationError(MINUTES_ALREADY_ADOPTED)
    if adopted_in is not None:
        if adopted_in.body_id != minutes.meeting.body_id:
            raise ValidationError({"adopted_in": _("Choisissez une réunion de la même instance.")})
        if adopted_in.starts_at < minutes.meeting.starts_at:
            raise ValidationError(
                {"adopted_in": _("Un compte rendu s'adopte lors d'une réunion ultérieure.")}
            )
    minutes.status = MinutesStatus.ADOPTED
    minutes.adopted_at = timezone.now()
    minutes.adopted_in = adopted_in
    minutes._history_user = author
    minutes.save(update_fields=["status", "adopted_at", "adopted_in", "updated_at"])
    return minutes


# Decisions


@transaction.atomic
def decision_save(*, decision: Decision, author: User | None = None) -> Decision:
    """Record or correct a decision's content; refused once the meeting's minutes are adopted."""
    _require("governance.manage_meeting", author, decision.meeting)
    _refuse_if_frozen(decision.meeting)
    if decision.status == DecisionStatus.DONE and not decision.done_on:
        decision.done_on = timezone.localdate()
    decision._history_user = author
    decision.full_clean()
    decision.save()
    return decision


@transaction.atomic
def decision_update_status(
    *,
    decision: Decision,
    status: str,
    done_on: datetime.date | None = None,
    author: User | None = None,
) -> Decision:
    """Follow a decision up: only its status and completion date change, even after adoption."""
    _require("governance.follow_decision", author, decision)
    if status not in DecisionStatus.values:
        raise ValidationError({"status": _("Suivi inconnu.")})
    # Only a decision carried out has a completion date.
    done_on = (done_on or timezone.localdate()) if status == DecisionStatus.DONE else None
    decision.status = status
    decision.done_on = done_on
    decision._history_user = author
    decision.save(update_fields=["status", "done_on", "updated_at"])
    return decision
