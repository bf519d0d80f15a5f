"""The action plans, offered as subjects of the steering bodies' agenda items and decisions."""

from network.governance.subjects import register_subject_source
from sites.models.plans import ActionPlan


def visible_plans(user):
    return ActionPlan.objects.visible_to(user).select_related("site")


register_subject_source("action_plans", visible_plans, order=20)
