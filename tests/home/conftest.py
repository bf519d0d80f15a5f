"""The network of the home tests, on 15 June 2026: some work waiting for each persona.

- site A (coordinator A): April and May 2026 open (late), April sent back with a reason; a label
  application in preparation; the 2026 plan in draft; no self-assessment yet; its steering committee
  meets on 25 June; the « Forum des métiers » on 20 June.
- site B: March submitted (awaiting validation), February validated; a label application filed; the
  2026 plan proposed; its label renewal was due on 1 June.
- the regional commission met on 20 May (minutes still a draft) and decided something due on 1 June,
  not done; it meets again on 2 July, the partner's organisation sits in it; the partner
  co-organises the « Job dating » of 22 June.
"""

import datetime
from zoneinfo import ZoneInfo

import pytest

NOW = datetime.datetime(2026, 6, 15, 10, tzinfo=ZoneInfo("Europe/Paris"))
TODAY = NOW.date()
PARIS = ZoneInfo("Europe/Paris")


def at(day: int, month: int, hour: int = 14) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, tzinfo=PARIS)


@pytest.fixture
def work(personas, site_a, site_b):
    return build_work(personas, site_a, site_b)


def build_work(personas, site_a, site_b) -> dict:
    """The scenario above (also used by the browser journey tests/e2e/test_homes_journey.py)."""
    from events.enums import EventStatus
    from events.models import Event, EventDate, EventKind
    from network.enums import BodyScope, DecisionKind, DecisionStatus, MeetingStatus, MinutesStatus
    from network.models.governance import Body, BodyKind, BodyMember, Decision, Meeting, Minutes
    from sites.enums import ApplicationStatus, PlanStatus
    from sites.models.evaluation import EvaluationGrid
    from sites.models.labels import LabelApplication
    from sites.models.plans import ActionPlan
    from stats.enums import PeriodStatus
    from stats.models import Period

    def month(m):
        return datetime.date(2026, m, 1)

    Period.objects.create(site=site_a, month=month(5))
    april = Period.objects.create(site=site_a, month=month(4), reopen_reason="Totaux d'avril incohérents")
    Period.objects.create(site=site_a, month=month(3), status=PeriodStatus.LOCKED)
    Period.objects.create(site=site_b, month=month(5), status=PeriodStatus.SUBMITTED)
    Period.objects.create(site=site_b, month=month(4), status=PeriodStatus.VALIDATED)

    site_b.label_renewal_due_on = datetime.date(2026, 6, 1)
    site_b.save(update_fields=["label_renewal_due_on"])
    draft = LabelApplication.objects.create(site=site_a)
    filed = LabelApplication.objects.create(
        site=site_b,
        is_renewal=True,
        status=ApplicationStatus.SUBMITTED,
        submitted_on=datetime.date(2026, 6, 2),
    )
    EvaluationGrid.objects.create(name="Grille", version="2026", published_on=month(1), is_current=True)

    plan_a = ActionPlan.objects.create(site=site_a, year=2026)
    plan_b = ActionPlan.objects.create(site=site_b, year=2026, status=PlanStatus.PROPOSED)

    commission_kind, _ = BodyKind.objects.get_or_create(code="commission", defaults={"label": "Commission"})
    copil_kind, _ = BodyKind.objects.get_or_create(
        code="copil-home", defaults={"label": "Comité de pilotage"}
    )
    commission = Body.objects.create(
        name="Commission régionale", kind=commission_kind, scope=BodyScope.REGION
    )
    copil = Body.objects.create(
        name="Comité de pilotage de Reims", kind=copil_kind, scope=BodyScope.SITE, site=site_a
    )
    BodyMember.objects.create(
        body=commission, full_name="Paule Partenaire", organisation=personas["partner"].organisation
    )
    held = Meeting.objects.create(
        body=commission, title="Commission de mai", starts_at=at(20, 5), status=MeetingStatus.HELD
    )
    Minutes.objects.create(meeting=held, text="Compte rendu", status=MinutesStatus.DRAFT)
    decision = Decision.objects.create(
        meeting=held,
        kind=DecisionKind.DECISION,
        summary="Écrire aux sites",
        due_date=datetime.date(2026, 6, 1),
        status=DecisionStatus.OPEN,
    )
    next_commission = Meeting.objects.create(
        body=commission, title="Commission de juillet", starts_at=at(2, 7)
    )
    copil_meeting = Meeting.objects.create(body=copil, title="Comité de juin", starts_at=at(25, 6))

    kind, _ = EventKind.objects.get_or_create(code="forum-home", defaults={"label": "Forum"})
    forum = Event.objects.create(title="Forum des métiers", kind=kind, status=EventStatus.CONFIRMED)
    forum.sites.add(site_a)
    EventDate.objects.create(event=forum, start=at(20, 6), end=at(20, 6, 17))
    job_dating = Event.objects.create(title="Job dating alternance", kind=kind)
    job_dating.sites.add(site_b)
    job_dating.partners.add(personas["partner"].organisation)
    EventDate.objects.create(event=job_dating, start=at(22, 6), end=at(22, 6, 17))

    return {
        "april": april,
        "draft_application": draft,
        "filed_application": filed,
        "plan_a": plan_a,
        "plan_b": plan_b,
        "held": held,
        "decision": decision,
        "next_commission": next_commission,
        "copil_meeting": copil_meeting,
        "forum": forum,
        "job_dating": job_dating,
    }
