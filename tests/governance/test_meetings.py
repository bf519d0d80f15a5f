"""Meetings: creation, agenda, invitations (.ics), attendance sheet and quorum."""

import datetime
from email import message_from_bytes

import icalendar
import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.urls import reverse

from network.enums import AttendanceStatus, MeetingStatus
from network.governance import services
from network.models.governance import Attendance, Meeting
from tests.helpers import PERSONAS, text, texts

from .conftest import NOW, held_meeting, make_member

READ_ALL = {
    "regional_coordinator": 200,
    "coordinator_a": 200,
    "coordinator_b": 200,
    "partner": 200,
    "observer": 200,
}
COORDINATION_ONLY = {
    "regional_coordinator": 200,
    "coordinator_a": 403,
    "coordinator_b": 403,
    "partner": 403,
    "observer": 403,
}
COPIL_A_READ = {
    "regional_coordinator": 200,
    "coordinator_a": 200,
    "coordinator_b": 404,
    "partner": 404,
    "observer": 200,
}
COPIL_A_MANAGE = {
    "regional_coordinator": 200,
    "coordinator_a": 200,
    "coordinator_b": 404,
    "partner": 404,
    "observer": 403,
}
COPIL_B_MANAGE = {
    "regional_coordinator": 200,
    "coordinator_a": 404,
    "coordinator_b": 200,
    "partner": 404,
    "observer": 403,
}


def url(name, obj):
    return reverse(f"governance:{name}", args=[obj.pk])


PAGES = [
    ("create_commission", lambda b, m: url("meeting_create", b["commission"]), COORDINATION_ONLY),
    ("create_copil_a", lambda b, m: url("meeting_create", b["copil_a"]), COPIL_A_MANAGE),
    ("create_copil_b", lambda b, m: url("meeting_create", b["copil_b"]), COPIL_B_MANAGE),
    ("detail_commission", lambda b, m: url("meeting_detail", m["commission"]), READ_ALL),
    ("detail_copil_a", lambda b, m: url("meeting_detail", m["copil_a"]), COPIL_A_READ),
    ("edit_copil_a", lambda b, m: url("meeting_edit", m["copil_a"]), COPIL_A_MANAGE),
    ("edit_commission", lambda b, m: url("meeting_edit", m["commission"]), COORDINATION_ONLY),
    ("agenda_copil_a", lambda b, m: url("agenda_item_add", m["copil_a"]), COPIL_A_MANAGE),
    # Attendance is recorded from the meeting's day: these meetings are moved into the past.
    ("attendance_copil_a", lambda b, m: url("attendance_edit", held_meeting(m["copil_a"])), COPIL_A_MANAGE),
    (
        "attendance_commission",
        lambda b, m: url("attendance_edit", held_meeting(m["commission"])),
        COORDINATION_ONLY,
    ),
    ("sheet_commission", lambda b, m: url("attendance_sheet", m["commission"]), READ_ALL),
    ("sheet_copil_a", lambda b, m: url("attendance_sheet", m["copil_a"]), COPIL_A_READ),
]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("name", "url_for", "expected"), PAGES, ids=[page[0] for page in PAGES])
def test_every_meeting_page_answers_each_persona(
    as_persona, bodies, meetings, persona, name, url_for, expected
):
    client = as_persona(persona)
    target = url_for(bodies, meetings)

    response = client.get(target)

    if persona == "anonymous":
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('login')}?next={target}"
    else:
        assert response.status_code == expected[persona], name


def test_coordinator_a_creates_a_meeting_of_their_committee(client_for, coordinator_a, copil_a, copil_b):
    client = client_for(coordinator_a)
    data = {
        "title": "Comité de pilotage de fin d'année",
        "starts_at": "2026-12-04T14:00",
        "ends_at": "2026-12-04T16:00",
        "place": "Maison de l'emploi de Reims",
        "video_link": "visio.exemple.fr/copil",
        "status": MeetingStatus.PLANNED,
    }

    response = client.post(url("meeting_create", copil_a), data)
    other = client.post(url("meeting_create", copil_b), data)

    meeting = Meeting.objects.get(body=copil_a)
    assert response.status_code == 302
    assert response["Location"] == url("meeting_detail", meeting)
    assert meeting.video_link == "https://visio.exemple.fr/copil"
    assert meeting.created_by == coordinator_a
    assert other.status_code == 404
    assert not Meeting.objects.filter(body=copil_b).exists()


