"""The label applications, offered as subjects of the steering bodies' agenda items and decisions."""

from network.governance.subjects import register_subject_source
from sites.models.labels import LabelApplication


def visible_applications(user):
    return LabelApplication.objects.visible_to(user).select_related("site")


register_subject_source("label_applications", visible_applications, order=10)
