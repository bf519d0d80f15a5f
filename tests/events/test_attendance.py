"""Attendance after the event: counts only, who may enter them, their validation, and the stats
periods' rules (a locked month refuses, a handed-in month is the coordination's).

The clock is frozen on 15 June 2026, 10:00 in Paris: the event of 10 June has taken place, the one
of 20 June has not.
"""

import datetime

import pytest
import rules
from django.urls import reverse

from events import services
from events.enums import EventStatus
from events.models import AttendanceCount, Event
from stats.enums import PeriodStatus
from stats.models import AgeBand, Period, Sex, Situation
from tests.events.conftest import FROZEN
from tests.events.factories import EventFactory
from tests.helpers import PERSONAS, assert_status, text

pytestmark = [pytest.mark.django_db, FROZEN]

ENTER = {
    "anonymous": "login",
    "regional_coordinator": 200,
    "coordinator_a": 200,
    "coordinator_b": 404,
    "partner": 404,
    "observer": 403,
}


def _items(model, *codes):
    return [
        model.objects.get_or_create(
            code=code, defaults={"label": code.replace("-", " ").title(), "order": n}
        )[0]
        for n, code in enumerate(codes)
    ]


@pytest.fixture
def refs(db):
    return {
        "sex": _items(Sex, "femme", "homme"),
        "age_band": _items(AgeBand, "moins-26", "26-44", "45-plus"),
        "situation": _items(Situation, "demandeur-emploi", "salarie"),
    }


def _post(refs, **values):
    data = {"registered": "40", "present": "30", "satisfied": "20", "neutral": "3", "dissatisfied": "1"}
    women, men = refs["sex"]
    young, middle, old = refs["age_band"]
    jobseeker, employee = refs["situation"]
    data.update(
        {
            f"sex_{women.pk}": "18",
            f"sex_{men.pk}": "12",
            f"age_band_{young.pk}": "10",
            f"age_band_{middle.pk}": "15",
            f"age_band_{old.pk}": "5",
            f"situation_{jobseeker.pk}": "20",
            f"situation_{employee.pk}": "6",
        }
    )
    data.update(values)
    return {key: value for key, value in data.items() if value is not None}


def _url(event):
    return reverse("events:attendance", kwargs={"pk": event.pk})


@pytest.mark.parametrize("persona", PERSONAS)
def test_attendance_page_by_persona(persona, personas, as_persona, past_event_a, refs):
    assert_status(as_persona(persona).get(_url(past_event_a)), ENTER[persona])


def test_organiser_enters_attendance_with_breakdowns(personas, as_persona, past_event_a, refs):
    client = as_persona("coordinator_a")
    detail = text(client.get(past_event_a.get_absolute_url()))
    assert "Saisir la fréquentation" in detail  # the form sits on the event's page
    response = client.post(_url(past_event_a), _post(refs))
    assert response.status_code == 302
    event = Event.objects.get(pk=past_event_a.pk)
    assert (event.registered, event.present, event.satisfied, event.neutral, event.dissatisfied) == (
        40,
        30,
        20,
        3,
        1,
    )
    assert AttendanceCount.objects.filter(event=event).count() == 7
    assert AttendanceCount.objects.get(event=event, sex=refs["sex"][0]).count == 18
    page = text(client.get(event.get_absolute_url()))
    assert "Femme : 18" in page and "38 %" in page  # 30 present out of 80 places
    # Entering again replaces the breakdown; an emptied cell disappears.
    women = refs["sex"][0]
    assert client.post(_url(event), _post(refs, **{f"sex_{women.pk}": ""})).status_code == 302
    assert not AttendanceCount.objects.filter(event=event, sex=women).exists()


def test_not_before_the_event_has_started(personas, as_persona, event_a, refs):
    client = as_persona("coordinator_a")
    response = client.get(_url(event_a))
    assert "La fréquentation se saisit une fois l'événement commencé." in text(response)
    client.post(_url(event_a), _post(refs))
    assert Event.objects.get(pk=event_a.pk).present is None
    assert not rules.test_rule("events.enter_attendance", personas["coordinator_a"], event_a)