def test_meeting_end_must_follow_start(client_for, regional_coordinator, commission):
    response = client_for(regional_coordinator).post(
        url("meeting_create", commission),
        {
            "title": "À l'envers",
            "starts_at": "2026-12-04T14:00",
            "ends_at": "2026-12-04T10:00",
            "status": "prevue",
        },
    )

    assert response.status_code == 200
    assert "La fin doit suivre le début." in text(response)


def test_agenda_subjects_are_those_the_user_reads(
    client_for, coordinator_a, meetings, application_a, application_b, plan_a
):
    client = client_for(coordinator_a)
    meeting = meetings["copil_a"]
    page = client.get(url("agenda_item_add", meeting))
    choices = dict(page.context["form"].fields["subject"].choices)
    offered = {value for group in choices.values() if isinstance(group, list) for value, _label in group}
    application_type = ContentType.objects.get_for_model(application_a)

    refused = client.post(
        url("agenda_item_add", meeting),
        {"title": "Candidature de Troyes", "subject": f"{application_type.pk}:{application_b.pk}"},
    )
    accepted = client.post(
        url("agenda_item_add", meeting),
        {
            "title": "Candidature de Reims",
            "duration_minutes": 20,
            "presenter": "CTEM",
            "subject": f"{application_type.pk}:{application_a.pk}",
        },
    )

    assert f"{application_type.pk}:{application_a.pk}" in offered
    assert f"{application_type.pk}:{application_b.pk}" not in offered
    assert refused.status_code == 200
    assert accepted.status_code == 302
    item = meeting.agenda.get()
    assert item.subject == application_a
    assert item.order == 1
    detail = client.get(url("meeting_detail", meeting))
    assert "Candidature de Reims" in text(detail)


def _ics(message):
    raw = message_from_bytes(message.message().as_bytes())
    parts = [part for part in raw.walk() if part.get_content_type() == "text/calendar"]
    assert len(parts) == 1
    assert parts[0].get_param("method") == "REQUEST"
    return icalendar.Calendar.from_ical(parts[0].get_payload(decode=True))


def test_invitation_mails_members_with_an_ics_and_opens_the_sheet(
    client_for, regional_coordinator, commission, meetings, django_capture_on_commit_callbacks
):
    meeting = meetings["commission"]
    meeting.agenda.create(order=1, title="Feuille de route régionale", duration_minutes=60)
    client = client_for(regional_coordinator)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("meeting_invite", meeting))

    assert response.status_code == 302
    # Four members, one without an e-mail address: three e-mails, four lines on the sheet.
    assert sorted(m.to[0] for m in mail.outbox) == [
        "hélène.marchal@exemple.fr",
        "karim.benali@exemple.fr",
        "sophie.renard@exemple.fr",
    ]
    first = mail.outbox[0]
    assert first.subject.startswith("Convocation")
    assert "Feuille de route régionale" in first.body
    calendar = _ics(first)
    event = calendar.events[0]
    assert calendar["method"] == "REQUEST"
    assert str(event["uid"]) == f"reunion-{meeting.pk}@127.0.0.1"
    assert event.decoded("dtstart") == meeting.starts_at
    assert Attendance.objects.filter(meeting=meeting, status=AttendanceStatus.INVITED).count() == 4
    meeting.refresh_from_db()
    assert meeting.invitations_sent_at is not None

    # Re-sending updates the same event and does not duplicate the sheet.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("meeting_invite", meeting))
    assert Attendance.objects.filter(meeting=meeting).count() == 4
    assert mail.outbox[0].subject.startswith("Mise à jour de la convocation")
    resent = _ics(mail.outbox[0]).events[0]
    assert str(resent["uid"]) == str(event["uid"])
    assert resent["sequence"] >= event["sequence"]


