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
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from network.enums import AttendanceStatus, DecisionStatus, MeetingStatus, MinutesStatus
from network.models import User
from network.models.governance import (
    AgendaItem,
    Attendance,
    Body,
    BodyMember,
    Decision,
    Meeting,
    Minutes,
    MinutesRemark,
    RemarkOutcome,
)
from spro.web.access import require

from . import ical
from .rules import (
    ALREADY_STARTED,
    COORDINATION_ONLY,
    MEETING_CANCELLED,
    MEETING_FROZEN,
    MINUTES_ALREADY_ADOPTED,
    MINUTES_FROZEN,
    MINUTES_NOT_FOR_REMARKS,
    NOT_HELD_YET,
    NOT_TO_CONFIRM,
    ORGANISERS_ONLY,
    REMARKS_CLOSED,
    day_reached,
    minutes_are_adopted,
    seat_of,
)

ATTENDED = (AttendanceStatus.PRESENT, AttendanceStatus.REPRESENTED)


def _refuse_if_frozen(meeting: Meeting) -> None:
    if minutes_are_adopted(meeting):
        raise ValidationError(MEETING_FROZEN)


def _refuse_before_the_day(meeting: Meeting) -> None:
    """Attendance, minutes sent for remarks and adopted: not before the meeting's day."""
    if not day_reached(meeting):
        raise ValidationError(NOT_HELD_YET)


def _long_date(day: datetime.date) -> str:
    return date_format(day, "j F Y")


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
    _check_status_against_date(meeting)
    meeting._history_user = author
    meeting.full_clean()
    meeting.save()
    return meeting


def _check_status_against_date(meeting: Meeting) -> None:
    """A meeting whose start has passed is no longer "prévue"; one still to come is not "tenue"."""
    if meeting.starts_at is None:
        return
    if meeting.status == MeetingStatus.PLANNED and meeting.has_started:
        raise ValidationError(
            {
                "status": _(
                    "Cette réunion a commencé : indiquez si elle s'est tenue ou si elle a été annulée "
                    "(ou reportez-la à une date à venir)."
                )
            }
        )
    if meeting.status == MeetingStatus.HELD and not day_reached(meeting):
        raise ValidationError({"status": _("Une réunion à venir ne peut pas être marquée comme tenue.")})


@transaction.atomic
def meeting_confirm(*, meeting: Meeting, status: str, author: User | None = None) -> Meeting:
    """Say whether a meeting still "prévue" after its start was held or cancelled."""
    meeting = Meeting.objects.select_for_update().select_related("body").get(pk=meeting.pk)
    _require("governance.manage_meeting", author, meeting)
    _refuse_if_frozen(meeting)
    if status not in (MeetingStatus.HELD, MeetingStatus.CANCELLED):
        raise ValidationError({"status": _("Choisissez « tenue » ou « annulée ».")})
    if not meeting.is_to_confirm:
        raise ValidationError(NOT_TO_CONFIRM)
    meeting.status = status
    meeting._history_user = author
    meeting.save(update_fields=["status", "updated_at"])
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
    # Lock the meeting row: two coordinators clicking "send" together must not double the rows.
    meeting = Meeting.objects.select_for_update().select_related("body").get(pk=meeting.pk)
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError(MEETING_CANCELLED)
    _refuse_if_frozen(meeting)
    if meeting.has_started:
        raise ValidationError(ALREADY_STARTED)
    members = list(BodyMember.objects.current(meeting.day).filter(body=meeting.body))
    if not members:
        raise ValidationError(_("Cette instance n'a aucun membre en cours de mandat."))
    now = timezone.now()
    # Every member in office gets a line of the sheet; those with an address are convened by
    # e-mail, and their line says when and where to (the page lists who was convened).
    lines = {line.member_id: line for line in Attendance.objects.filter(meeting=meeting)}
    Attendance.objects.bulk_create(
        [Attendance(meeting=meeting, member=member) for member in members if member.pk not in lines]
    )
    lines = {line.member_id: line for line in Attendance.objects.filter(meeting=meeting)}
    convened = []
    for member in members:
        if member.email:
            line = lines[member.pk]
            line.invited_at, line.invitation_email = now, member.email
            convened.append(line)
    Attendance.objects.bulk_update(convened, ["invited_at", "invitation_email"])
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
    _refuse_before_the_day(meeting)
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
    _refuse_before_the_day(meeting)
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
    *,
    minutes: Minutes,
    adopted_in: Meeting | None = None,
    outcomes: dict[int, tuple[str, str]] | None = None,
    author: User | None = None,
) -> Minutes:
    """Adopt the minutes, optionally in a later meeting of the same body; from now on they are frozen.

    `outcomes` says, for each remark received (by its id), whether the adopted version took it:
    (RemarkOutcome, response). Every remark needs one: the adopted minutes say which they took.
    """
    minutes = Minutes.objects.select_for_update().select_related("meeting__body").get(pk=minutes.pk)
    _require("governance.manage_meeting", author, minutes.meeting)
    if minutes.is_adopted:
        raise ValidationError(MINUTES_ALREADY_ADOPTED)
    _refuse_before_the_day(minutes.meeting)
    if adopted_in is not None:
        if adopted_in.body_id != minutes.meeting.body_id:
            raise ValidationError({"adopted_in": _("Choisissez une réunion de la même instance.")})
        if adopted_in.starts_at < minutes.meeting.starts_at:
            raise ValidationError(
                {"adopted_in": _("Un compte rendu s'adopte lors d'une réunion ultérieure.")}
            )
        if adopted_in.status == MeetingStatus.CANCELLED or not day_reached(adopted_in):
            raise ValidationError(
                {
                    "adopted_in": _(
                        "La réunion du %(date)s n'a pas eu lieu : un compte rendu s'adopte lors "
                        "d'une réunion tenue."
                    )
                    % {"date": _long_date(adopted_in.day)}
                }
            )
    remarks = list(minutes.remarks.all())
    outcomes = outcomes or {}
    missing = [
        remark for remark in remarks if outcomes.get(remark.pk, ("", ""))[0] not in RemarkOutcome.values
    ]
    if missing:
        raise ValidationError(
            _("Indiquez pour chaque remarque reçue si elle est retenue (%(count)d sans réponse).")
            % {"count": len(missing)}
        )
    for remark in remarks:
        remark.outcome, response = outcomes[remark.pk]
        remark.response = (response or "").strip()[:500]
    MinutesRemark.objects.bulk_update(remarks, ["outcome", "response"])
    minutes.status = MinutesStatus.ADOPTED
    minutes.adopted_at = timezone.now()
    minutes.adopted_in = adopted_in
    minutes._history_user = author
    minutes.save(update_fields=["status", "adopted_at", "adopted_in", "updated_at"])
    return minutes


