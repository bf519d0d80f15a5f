"""The yearly self-evaluation: the grid, drafts and transmission, evidence limits, comparison
with the previous year, and personas."""

import pytest
from django.urls import reverse

from sites.enums import AssessmentStatus, Judgement
from sites.labels import services
from sites.labels.demo import load_evaluation_grid
from sites.models.evaluation import (
    AssessmentAnswer,
    EvaluationGrid,
    EvaluationItem,
    EvaluationTheme,
    SelfAssessment,
)

pytestmark = pytest.mark.django_db

YEAR = 2025


def _url(site, year=YEAR):
    return reverse("labels:assessment_edit", kwargs={"slug": site.slug, "year": year})


def _answers(grid, judgement=Judgement.YES, evidence="Preuve."):
    items = EvaluationItem.objects.filter(theme__grid=grid)
    data = {}
    for item in items:
        data[f"judgement_{item.pk}"] = judgement
        data[f"evidence_{item.pk}"] = evidence
    return data


def test_grid_seed_has_seven_themes_and_42_items_and_is_idempotent(db):
    grid = load_evaluation_grid()
    load_evaluation_grid()
    assert EvaluationGrid.objects.count() == 1
    assert grid.is_current
    assert grid.version == "2015"
    assert EvaluationTheme.objects.filter(grid=grid).count() == 7
    assert EvaluationItem.objects.filter(theme__grid=grid).count() == 42
    assert EvaluationItem.objects.filter(text="Le service est anonyme et respecte la vie privée.").exists()


def test_page_lists_every_item_grouped_by_theme(client_for, coordinator_a, site_a, grid):
    page = client_for(coordinator_a).get(_url(site_a)).content.decode()
    assert page.count('type="radio"') == 42 * 3
    assert "Stratégie de développement" in page
    assert "Le service est anonyme et respecte la vie privée." in page


def test_save_a_draft_then_transmit(client_for, coordinator_a, site_a, grid):
    client = client_for(coordinator_a)
    item = EvaluationItem.objects.filter(theme__grid=grid).first()
    response = client.post(_url(site_a), {f"judgement_{item.pk}": "partiel", "action": "draft"})
    assert response.status_code == 302
    assessment = SelfAssessment.objects.get(site=site_a, year=YEAR)
    assert assessment.status == AssessmentStatus.DRAFT
    assert assessment.answers.get().judgement == Judgement.PARTIAL
    # Transmitting needs every item answered.
    response = client.post(_url(site_a), {f"judgement_{item.pk}": "partiel", "action": "submit"})
    assert response.status_code == 200
    assert "Choisissez une appréciation" in response.content.decode()
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.DRAFT
    response = client.post(_url(site_a), {**_answers(grid), "action": "submit"})
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.SUBMITTED
    assert assessment.submitted_by == coordinator_a
    assert assessment.answers.count() == 42


def test_evidence_is_limited_to_five_lines(client_for, coordinator_a, site_a, grid):
    item = EvaluationItem.objects.filter(theme__grid=grid).first()
    evidence = "\n".join(f"ligne {n}" for n in range(6))
    response = client_for(coordinator_a).post(
        _url(site_a), {f"judgement_{item.pk}": "oui", f"evidence_{item.pk}": evidence, "action": "draft"}
    )
    assert response.status_code == 200
    assert "5 lignes au plus (vous en avez écrit 6)" in response.content.decode()
    assert not AssessmentAnswer.objects.exists()
    # Blank lines do not count.
    evidence = "a\n\nb\n\nc\n\nd\n\ne\n"
    response = client_for(coordinator_a).post(
        _url(site_a), {f"judgement_{item.pk}": "oui", f"evidence_{item.pk}": evidence, "action": "draft"}
    )
    assert response.status_code == 302


