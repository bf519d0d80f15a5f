"""Minutes: draft → sent for remarks → adopted, then frozen; the PDF and the HTML behind it."""

import datetime
import io

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from pypdf import PdfReader

from network.enums import AttendanceStatus, DecisionKind, MeetingStatus, MinutesStatus
from network.governance import pdf, services, views
from network.models.governance import AgendaItem, Decision, Minutes
from tests.helpers import PERSONAS, text, texts

from .conftest import NOW, make_meeting


def url(name, obj):
    return reverse(f"governance:{name}", args=[obj.pk])


@pytest.fixture
def meeting(commission, time_machine):
    meeting = make_meeting(commission, days=-30, title="Commission régionale de juin")
    meeting.agenda.create(order=1, title="Avis sur les candidatures au label", presenter="GIP Arifor")
    # Convened three weeks ahead, then back to today, the meeting a month behind.
    time_machine.move_to(meeting.starts_at - datetime.timedelta(days=21), tick=False)
    services.meeting_invite(meeting=meeting)
    time_machine.move_to(NOW, tick=False)
    member = commission.members.get(full_name="Sophie Renard")
    services.attendance_record(meeting=meeting, lines=[(member, AttendanceStatus.PRESENT, "")])
    Decision.objects.create(
        meeting=meeting, kind=DecisionKind.DECISION, summary="La feuille de route est adoptée."
    )
    return meeting


@pytest.fixture
def minutes(meeting):
    return services.minutes_save(
        meeting=meeting, text="La séance est ouverte à 9 h 30.\n\nLa feuille de route est présentée."
    )


@pytest.fixture
def adopted(minutes):
    return services.minutes_adopt(minutes=minutes)


def test_life_cycle_draft_sent_adopted(
    client_for, regional_coordinator, commission, meeting, django_capture_on_commit_callbacks
):
    client = client_for(regional_coordinator)
    later = make_meeting(commission, days=-2, title="Commission de juin (bis)", status=MeetingStatus.HELD)

    written = client.post(url("minutes_edit", meeting), {"text": "Projet de compte rendu."})
    minutes = Minutes.objects.get(meeting=meeting)
    assert written.status_code == 302
    assert minutes.status == MinutesStatus.DRAFT

    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(url("minutes_send", meeting))
    minutes.refresh_from_db()
    assert sent.status_code == 302
    assert minutes.status == MinutesStatus.SENT_FOR_REMARKS
    assert minutes.sent_at is not None
    assert len(mail.outbox) == 3
    assert "Projet de compte rendu." in mail.outbox[0].body

    adopted = client.post(url("minutes_adopt", meeting), {"adopted_in": later.pk})
    minutes.refresh_from_db()
    assert adopted.status_code == 302
    assert minutes.is_adopted
    assert minutes.adopted_in == later


def test_minutes_cannot_be_adopted_in_an_earlier_meeting(commission, minutes):
    earlier = make_meeting(commission, days=-60)

    with pytest.raises(ValidationError):
        services.minutes_adopt(minutes=minutes, adopted_in=earlier)


def test_adopted_minutes_never_change_through_services(adopted, meeting):
    item = meeting.agenda.get()
    decision = meeting.decisions.get()
    with pytest.raises(ValidationError):
        services.minutes_save(meeting=meeting, text="Réécriture")
    with pytest.raises(ValidationError):
        services.minutes_send_for_remarks(minutes=adopted)
    with pytest.raises(ValidationError):
        services.minutes_adopt(minutes=adopted)
    with pytest.raises(ValidationError):
        services.agenda_item_save(item=AgendaItem(meeting=meeting, title="Ajout tardif"))
    with pytest.raises(ValidationError):
        services.agenda_item_delete(item=item)
    decision.summary = "Autre chose"
    with pytest.raises(ValidationError):
        services.decision_save(decision=decision)
    with pytest.raises(ValidationError):
        services.attendance_record(meeting=meeting, lines=[])
    adopted.refresh_from_db()
    assert adopted.text.startswith("La séance est ouverte")