@transaction.atomic
def minutes_remark_add(*, minutes: Minutes, text: str, author: User) -> MinutesRemark:
    """Record a member's remark on minutes sent for remarks (who, when, what). The organisers read
    it on the meeting's page and say, when adopting, whether the adopted version took it."""
    minutes = Minutes.objects.select_for_update().select_related("meeting__body").get(pk=minutes.pk)
    require("governance.remark_minutes", author, minutes, REMARKS_CLOSED)
    if not minutes.is_open_for_remarks:
        raise ValidationError(REMARKS_CLOSED)
    if not text.strip():
        raise ValidationError({"text": _("La remarque est vide.")})
    seat = seat_of(author, minutes.meeting.body, minutes.meeting.day)
    remark = MinutesRemark(
        minutes=minutes,
        author=author,
        author_name=(seat.full_name if seat else "") or author.get_full_name() or author.get_username(),
        member=seat,
        text=text.strip(),
    )
    remark.full_clean()
    remark.save()
    return remark


# Decisions


@transaction.atomic
def decision_save(*, decision: Decision, author: User | None = None) -> Decision:
    """Record or correct a decision's content; refused once the meeting's minutes are adopted."""
    _require("governance.manage_meeting", author, decision.meeting)
    _refuse_if_frozen(decision.meeting)
    day = decision.meeting.day
    if decision.due_date and decision.due_date < day:
        raise ValidationError(
            {
                "due_date": _("L'échéance ne peut pas précéder la réunion qui prend la décision (%(date)s).")
                % {"date": _long_date(day)}
            }
        )
    if decision.status == DecisionStatus.DONE and not decision.done_on:
        decision.done_on = max(timezone.localdate(), day)
    _check_done_on(decision, decision.done_on)
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
    _check_done_on(decision, done_on)
    decision.status = status
    decision.done_on = done_on
    decision._history_user = author
    decision.save(update_fields=["status", "done_on", "updated_at"])
    return decision


def _check_done_on(decision: Decision, done_on: datetime.date | None) -> None:
    """A decision is carried out after the meeting that took it, and not in the future."""
    if done_on is None:
        return
    day = decision.meeting.day
    if done_on < day:
        raise ValidationError(
            {
                "done_on": _(
                    "Une décision ne peut pas être réalisée avant la réunion qui l'a prise (%(date)s)."
                )
                % {"date": _long_date(day)}
            }
        )
    if done_on > timezone.localdate():
        raise ValidationError({"done_on": _("La date de réalisation ne peut pas être dans le futur.")})
