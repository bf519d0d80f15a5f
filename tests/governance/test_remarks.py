"""Remarks on minutes sent for remarks: recorded on the platform by the body's members (who, when,
what), read by the meeting's organiser, and the adopted version says which it took (page and PDF)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from network.governance import pdf, services, views
from network.models.governance import MinutesRemark, RemarkOutcome
from tests.helpers import PERSONAS, text, texts

from .conftest import NOW, held_meeting, make_meeting


def url(name, obj):
    return reverse(f"governance:{name}", args=[obj.pk])


@pytest.fixture
def seat(commission, partner):
    """The partner's seat in the commission, linked to their account."""
    seat = commission.members.get(full_name="Sophie Renard")
    seat.user = partner
    seat.save()
    return seat


@pytest.fixture
def meeting(commission):
    return held_meeting(make_meeting(commission, title="Commission régionale de mai"))


@pytest.fixture
def sent(meeting, seat):
    minutes = services.minutes_save(meeting=meeting, text="La séance est ouverte à 9 h 30.")
    services.minutes_send_for_remarks(minutes=minutes)
    minutes.refresh_from_db()
    return minutes


def test_a_member_records_a_remark_the_organiser_reads_it(
    client_for, partner, regional_coordinator, observer, seat, meeting, sent
):
    member = client_for(partner)

    detail = member.get(url("meeting_detail", meeting))
    posted = member.post(url("minutes_remark", meeting), {"text": "La séance s'est ouverte à 9 h 45."})

    assert "Faire une remarque" in texts(detail, "main a.button")
    assert posted.status_code == 302
    assert posted["Location"].endswith("#remarques")
    remark = MinutesRemark.objects.get()
    assert (remark.author, remark.author_name, remark.member) == (partner, "Sophie Renard", seat)
    assert remark.created_at == NOW and remark.outcome == ""
    organiser_page = client_for(regional_coordinator).get(url("meeting_detail", meeting))
    rows = texts(organiser_page, "#cr-titre ~ .table-wrap tbody tr")
    assert len(rows) == 1 and "Sophie Renard" in rows[0] and "9 h 45" in rows[0]
    assert "à examiner à l'adoption" in rows[0]
    assert "15 juin 2026 à 10:00" in rows[0]
    # The member reads their own remark; a reader who is no member does not read it before adoption.
    assert "9 h 45" in text(member.get(url("meeting_detail", meeting)))
    assert "9 h 45" not in text(client_for(observer).get(url("meeting_detail", meeting)))


def test_an_empty_remark_is_refused_and_what_was_typed_stays(client_for, partner, meeting, sent):
    response = client_for(partner).post(url("minutes_remark", meeting), {"text": "   "})

    assert response.status_code == 200
    assert not MinutesRemark.objects.exists()


@pytest.mark.parametrize("persona", PERSONAS)
def test_who_may_write_a_remark(as_persona, seat, meeting, sent, persona):
    expected = {
        "regional_coordinator": 200,  # the organiser
        "coordinator_a": 403,  # reads the regional commission, sits in it not
        "coordinator_b": 403,
        "partner": 200,  # their seat
        "observer": 403,
    }

    response = as_persona(persona).get(url("minutes_remark", meeting))

    if persona == "anonymous":
        assert response.status_code == 302
    else:
        assert response.status_code == expected[persona]


def test_remarks_only_on_minutes_sent_for_remarks(client_for, partner, seat, meeting):
    minutes = services.minutes_save(meeting=meeting, text="Projet.")

    draft = client_for(partner).get(url("minutes_remark", meeting))
    with pytest.raises(PermissionDenied):
        services.minutes_remark_add(minutes=minutes, text="Trop tôt", author=partner)

    assert draft.status_code == 403
    assert "Les remarques se font sur un compte rendu envoyé pour remarques" in text(draft)


def test_a_seat_of_another_body_gives_no_right_to_remark(client_for, partner, copil_a, sent, meeting):
    other = held_meeting(make_meeting(copil_a))
    minutes = services.minutes_save(meeting=other, text="Comité de Reims.")
    services.minutes_send_for_remarks(minutes=minutes)

    # The partner's seat is in the commission: site A's committee stays hidden (404).
    assert client_for(partner).get(url("minutes_remark", other)).status_code == 404


def test_adoption_says_which_remarks_were_retained(
    client_for, partner, regional_coordinator, observer, meeting, sent
):
    kept = services.minutes_remark_add(minutes=sent, text="Ajouter la présence de la Région.", author=partner)
    dropped = services.minutes_remark_add(minutes=sent, text="Supprimer le point 3.", author=partner)
    client = client_for(regional_coordinator)

    form = client.get(url("minutes_adopt", meeting))
    incomplete = client.post(url("minutes_adopt", meeting), {f"outcome_{kept.pk}": RemarkOutcome.RETAINED})
    adopted = client.post(
        url("minutes_adopt", meeting),
        {
            f"outcome_{kept.pk}": RemarkOutcome.RETAINED,
            f"outcome_{dropped.pk}": RemarkOutcome.NOT_RETAINED,
            f"response_{dropped.pk}": "Le point 3 a bien été débattu.",
        },
    )

    assert "Supprimer le point 3." in text(form)
    assert incomplete.status_code == 200
    sent.refresh_from_db()
    assert adopted.status_code == 302 and sent.is_adopted
    kept.refresh_from_db()
    dropped.refresh_from_db()
    assert (kept.outcome, dropped.outcome) == (RemarkOutcome.RETAINED, RemarkOutcome.NOT_RETAINED)
    assert dropped.response == "Le point 3 a bien été débattu."
    # Once adopted, every reader of the meeting sees the remarks and what was done with them.
    rows = texts(client_for(observer).get(url("meeting_detail", meeting)), "#cr-titre ~ .table-wrap tbody tr")
    assert any("Ajouter la présence" in row and "Retenue" in row for row in rows)
    assert any("Supprimer le point 3." in row and "Non retenue" in row for row in rows)
    html = pdf.minutes_html(views.minutes_context(meeting))
    assert "Remarques reçues sur le projet" in html
    assert (
        "Supprimer le point 3." in html and "Non retenue" in html and "Le point 3 a bien été débattu." in html
    )


def test_the_service_refuses_an_adoption_leaving_a_remark_unanswered(partner, sent):
    services.minutes_remark_add(minutes=sent, text="Une coquille.", author=partner)

    with pytest.raises(ValidationError, match="chaque remarque"):
        services.minutes_adopt(minutes=sent)

    sent.refresh_from_db()
    assert not sent.is_adopted


def test_adopted_minutes_take_no_more_remarks(client_for, partner, sent, meeting):
    services.minutes_adopt(minutes=sent)

    assert client_for(partner).get(url("minutes_remark", meeting)).status_code == 403
    assert "Aucune remarque reçue avant l'adoption." in pdf.minutes_html(views.minutes_context(meeting))