def test_crafted_posts_on_adopted_minutes_are_refused(client_for, regional_coordinator, adopted, meeting):
    client = client_for(regional_coordinator)
    item = meeting.agenda.get()
    decision = meeting.decisions.get()

    responses = {
        "minutes_edit": client.post(url("minutes_edit", meeting), {"text": "Réécriture"}),
        "minutes_send": client.post(url("minutes_send", meeting)),
        "minutes_adopt": client.post(url("minutes_adopt", meeting), {}),
        "meeting_edit": client.post(url("meeting_edit", meeting), {"title": "Autre"}),
        "agenda_item_add": client.post(url("agenda_item_add", meeting), {"title": "Ajout"}),
        "agenda_item_delete": client.post(url("agenda_item_delete", item)),
        "attendance_edit": client.post(url("attendance_edit", meeting), {}),
        "meeting_invite": client.post(url("meeting_invite", meeting)),
        "decision_create": client.post(
            url("decision_create", meeting), {"kind": "decision", "summary": "Ajout"}
        ),
        "decision_edit": client.post(
            url("decision_edit", decision), {"kind": "decision", "summary": "Autre"}
        ),
    }

    assert {name: r.status_code for name, r in responses.items()} == dict.fromkeys(responses, 403)
    adopted.refresh_from_db()
    meeting.refresh_from_db()
    decision.refresh_from_db()
    assert adopted.text.startswith("La séance est ouverte")
    assert meeting.title == "Commission régionale de juin"
    assert meeting.agenda.count() == 1
    assert decision.summary == "La feuille de route est adoptée."


def test_adopted_meeting_page_offers_no_change(client_for, regional_coordinator, adopted, meeting):
    response = client_for(regional_coordinator).get(url("meeting_detail", meeting))
    page = text(response)
    buttons = texts(response, "main a.button")

    assert "Télécharger le PDF" in buttons
    assert "Modifier le compte rendu" not in buttons
    assert "Adopter" not in buttons
    assert "Saisir les présences" not in buttons
    assert "Enregistrer un avis ou une décision" not in buttons
    # The follow-up of decisions stays open.
    assert reverse("governance:decision_status", args=[meeting.decisions.get().pk]) in page


MINUTES_PAGES = ["minutes_edit", "minutes_adopt"]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", MINUTES_PAGES)
def test_minutes_pages_are_for_organisers(as_persona, minutes, meeting, persona, name):
    client = as_persona(persona)
    expected = {
        "regional_coordinator": 200,
        "coordinator_a": 403,
        "coordinator_b": 403,
        "partner": 403,
        "observer": 403,
    }

    response = client.get(url(name, meeting))

    if persona == "anonymous":
        assert response.status_code == 302
    else:
        assert response.status_code == expected[persona]


def test_minutes_html_holds_the_whole_record(adopted, meeting):
    html = pdf.minutes_html(views.minutes_context(meeting))

    assert "Compte rendu — Commission régionale de juin" in html
    assert "Commission régionale des Espaces métiers" in html
    assert "Châlons-en-Champagne" in html
    assert "Sophie Renard" in html and "Présent·e" in html
    assert "Avis sur les candidatures au label" in html
    assert "La feuille de route est adoptée." in html
    assert "La séance est ouverte à 9 h 30." in html
    assert "Compte rendu adopté le" in html
    assert "counter(page)" in html


@pytest.mark.parametrize("persona", ["regional_coordinator", "partner", "observer"])
def test_minutes_pdf_opens_with_the_meeting_title(as_persona, adopted, meeting, persona):
    client = as_persona(persona)

    response = client.get(url("minutes_pdf", meeting))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) >= 1
    content = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert "Commission régionale de juin" in content
    assert "Page 1 sur" in content


def test_minutes_pdf_of_site_b_is_hidden_from_coordinator_a(client_for, coordinator_a, copil_b):
    meeting = make_meeting(copil_b)
    services.minutes_save(meeting=meeting, text="Compte rendu du comité de Troyes.")

    assert client_for(coordinator_a).get(url("minutes_pdf", meeting)).status_code == 404
