"""The events demo: two years of events for the demo sites, idempotent."""

import datetime

import pytest
from django.utils import timezone

from events.demo import load_events_demo
from events.enums import EventStatus
from events.models import AttendanceCount, Event, MonthlyTheme, TerritorialProgramme
from sites.demo import load_demo
from stats.demo import load_reference_lists
from tests.events.conftest import FROZEN

pytestmark = [pytest.mark.django_db, FROZEN]


@pytest.fixture
def demo_network(db):
    load_demo(with_accounts=False)
    load_reference_lists()


def test_demo_loads_two_years_and_is_idempotent(demo_network):
    created = load_events_demo()
    assert created["événements"] > 300
    assert created["programmes territoriaux"] == 8  # four départements, two years
    today = timezone.localdate()
    past = Event.objects.filter(dates__start__lt=timezone.now()).distinct()
    future = Event.objects.filter(dates__start__gte=timezone.now()).distinct()
    assert past.filter(status=EventStatus.HELD, present__isnull=False).count() > 100
    assert not past.filter(published=False).exists()
    assert future.filter(published=True).count() > 50
    assert Event.objects.filter(status=EventStatus.CANCELLED).exclude(cancellation_reason="").exists()
    assert Event.objects.filter(previous_start__isnull=False).exists()
    assert AttendanceCount.objects.exists()
    assert MonthlyTheme.objects.filter(month=today.replace(day=1)).count() == 11
    # Every breakdown sums to at most the number present.
    for event in Event.objects.filter(present__isnull=False)[:50]:
        for dimension in ("sex", "age_band", "situation"):
            total = sum(r.count for r in event.attendance_counts.all() if getattr(r, f"{dimension}_id"))
            assert total <= event.present
    first = min(Event.objects.values_list("dates__start", flat=True))
    assert first.date() >= today - datetime.timedelta(days=560)
    before = {
        model: model.objects.count() for model in (Event, AttendanceCount, MonthlyTheme, TerritorialProgramme)
    }
    again = load_events_demo()
    assert set(again.values()) == {0}
    assert {model: model.objects.count() for model in before} == before
