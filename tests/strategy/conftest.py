"""Small builders for the strategy tests (the shared factories stay untouched)."""

import datetime

import pytest

from network.models.strategy import (
    Challenge,
    Indicator,
    IndicatorValue,
    Milestone,
    Priority,
    StrategicAction,
    Strategy,
)
from tests.factories import OrganisationFactory


@pytest.fixture
def strategy(db):
    """A strategy 2023–2028 with one priority, one challenge, one action, two milestones, one indicator."""
    strategy = Strategy.objects.create(title="Volet orientation du CPRDFOP", start_year=2023, end_year=2028)
    priority = Priority.objects.create(
        strategy=strategy, code="P2", title="L'orientation tout au long de la vie"
    )
    challenge = Challenge.objects.create(priority=priority, code="D1", title="Le SPRO au service du public")
    action = StrategicAction.objects.create(
        challenge=challenge,
        code="A1",
        title="Organiser une information objective sur les métiers",
        pilot=OrganisationFactory(name="GIP Arifor"),
    )
    action.partners.add(OrganisationFactory(name="CIO de Reims"))
    Milestone.objects.create(
        action=action, label="Cartographie des acteurs", due_on=datetime.date(2024, 3, 1)
    )
    Milestone.objects.create(
        action=action,
        label="Charte signée",
        due_on=datetime.date(2024, 6, 1),
        done_on=datetime.date(2024, 5, 20),
    )
    indicator = Indicator.objects.create(
        action=action, code="membres-spro", label="Membres du SPRO reconnus", unit="structures", target=200
    )
    IndicatorValue.objects.create(indicator=indicator, year=2023, value=120)
    return strategy
