import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from network.enums import (
    AttendanceStatus,
    BodyScope,
    DecisionKind,
    DecisionStatus,
    MeetingStatus,
    MinutesStatus,
)
from network.governance.indicators import body_indicators, plan_indicators
from network.models.governance import Attendance, Body, BodyKind, BodyMember, Decision, Meeting, Minutes
from sites.enums import ActionStatus, LabelStatus, PlanStatus
from sites.models.plans import ActionPlan, PlanAction
from tests.factories import OrganisationFactory, SiteFactory

# The clock is frozen on 15 June 2026: the 2025 meetings are all past, and the decisions' due dates
# (the day before, thirty days after) fall on either side of today.
NOW = datetime.datetime(2026, 6, 15, 10, tzinfo=ZoneInfo("Europe/Paris"))
pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(NOW, tick=False)]

YEAR = 2025


def _at(month, day=10):
    return timezone.make_aware(datetime.datetime(YEAR, month, day, 14, 0))


@pytest.fixture
def governance(site_a, site_b):
    kind = BodyKind.objects.create(code="commission", label="Commission régionale")
    commission = Body.objects.create(
        name="Commission régionale des Espaces métiers",
        kind=kind,
        scope=BodyScope.REGION,
        min_meetings_per_year=2,
        required_months=[6],
    )
    copil = Body.objects.create(
        name="Copil Reims", kind=kind, scope=BodyScope.SITE, site=site_a, required_months=[11]
    )
    june = Meeting.objects.create(body=commission, title="Juin", starts_at=_at(6), status=MeetingStatus.HELD)
    # Past and never marked: counts as held.
    march = Meeting.objects.create(body=commission, title="Mars", starts_at=_at(3))
    Meeting.objects.create(body=commission, title="Annulée", starts_at=_at(9), status=MeetingStatus.CANCELLED)
    Meeting.objects.create(
        body=commission, title="Autre année", starts_at=_at(6) - datetime.timedelta(days=365)
    )
    Minutes.objects.create(meeting=june, text="CR", status=MinutesStatus.ADOPTED)
    Minutes.objects.create(meeting=march, text="CR", status=MinutesStatus.DRAFT)
    organisation = OrganisationFactory()
    for n, status in enumerate(
        [
            AttendanceStatus.PRESENT,
            AttendanceStatus.PRESENT,
            AttendanceStatus.REPRESENTED,
            AttendanceStatus.EXCUSED,
        ]
    ):
        member = BodyMember.objects.create(
            body=commission, full_name=f"Membre {n}", organisation=organisation
        )
        Attendance.objects.create(meeting=june, member=member, status=status)
    today = NOW.date()
    Decision.objects.create(
        meeting=june,
        kind=DecisionKind.DECISION,
        summary="En retard",
        due_date=today - datetime.timedelta(days=1),
    )
    Decision.objects.create(
        meeting=june,
        kind=DecisionKind.DECISION,
        summary="À venir",
        due_date=today + datetime.timedelta(days=30),
    )
    Decision.objects.create(
        meeting=june, kind=DecisionKind.DECISION, summary="Faite", status=DecisionStatus.DONE, due_date=today
    )
    plan_a = ActionPlan.objects.create(site=site_a, year=YEAR, status=PlanStatus.VALIDATED)
    for status, arbitration in [
        (ActionStatus.DONE, ""),
        (ActionStatus.DONE, "retenue"),
        (ActionStatus.PLANNED, ""),
        (ActionStatus.CANCELLED, ""),
        (ActionStatus.DONE, "rejetee"),
    ]:
        PlanAction.objects.create(
            plan=plan_a, title=f"{status} {arbitration}", status=status, arbitration=arbitration
        )
    ActionPlan.objects.create(site=site_b, year=YEAR, status=PlanStatus.DRAFT)
    SiteFactory(name="Projet", label_status=LabelStatus.PROJECT)
    return commission, copil


def test_body_indicators(governance):
    commission, copil = governance
    rows = {row.body: row for row in body_indicators(YEAR)}
    row = rows[commission]
    assert (row.held, row.required, row.meets_minimum) == (2, 2, True)
    assert row.months_held == [3, 6] and row.months_respected
    assert row.minutes_adopted == 1
    assert (row.decisions_open, row.decisions_overdue) == (2, 1)
    assert (row.present, row.invited, row.attendance_percent) == (3, 4, 75)
    empty = rows[copil]
    assert (empty.held, empty.meets_minimum, empty.months_missing) == (0, False, [11])
    assert empty.attendance_percent is None


def test_plan_indicators(governance, site_a, site_b):
    result = plan_indicators(YEAR)
    assert (result["expected"], result["approved"], result["approved_percent"]) == (2, 1, 50)
    rows = {row.site: row for row in result["rows"]}
    # Kept actions: not cancelled, not rejected → 3, of which 2 done.
    assert (rows[site_a].plan.actions_done, rows[site_a].plan.actions_kept, rows[site_a].done_percent) == (
        2,
        3,
        67,
    )
    assert rows[site_b].approved is False


@pytest.mark.parametrize("persona", ["regional_coordinator", "observer"])
def test_page_for_the_coordination_and_observers(request, client_for, governance, persona):
    client = client_for(request.getfixturevalue(persona))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("strategy:indicators") + f"?year={YEAR}")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Commission régionale des Espaces métiers" in html and "75 %" in html
    # session, user, roles (2), then bodies, meetings by body, held months, decisions by body,
    # attendance by body, labelled sites, plans with counts: the same whatever the number of bodies.
    count = len(queries)
    kind = BodyKind.objects.get()
    for n in range(5):
        body = Body.objects.create(name=f"Groupe {n}", kind=kind, scope=BodyScope.REGION)
        Meeting.objects.create(body=body, title="GT", starts_at=_at(4), status=MeetingStatus.HELD)
    with CaptureQueriesContext(connection) as more:
        client.get(reverse("strategy:indicators") + f"?year={YEAR}")
    assert len(more) == count
    assert count <= 12


@pytest.mark.parametrize("persona", ["coordinator_a", "coordinator_b", "partner"])
def test_others_get_403(request, client_for, governance, persona):
    assert client_for(request.getfixturevalue(persona)).get(reverse("strategy:indicators")).status_code == 403


def test_anonymous_goes_to_login(client_for, governance):
    response = client_for(None).get(reverse("strategy:indicators"))
    assert response.status_code == 302 and reverse("login") in response["Location"]