def test_not_for_a_cancelled_event(personas, past_event_a, refs):
    past_event_a.status = EventStatus.CANCELLED
    past_event_a.save()
    with pytest.raises(services.ValidationError, match="annulé"):
        services.attendance_record(
            event=past_event_a, author=personas["regional_coordinator"], attendance=services.Attendance(1, 1)
        )


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"present": "20"}, "La répartition par sexe compte 30 personnes, plus que les 20 présents."),
        (
            {"present": "25", "satisfied": "25"},
            "Les réponses de satisfaction (29) dépassent le nombre de présents (25).",
        ),
        ({"present": "100001"}, "Saisissez un nombre d'au plus 100 000"),
        ({"registered": "9" * 5000}, "Saisissez un nombre"),
        ({"present": "-3"}, "Saisissez un nombre positif ou nul."),
        ({"present": "douze"}, "Saisissez un nombre entier."),
        ({"present": "1e9"}, "Saisissez un nombre entier."),
    ],
)
def test_validation_messages(personas, as_persona, past_event_a, refs, values, message):
    response = as_persona("coordinator_a").post(_url(past_event_a), _post(refs, **values))
    assert response.status_code == 200
    assert message in text(response)
    assert Event.objects.get(pk=past_event_a.pk).present is None


def test_breakdown_without_present_is_refused(personas, past_event_a, refs):
    attendance = services.Attendance(registered=None, present=None, breakdowns={"sex": {refs["sex"][0]: 3}})
    with pytest.raises(services.ValidationError, match="nombre de présents"):
        services.attendance_record(
            event=past_event_a, author=personas["coordinator_a"], attendance=attendance
        )


def test_a_locked_month_refuses_attendance_and_names_the_period(
    personas, as_persona, past_event_a, refs, site_a
):
    Period.objects.create(site=site_a, month=datetime.date(2026, 6, 1), status=PeriodStatus.LOCKED)
    expected = (
        "La période 06/2026 de Espace métiers de Reims est verrouillée : demandez sa réouverture à la "
        "coordination régionale."
    )
    for persona in ("coordinator_a", "regional_coordinator"):
        client = as_persona(persona)
        assert expected in text(client.get(past_event_a.get_absolute_url()))
        response = client.post(_url(past_event_a), _post(refs))
        assert expected in text(response)
        assert Event.objects.get(pk=past_event_a.pk).present is None
        with pytest.raises(services.ValidationError) as error:
            services.attendance_record(
                event=past_event_a, author=personas[persona], attendance=services.Attendance(10, 8)
            )
        assert error.value.messages == [expected]
        assert not rules.test_rule("events.enter_attendance", personas[persona], past_event_a)


@pytest.mark.parametrize("status", [PeriodStatus.SUBMITTED, PeriodStatus.VALIDATED])
def test_a_handed_in_month_is_the_coordinations(personas, as_persona, past_event_a, refs, site_a, status):
    Period.objects.create(site=site_a, month=datetime.date(2026, 6, 1), status=status)
    response = as_persona("coordinator_a").post(_url(past_event_a), _post(refs))
    assert "La période 06/2026 de Espace métiers de Reims a été" in text(response)
    assert "seule la coordination régionale peut la modifier" in text(response)
    assert Event.objects.get(pk=past_event_a.pk).present is None
    assert as_persona("regional_coordinator").post(_url(past_event_a), _post(refs)).status_code == 302
    assert Event.objects.get(pk=past_event_a.pk).present == 30


def test_the_period_of_every_organising_site_counts(personas, as_persona, site_a, site_b, kind, refs):
    event = EventFactory(sites=[site_a, site_b], kind=kind, day=datetime.date(2026, 5, 28))
    Period.objects.create(site=site_b, month=datetime.date(2026, 5, 1), status=PeriodStatus.LOCKED)
    Period.objects.create(site=site_a, month=datetime.date(2026, 6, 1), status=PeriodStatus.LOCKED)
    response = as_persona("coordinator_a").post(_url(event), _post(refs))
    assert "La période 05/2026 de Espace métiers de Troyes est verrouillée" in text(response)
    assert not Period.objects.filter(site=site_a, month=datetime.date(2026, 5, 1)).exists()  # never created


def test_another_sites_coordinator_never_sees_the_attendance(personas, as_persona, past_event_a, refs):
    services.attendance_record(
        event=past_event_a, author=personas["coordinator_a"], attendance=services.Attendance(12, 10)
    )
    Event.objects.filter(pk=past_event_a.pk).update(published=True)
    client = as_persona("coordinator_b")
    assert client.get(past_event_a.get_absolute_url()).status_code == 404
    assert client.get(_url(past_event_a)).status_code == 404
    assert client.post(_url(past_event_a), _post(refs)).status_code == 404
    assert Event.objects.get(pk=past_event_a.pk).present == 10
