"""What an agenda item or a decision may be about: the subject sources, offered by the apps above.

Governance sits below the label applications and the action plans: it does not import them. Each of
those apps registers a source at start-up (sites/labels/subjects.py, sites/plans/subjects.py, imported
by sites.apps), a function returning the objects of its kind that a person reads; the forms of
network/governance/forms.py offer their union, grouped by kind.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import QuerySet


@dataclass(frozen=True)
class SubjectSource:
    name: str
    # user → the objects of that kind the person reads (a scoped queryset).
    visible_to: Callable[..., QuerySet]
    # Where the group appears among the choices (lowest first).
    order: int = 0


_SOURCES: dict[str, SubjectSource] = {}


def register_subject_source(name: str, visible_to: Callable[..., QuerySet], *, order: int = 0) -> None:
    """Offer a kind of subject; registering the same name again replaces it (module re-imports)."""
    _SOURCES[name] = SubjectSource(name=name, visible_to=visible_to, order=order)


def subject_sources() -> list[SubjectSource]:
    return sorted(_SOURCES.values(), key=lambda source: (source.order, source.name))