def test_transmitted_assessment_is_read_only_for_the_site(
    client_for, coordinator_a, regional_coordinator, site_a, grid
):
    services.self_assessment_save(
        site=site_a, year=YEAR, grid=grid, answers=dict.fromkeys(_item_ids(grid), ("oui", "")), submit=True
    )
    client = client_for(coordinator_a)
    page = client.get(_url(site_a)).content.decode()
    assert "Lecture seule" in page
    assert "Transmettre à la coordination" not in page
    assert client.post(_url(site_a), {**_answers(grid, "non"), "action": "draft"}).status_code == 403
    assert not AssessmentAnswer.objects.filter(judgement="non").exists()
    # The coordination may still correct it, or give it back.
    response = client_for(regional_coordinator).post(
        _url(site_a), {**_answers(grid, "non"), "action": "submit"}
    )
    assert response.status_code == 302
    assert AssessmentAnswer.objects.filter(judgement="non").count() == 42
    client_for(regional_coordinator).post(
        reverse("labels:assessment_reopen", kwargs={"slug": site_a.slug, "year": YEAR})
    )
    assert SelfAssessment.objects.get().status == AssessmentStatus.DRAFT


def _item_ids(grid):
    return list(EvaluationItem.objects.filter(theme__grid=grid).values_list("pk", flat=True))


def test_comparison_with_previous_year(client_for, regional_coordinator, site_a, grid):
    ids = _item_ids(grid)
    services.self_assessment_save(
        site=site_a, year=YEAR - 1, grid=grid, answers=dict.fromkeys(ids, ("non", ""))
    )
    answers = dict.fromkeys(ids, ("non", ""))
    answers[ids[0]] = ("oui", "Mieux.")
    services.self_assessment_save(site=site_a, year=YEAR, grid=grid, answers=answers)
    response = client_for(regional_coordinator).get(_url(site_a))
    page = response.content.decode()
    assert page.count("Changé") == 1
    assert "L'an dernier : Non" in page
    first_theme = response.context["sections"][0]
    counts = {label: (this, last) for label, this, last in first_theme["counts"]}
    assert counts["Oui"] == (1, 0)
    assert counts["Non"] == (8, 9)


def test_personas(client_for, coordinator_b, observer, partner, site_a, grid):
    assert client_for(None).get(_url(site_a)).status_code == 302
    assert client_for(coordinator_b).get(_url(site_a)).status_code == 404
    assert client_for(partner).get(_url(site_a)).status_code == 404
    assert (
        client_for(coordinator_b).post(_url(site_a), {**_answers(grid), "action": "submit"}).status_code
        == 404
    )
    page = client_for(observer).get(_url(site_a))
    assert page.status_code == 200
    assert "Lecture seule" in page.content.decode()
    assert client_for(observer).post(_url(site_a), {**_answers(grid), "action": "submit"}).status_code == 403
    assert not SelfAssessment.objects.exists()
    list_url = reverse("labels:assessment_list", kwargs={"slug": site_a.slug})
    assert client_for(coordinator_b).get(list_url).status_code == 404
    assert client_for(observer).get(list_url).status_code == 200


def test_no_current_grid_is_a_404(client_for, regional_coordinator, site_a):
    assert client_for(regional_coordinator).get(_url(site_a)).status_code == 404


def test_assessment_page_query_count(
    client_for, regional_coordinator, site_a, grid, django_assert_max_num_queries
):
    ids = _item_ids(grid)
    services.self_assessment_save(
        site=site_a, year=YEAR - 1, grid=grid, answers=dict.fromkeys(ids, ("non", ""))
    )
    services.self_assessment_save(site=site_a, year=YEAR, grid=grid, answers=dict.fromkeys(ids, ("oui", "")))
    # Session, user, roles (2), site, assessment with its grid, "can edit" check, themes, items,
    # answers, previous assessment, its answers with their items: not one query per item.
    client = client_for(regional_coordinator)
    with django_assert_max_num_queries(13):
        client.get(_url(site_a))


def test_years_out_of_range_are_404(client_for, regional_coordinator, site_a, grid):
    assert client_for(regional_coordinator).get(_url(site_a, 1990)).status_code == 404
