from .core import (
    CoordinatorAssignment,
    LabelStatusChange,
    ServiceLevel,
    Site,
    SiteKind,
    SiteQuerySet,
    Theme,
)
from .evaluation import (
    MAX_EVIDENCE_LINES,
    AssessmentAnswer,
    EvaluationGrid,
    EvaluationItem,
    EvaluationTheme,
    SelfAssessment,
)
from .labels import ApplicationDocument, LabelApplication
from .plans import ActionIndicator, ActionPlan, PlanAction, PlanTransition
from .visits import CoordinationVisit, CoordinationVisitFollowUp

__all__ = [
    "MAX_EVIDENCE_LINES",
    "ActionIndicator",
    "ActionPlan",
    "ApplicationDocument",
    "AssessmentAnswer",
    "CoordinationVisit",
    "CoordinationVisitFollowUp",
    "CoordinatorAssignment",
    "EvaluationGrid",
    "EvaluationItem",
    "EvaluationTheme",
    "LabelApplication",
    "LabelStatusChange",
    "PlanAction",
    "PlanTransition",
    "SelfAssessment",
    "ServiceLevel",
    "Site",
    "SiteKind",
    "SiteQuerySet",
    "Theme",
]
