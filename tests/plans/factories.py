"""Factories of the action plan tests (kept here: tests/factories.py belongs to everyone)."""

import factory

from sites.enums import PlanStatus
from sites.models.plans import ActionIndicator, ActionPlan, PlanAction
from tests.factories import SiteFactory


class ActionPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ActionPlan

    site = factory.SubFactory(SiteFactory)
    year = 2026
    status = PlanStatus.DRAFT


class PlanActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlanAction

    plan = factory.SubFactory(ActionPlanFactory)
    title = factory.Sequence(lambda n: f"Forum des métiers n° {n}")
    target_publics = "Collégiens, demandeurs d'emploi"
    budget_requested = 1000


class ActionIndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ActionIndicator

    action = factory.SubFactory(PlanActionFactory)
    label = "Participants"
    unit = "personnes"
    target = 100