@pytest.mark.parametrize("persona", ["coordinator_a", "partner", "observer"])
def test_invitations_of_the_commission_are_refused_to_others(as_persona, meetings, persona):
    client = as_persona(persona)

    response = client.post(url("meeting_invite", meetings["commission"]))

    assert response.status_code == 403
    assert mail.outbox == []
    assert not Attendance.objects.exists()


def test_coordinator_b_gets_404_on_site_a_meetings(client_for, coordinator_b, meetings):
    client = client_for(coordinator_b)
    meeting = meetings["copil_a"]

    responses = [
        client.get(url("meeting_detail", meeting)),
        client.post(url("meeting_invite", meeting)),
        client.post(url("attendance_edit", meeting), {}),
    ]

    assert [r.status_code for r in responses] == [404, 404, 404]


def test_attendance_sheet_records_statuses_and_shows_the_quorum(
    client_for, regional_coordinator, commission, meetings, time_machine
):
    meeting = meetings["commission"]
    services.meeting_invite(meeting=meeting)
    # The meeting's day has come: its attendance may be recorded.
    time_machine.move_to(meeting.starts_at + datetime.timedelta(hours=1), tick=False)
    members = {m.full_name: m for m in commission.members.all()}
    client = client_for(regional_coordinator)

    missing = client.post(
        url("attendance_edit", meeting),
        {
            f"status_{members['Sophie Renard'].pk}": AttendanceStatus.REPRESENTED,
            f"status_{members['Karim Benali'].pk}": AttendanceStatus.EXCUSED,
            f"status_{members['Hélène Marchal'].pk}": AttendanceStatus.PRESENT,
            f"status_{members['Sans Courriel'].pk}": AttendanceStatus.ABSENT,
        },
    )
    assert missing.status_code == 200
    assert "Indiquez qui représente ce membre." in text(missing)

    saved = client.post(
        url("attendance_edit", meeting),
        {
            f"status_{members['Sophie Renard'].pk}": AttendanceStatus.REPRESENTED,
            f"represented_by_{members['Sophie Renard'].pk}": "Émilie Roussel",
            f"status_{members['Karim Benali'].pk}": AttendanceStatus.EXCUSED,
            f"status_{members['Hélène Marchal'].pk}": AttendanceStatus.PRESENT,
            f"status_{members['Sans Courriel'].pk}": AttendanceStatus.ABSENT,
        },
    )
    assert saved.status_code == 302
    # Hélène Marchal has no vote: one voting member counted for a quorum of two.
    detail = text(client.get(url("meeting_detail", meeting)))
    assert "quorum non atteint" in detail
    assert "Émilie Roussel" in detail

    client.post(
        url("attendance_edit", meeting),
        {
            f"status_{members['Sophie Renard'].pk}": AttendanceStatus.REPRESENTED,
            f"represented_by_{members['Sophie Renard'].pk}": "Émilie Roussel",
            f"status_{members['Karim Benali'].pk}": AttendanceStatus.PRESENT,
            f"status_{members['Hélène Marchal'].pk}": AttendanceStatus.PRESENT,
            f"status_{members['Sans Courriel'].pk}": AttendanceStatus.ABSENT,
        },
    )
    assert "quorum atteint" in text(client.get(url("meeting_detail", meeting)))
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.HELD


def test_coordinator_a_records_attendance_of_their_committee(client_for, coordinator_a, copil_a, meetings):
    member = copil_a.members.get()

    response = client_for(coordinator_a).post(
        url("attendance_edit", held_meeting(meetings["copil_a"])),
        {f"status_{member.pk}": AttendanceStatus.PRESENT},
    )

    assert response.status_code == 302
    assert Attendance.objects.get(member=member).status == AttendanceStatus.PRESENT


def test_printable_sheet_lists_members_with_a_signature_column(client_for, observer, commission, meetings):
    make_member(commission, "Nouvelle Venue", mandate_start=NOW.date() + datetime.timedelta(days=400))

    response = client_for(observer).get(url("attendance_sheet", meetings["commission"]))

    page = text(response)
    assert "Feuille d'émargement" in page
    assert "Signature" in page
    names = [name for name in texts(response, "table tbody td:first-child") if name]
    assert "Sophie Renard" in names
    assert "Nouvelle Venue" not in names
