"""Reads of the label app that span several models (self-evaluations, their grid and answers).

Callers pass objects already fetched through the scoped querysets (`data_visible_to`, ...).
"""

from dataclasses import dataclass, field

from django.db.models import Count, Q

from ..enums import LabelStatus
from ..models import Site
from ..models.evaluation import EvaluationGrid, SelfAssessment


def site_assessment(site: Site, year: int) -> SelfAssessment | None:
    """The self-evaluation of a site for a year, with its grid and submitter, or None."""
    return SelfAssessment.objects.filter(site=site, year=year).select_related("grid", "submitted_by").first()


def assessment_grid(assessment: SelfAssessment | None, site: Site) -> EvaluationGrid | None:
    """The grid of a self-evaluation, or for a new one the grid in force for its site's kind
    (None when there is none)."""
    return assessment.grid if assessment else EvaluationGrid.objects.current_for(site.kind_id)


def assessment_initial(assessment: SelfAssessment | None) -> dict[str, str]:
    """The saved answers of a self-evaluation as the assessment form's initial data."""
    initial = {}
    if assessment:
        for answer in assessment.answers.all():
            initial[f"judgement_{answer.item_id}"] = answer.judgement
            initial[f"evidence_{answer.item_id}"] = answer.evidence
    return initial


@dataclass
class PreviousAnswers:
    """Last year's self-evaluation and its judgements, by item and by item wording."""

    assessment: SelfAssessment | None
    by_item: dict[int, str] = field(default_factory=dict)
    by_text: dict[str, str] = field(default_factory=dict)

    def judgement(self, item) -> str:
        """Last year's judgement of an item, matched across grid versions by its wording."""
        return self.by_item.get(item.pk) or self.by_text.get(item.text, "")


def previous_year_answers(site: Site, year: int) -> PreviousAnswers:
    """The self-assessment comparison with last year: the previous year's answers of the site."""
    previous = PreviousAnswers(SelfAssessment.objects.filter(site=site, year=year - 1).first())
    if previous.assessment:
        for answer in previous.assessment.answers.select_related("item"):
            previous.by_item[answer.item_id] = answer.judgement
            previous.by_text[answer.item.text] = answer.judgement
    return previous


def visits_of_year(visits, year: int):
    """The coordination visits of a year, newest first, with their follow-ups counted (all, open)."""
    return (
        visits.filter(visited_on__year=year)
        .annotate(
            follow_up_count=Count("follow_ups"),
            open_follow_up_count=Count("follow_ups", filter=Q(follow_ups__done_on__isnull=True)),
        )
        .order_by("-visited_on", "-pk")
    )


def visit_counts_by_site(sites, year: int):
    """The coordination visits of a year per site (withdrawn sites left out): slug, name, visit_count."""
    return (
        sites.exclude(label_status=LabelStatus.WITHDRAWN)
        .annotate(
            visit_count=Count("coordination_visits", filter=Q(coordination_visits__visited_on__year=year))
        )
        .values("slug", "name", "visit_count")
    )
