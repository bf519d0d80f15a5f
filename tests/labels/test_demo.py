"""The label demo loader: what it creates, and nothing the second time."""

import datetime

import pytest

from sites.enums import ApplicationStatus, LabelStatus, RegionDecision
from sites.labels.demo import EM_GRID_NAME, GRID_NAME, load_labels_demo
from sites.models import SiteKind
from sites.models.evaluation import EvaluationGrid, SelfAssessment
from sites.models.labels import LabelApplication, RequiredPiece
from sites.models.visits import CoordinationVisit
from tests.factories import SiteFactory, SiteKindFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 23)


def test_demo_is_idempotent():
    cdm = SiteFactory(kind=SiteKindFactory(code="cite-des-metiers"), labelled_on=datetime.date(2015, 1, 1))
    due = SiteFactory(label_renewal_due_on=TODAY + datetime.timedelta(days=30))
    other = SiteFactory(
        labelled_on=datetime.date(2020, 5, 4), label_renewal_due_on=TODAY + datetime.timedelta(days=900)
    )
    counts = load_labels_demo(today=TODAY)
    assert counts["auto-évaluations"] == 2
    assert set(SelfAssessment.objects.filter(site=cdm).values_list("year", flat=True)) == {2025, 2026}
    renewal = LabelApplication.objects.get(site=due)
    assert renewal.is_renewal and renewal.status == ApplicationStatus.INSTRUCTION
    # Filed complete: each required piece of an Espace métiers has its document.
    assert renewal.missing_pieces() == []
    assert counts["pièces de candidature"] == 4 == renewal.documents.count()
    # Each kind its grid: the Cité des métiers is assessed on its own.
    assert {a.grid.name for a in SelfAssessment.objects.filter(site=cdm)} == {GRID_NAME}
    assert EvaluationGrid.objects.current_for(due.kind).name == EM_GRID_NAME
    granted = LabelApplication.objects.get(site=other)
    assert granted.region_decision == RegionDecision.GRANTED
    assert granted.history.count() == 5
    other.refresh_from_db()
    assert other.label_status == LabelStatus.LABELLED
    assert CoordinationVisit.objects.filter(site=cdm).count() == 3
    # The two years differ on a few items.
    last, this = (
        dict(SelfAssessment.objects.get(site=cdm, year=y).answers.values_list("item_id", "judgement"))
        for y in (2025, 2026)
    )
    assert 0 < sum(last[k] != this[k] for k in last) < 42
    assert load_labels_demo(today=TODAY) == {}
    assert LabelApplication.objects.count() == 2


def test_demo_on_the_network_demo():
    from sites.demo import load_demo

    load_demo(with_accounts=False)
    counts = load_labels_demo()
    assert counts["grilles d'auto-évaluation"] == 2
    # Every demo kind has its grid and its list of pieces.
    for kind in SiteKind.objects.all():
        assert EvaluationGrid.objects.current_for(kind) is not None, kind
        assert RequiredPiece.objects.for_kind(kind).filter(required=True).exists(), kind
    assert (
        EvaluationGrid.objects.current_for(SiteKind.objects.get(code="espace-metiers")).name == EM_GRID_NAME
    )
    assert EvaluationGrid.objects.current_for(SiteKind.objects.get(code="cite-des-metiers")).name == GRID_NAME
    assert counts["auto-évaluations"] == 2
    assert counts["candidatures"] == 2
    assert SelfAssessment.objects.filter(site__slug="cite-des-metiers-nord-franche-comte").count() == 2
    assert LabelApplication.objects.filter(status=ApplicationStatus.INSTRUCTION, is_renewal=True).count() == 1
    assert load_labels_demo() == {}
