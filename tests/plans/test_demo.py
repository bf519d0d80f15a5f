"""The demo plans load on the demo sites, follow the workflow, and load only once."""

import datetime

import pytest

from sites.demo import load_demo
from sites.enums import Arbitration, PlanStatus
from sites.models.plans import ActionPlan, PlanTransition
from sites.plans.demo import load_plans_demo

pytestmark = pytest.mark.django_db


def test_demo_plans_are_realistic_and_idempotent(settings):
    settings.DEBUG = True
    load_demo(with_accounts=True)
    today = datetime.date(2026, 6, 15)
    report = load_plans_demo(today=today)
    assert report["plans d'actions"] > 0
    assert ActionPlan.objects.filter(year=2025).exclude(status=PlanStatus.REVIEWED).count() == 0
    this_year = ActionPlan.objects.filter(year=2026)
    assert this_year.get(site__slug="troyes").status == PlanStatus.PROPOSED
    assert this_year.filter(status=PlanStatus.VALIDATED).exists()
    reims = this_year.get(site__slug="reims")
    assert reims.actions.filter(arbitration=Arbitration.MODIFIED).exists()
    assert [t.to_status for t in reims.transitions.all()] == [
        PlanStatus.PROPOSED,
        PlanStatus.ARBITRATED,
        PlanStatus.SENT_TO_REGION,
        PlanStatus.VALIDATED,
    ]
    assert reims.transitions.filter(author__username="coordination").count() == 3
    assert all(t.created_at.date() <= today for t in PlanTransition.objects.all())

    counts = (ActionPlan.objects.count(), PlanTransition.objects.count())
    assert load_plans_demo(today=today) == {"plans d'actions": 0}
    assert (ActionPlan.objects.count(), PlanTransition.objects.count()) == counts
