"""The demo strategy, sessions and visits load on the demo network, and load only once."""

import datetime

import pytest
from django.urls import reverse

from network.models.governance import ProfessionalisationSession
from network.models.strategy import Indicator, StrategicAction, Strategy
from network.strategy.demo import load_strategy_demo
from network.strategy.indicators import strategy_progress
from sites.demo import load_demo
from sites.enums import VisitPurpose
from sites.labels.demo_visits import load_visits_demo
from sites.models import Site
from sites.models.visits import CoordinationVisit

pytestmark = pytest.mark.django_db


def test_demo_strategy_is_realistic_and_idempotent(client_for, regional_coordinator):
    load_demo(with_accounts=False)
    today = datetime.date(2026, 6, 15)
    report = load_strategy_demo(today=today)
    # The coordination visits are the sites' layer's demo, loaded next by seed_demo.
    assert "visites sur site" not in report
    load_visits_demo(today=today)
    assert report["priorités"] == 3 and report["fiches-actions"] >= 5
    strategy = Strategy.objects.get()
    assert strategy.start_year <= today.year <= strategy.end_year
    assert not StrategicAction.objects.filter(pilot__isnull=True).exists()
    assert Indicator.objects.get(code="zooms-metiers").values.count() == 3  # 2023, 2024, 2025
    assert ProfessionalisationSession.objects.filter(starts_on__year=2025).count() == 4
    assert ProfessionalisationSession.objects.filter(participations__isnull=True).count() == 0

    labelled = Site.objects.labelled().count()
    assert labelled > 0
    assert CoordinationVisit.objects.filter(visited_on__year=2025).count() == 5 * labelled
    for visit in CoordinationVisit.objects.all():
        assert visit.visited_on.weekday() < 5
        if visit.purpose == VisitPurpose.YEARLY_REVIEW:
            assert visit.visited_on.month in (1, 2)
        if visit.purpose == VisitPurpose.PROGRAMME_REVIEW:
            assert visit.visited_on.month in (5, 6)
        if visit.purpose == VisitPurpose.COMMITTEE_PREPARATION:
            assert visit.visited_on.month in (9, 10)

    rows = strategy_progress(strategy, 2025, regional_coordinator, today)
    assert sum(row.milestones_due for row in rows) > 0

    assert load_strategy_demo(today=today) == {}
    assert load_visits_demo(today=today) == {}
    assert Strategy.objects.count() == 1


def test_demo_pages_render(client_for, regional_coordinator):
    load_demo(with_accounts=False)
    load_strategy_demo()
    client = client_for(regional_coordinator)
    for name in ["strategy:overview", "strategy:dashboard", "strategy:session_list", "strategy:calendar"]:
        assert client.get(reverse(name)).status_code == 200, name
    assert client.get(reverse("strategy:indicators")).status_code == 200
