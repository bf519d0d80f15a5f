"""Dates that make sense: attendance, minutes sent and adopted from the meeting's day only; a decision
is due and done after the meeting that takes it; a meeting whose start has passed is no longer
"prévue" (the pages call it « à confirmer » and offer "tenue" / "annulée"); convocations say who was
convened, when and at which address."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from network.enums import AttendanceStatus, DecisionKind, DecisionStatus, MeetingStatus, MinutesStatus
from network.governance import services
from network.governance.demo import load_governance_demo
from network.governance.indicators import body_indicators
from network.models.governance import Attendance, Decision, Meeting, Minutes
from tests.factories import SiteFactory, TerritoryFactory
from tests.helpers import PERSONAS, text, texts

from .conftest import NOW, THIS_YEAR, TODAY, make_meeting

NOT_YET = "Cette réunion n'a pas encore eu lieu"


def url(name, obj):
    return reverse(f"governance:{name}", args=[obj.pk])


# Before the meeting's day


def test_attendance_is_refused_before_the_meeting_day(client_for, regional_coordinator, commission, meetings):
    meeting = meetings["commission"]
    member = commission.members.first()
    client = client_for(regional_coordinator)

    with pytest.raises(ValidationError, match=NOT_YET):
        services.attendance_record(meeting=meeting, lines=[(member, AttendanceStatus.PRESENT, "")])
    page = client.get(url("attendance_edit", meeting))
    posted = client.post(url("attendance_edit", meeting), {f"status_{member.pk}": AttendanceStatus.PRESENT})
    detail = client.get(url("meeting_detail", meeting))

    assert page.status_code == 403 and NOT_YET in text(page)
    assert posted.status_code == 403
    assert not Attendance.objects.exists()
    assert "Les présences se saisissent à partir du jour de la réunion" in text(detail)
    assert "Saisir les présences" not in texts(detail, "main a.button")


def test_attendance_opens_on_the_meeting_day(regional_coordinator, commission, time_machine):
    meeting = make_meeting(commission, days=1)
    member = commission.members.first()
    # The morning of the meeting, before it starts: the sheet may be filled in on arrival.
    time_machine.move_to(meeting.starts_at.replace(hour=7), tick=False)

    services.attendance_record(
        meeting=meeting, lines=[(member, AttendanceStatus.PRESENT, "")], author=regional_coordinator
    )

    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.HELD


def test_minutes_are_neither_sent_nor_adopted_before_the_meeting_day(
    client_for, regional_coordinator, meetings
):
    meeting = meetings["commission"]
    minutes = services.minutes_save(meeting=meeting, text="Projet préparé à l'avance.")
    client = client_for(regional_coordinator)

    with pytest.raises(ValidationError, match=NOT_YET):
        services.minutes_send_for_remarks(minutes=minutes)
    with pytest.raises(ValidationError, match=NOT_YET):
        services.minutes_adopt(minutes=minutes)
    sent = client.post(url("minutes_send", meeting))
    adopted = client.post(url("minutes_adopt", meeting), {})
    detail = client.get(url("meeting_detail", meeting))

    assert (sent.status_code, adopted.status_code) == (403, 403)
    assert NOT_YET in text(sent)
    minutes.refresh_from_db()
    assert minutes.status == MinutesStatus.DRAFT and mail.outbox == []
    buttons = texts(detail, "main .button")
    assert "Modifier le compte rendu" in buttons  # drafting ahead stays possible
    assert "Envoyer pour remarques" not in buttons and "Adopter" not in buttons


def test_minutes_are_adopted_only_in_a_meeting_that_took_place(commission, past_meetings):
    minutes = services.minutes_save(meeting=past_meetings["commission"], text="Compte rendu.")
    future = make_meeting(commission, days=5)
    cancelled = make_meeting(commission, days=-5, status=MeetingStatus.CANCELLED)

    for adopted_in in (future, cancelled):
        with pytest.raises(ValidationError, match="n'a pas eu lieu"):
            services.minutes_adopt(minutes=minutes, adopted_in=adopted_in)

    minutes.refresh_from_db()
    assert not minutes.is_adopted


def test_adoption_form_offers_only_later_meetings_that_took_place(
    client_for, regional_coordinator, commission, past_meetings
):
    meeting = past_meetings["commission"]
    services.minutes_save(meeting=meeting, text="Compte rendu.")
    held = make_meeting(commission, days=-2, status=MeetingStatus.HELD, title="Tenue")
    make_meeting(commission, days=5, title="À venir")
    make_meeting(commission, days=-3, status=MeetingStatus.CANCELLED, title="Annulée")

    response = client_for(regional_coordinator).get(url("minutes_adopt", meeting))

    assert list(response.context["form"].fields["adopted_in"].queryset) == [held]


# Decisions


def test_a_decision_is_not_due_before_the_meeting_that_takes_it(client_for, regional_coordinator, meetings):
    meeting = meetings["commission"]  # on 25 June 2026
    client = client_for(regional_coordinator)

    refused = client.post(
        url("decision_create", meeting),
        {"kind": DecisionKind.DECISION, "summary": "Transmettre le bilan", "due_date": "2026-06-20"},
    )
    accepted = client.post(
        url("decision_create", meeting),
        {"kind": DecisionKind.DECISION, "summary": "Transmettre le bilan", "due_date": "2026-06-25"},
    )

    assert refused.status_code == 200
    page = text(refused)
    assert "L'échéance ne peut pas précéder la réunion qui prend la décision (25 juin 2026)." in page
    assert refused.context["form"]["summary"].value() == "Transmettre le bilan"  # what was typed stays
    assert accepted.status_code == 302
    assert Decision.objects.get().due_date == datetime.date(2026, 6, 25)


def test_a_decision_is_not_done_before_its_meeting_nor_in_the_future(past_meetings):
    meeting = past_meetings["commission"]
    decision = Decision.objects.create(meeting=meeting, kind=DecisionKind.DECISION, summary="À faire")

    with pytest.raises(ValidationError, match="avant la réunion"):
        services.decision_update_status(
            decision=decision, status=DecisionStatus.DONE, done_on=meeting.day - datetime.timedelta(days=1)
        )
    with pytest.raises(ValidationError, match="dans le futur"):
        services.decision_update_status(
            decision=decision, status=DecisionStatus.DONE, done_on=TODAY + datetime.timedelta(days=1)
        )
    services.decision_update_status(decision=decision, status=DecisionStatus.DONE, done_on=meeting.day)

    decision.refresh_from_db()
    assert decision.done_on == meeting.day


# A meeting in the past is not "planned"


def _meeting_data(starts_at, status):
    return {"title": "Comité", "starts_at": starts_at, "status": status, "place": "Reims"}


def test_a_meeting_whose_start_has_passed_cannot_be_saved_as_planned(
    client_for, regional_coordinator, commission
):
    client = client_for(regional_coordinator)

    planned = client.post(url("meeting_create", commission), _meeting_data("2026-06-01T10:00", "prevue"))
    held_ahead = client.post(url("meeting_create", commission), _meeting_data("2026-09-01T10:00", "tenue"))
    recorded = client.post(url("meeting_create", commission), _meeting_data("2026-06-01T10:00", "tenue"))

    assert planned.status_code == 200
    assert "indiquez si elle s'est tenue ou si elle a été annulée" in text(planned)
    assert planned.context["form"]["title"].value() == "Comité"
    assert held_ahead.status_code == 200
    assert "Une réunion à venir ne peut pas être marquée comme tenue." in text(held_ahead)
    assert recorded.status_code == 302
    assert Meeting.objects.get().status == MeetingStatus.HELD


def test_a_past_planned_meeting_is_to_confirm_and_the_organiser_confirms_it(
    client_for, regional_coordinator, commission
):
    meeting = make_meeting(commission, days=-3)  # never marked: still "prévue"
    client = client_for(regional_coordinator)

    detail = client.get(url("meeting_detail", meeting))
    body = client.get(url("body_detail", commission))
    confirmed = client.post(url("meeting_confirm", meeting), {"status": MeetingStatus.HELD})

    assert meeting.is_to_confirm and meeting.status_label == "À confirmer"
    assert "À confirmer" in texts(detail, "main .lead .badge")
    assert {"Elle s'est tenue", "Elle a été annulée"} <= set(texts(detail, "#a-confirmer button"))
    # The invitation is no longer offered once the meeting has started.
    assert "Envoyer la convocation" not in texts(detail, "main button")
    assert "1 réunion passée à confirmer" in text(body)
    assert confirmed.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.HELD and not meeting.is_to_confirm


def test_a_meeting_to_come_is_not_confirmed(client_for, regional_coordinator, meetings):
    meeting = meetings["commission"]

    response = client_for(regional_coordinator).post(
        url("meeting_confirm", meeting), {"status": MeetingStatus.HELD}, follow=True
    )

    assert "Seule une réunion encore « prévue » dont l'heure est passée est à confirmer." in text(response)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PLANNED


@pytest.mark.parametrize("persona", PERSONAS)
def test_confirming_a_meeting_is_for_its_organisers(as_persona, copil_a, persona, bodies):
    meeting = make_meeting(copil_a, days=-3)
    expected = {
        "anonymous": 302,
        "regional_coordinator": 302,
        "coordinator_a": 302,
        "coordinator_b": 404,
        "partner": 404,
        "observer": 403,
    }

    response = as_persona(persona).post(url("meeting_confirm", meeting), {"status": MeetingStatus.CANCELLED})

    assert response.status_code == expected[persona]
    meeting.refresh_from_db()
    organiser = persona in ("regional_coordinator", "coordinator_a")
    assert meeting.status == (MeetingStatus.CANCELLED if organiser else MeetingStatus.PLANNED)


def test_indicators_show_the_past_planned_meetings_to_confirm(client_for, observer, commission):
    make_meeting(commission, days=-3)
    make_meeting(commission, days=-40, status=MeetingStatus.HELD)

    row = next(row for row in body_indicators(THIS_YEAR) if row.body == commission)
    page = text(client_for(observer).get(reverse("strategy:indicators")))

    assert (row.held, row.to_confirm) == (2, 1)
    assert "dont 1 à confirmer" in page


# Convocations: who was convened


def test_the_meeting_page_lists_who_was_convened_and_when(
    client_for, regional_coordinator, commission, meetings, django_capture_on_commit_callbacks
):
    meeting = meetings["commission"]
    client = client_for(regional_coordinator)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("meeting_invite", meeting))
    response = client.get(url("meeting_detail", meeting))

    invited = texts(response, "section[aria-labelledby=convocations-titre] tbody th")
    assert sorted(invited) == ["Hélène Marchal", "Karim Benali", "Sophie Renard"]
    cells = texts(response, "section[aria-labelledby=convocations-titre] tbody td")
    assert "15 juin 2026 à 10:00" in cells and "sophie.renard@exemple.fr" in cells
    page = text(response)
    assert "envoyées le 15 juin 2026 à 10:00 à 3 membres" in page
    assert "sans convocation par courriel (pas d'adresse) : Sans Courriel" in page
    assert "Aucun membre convoqué" not in page
    line = Attendance.objects.get(meeting=meeting, member__full_name="Karim Benali")
    assert (line.invited_at, line.invitation_email) == (timezone.now(), "karim.benali@exemple.fr")


def test_a_meeting_that_has_started_is_not_convened(client_for, regional_coordinator, commission):
    meeting = make_meeting(commission, days=-1)

    response = client_for(regional_coordinator).post(url("meeting_invite", meeting), follow=True)

    assert "Cette réunion a déjà commencé" in text(response)
    assert mail.outbox == [] and not Attendance.objects.exists()
    meeting.refresh_from_db()
    assert meeting.invitations_sent_at is None


def test_demo_meetings_convened_have_their_convened_members(db, partner):
    from network.models import Organisation

    Organisation.objects.get_or_create(
        name="France Travail Grand Est", defaults={"kind": partner.organisation.kind}
    )
    marne = TerritoryFactory(code="51", name="Marne")
    SiteFactory(slug="reims", name="Espace métiers de Reims", departement=marne)

    load_governance_demo(today=datetime.date(2026, 11, 23))

    convened = Meeting.objects.filter(invitations_sent_at__isnull=False)
    assert convened.exists()
    for meeting in convened:
        assert meeting.attendances.filter(invited_at__isnull=False).exists(), meeting
        assert meeting.invitations_sent_at.date() <= datetime.date(2026, 11, 23), meeting
    # This year's steering committee (4 December) is convened three weeks ahead, not yet held.
    december = Meeting.objects.get(body__site__slug="reims", starts_at__year=2026)
    assert december.status == MeetingStatus.PLANNED
    assert (
        december.attendances.filter(status=AttendanceStatus.INVITED).count() == december.body.members.count()
    )
    assert Minutes.objects.filter(meeting__starts_at__gte=NOW.replace(month=12, day=1)).count() == 0
