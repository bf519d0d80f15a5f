"""The sites app's models. Only the sites core is exported here; the layers above it (labels,
self-evaluation, coordination visits, action plans) are imported from their own modules
(`sites.models.plans`…), so that the import contracts see who reads them. The import below
registers them with Django, which loads `sites.models` only."""

from . import evaluation, labels, plans, visits  # noqa: F401 - registers the models of the upper layers.
from .core import (
    CoordinatorAssignment,
    LabelStatusChange,
    ServiceLevel,
    Site,
    SiteKind,
    SiteQuerySet,
    Theme,
)

__all__ = [
    "CoordinatorAssignment",
    "LabelStatusChange",
    "ServiceLevel",
    "Site",
    "SiteKind",
    "SiteQuerySet",
    "Theme",
]
