"""An annual action plan from draft to validation in a real browser, then results only."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from network.enums import Role
from sites.enums import Arbitration, PlanStatus
from sites.models.plans import ActionPlan
from tests.factories import CoordinatorAssignmentFactory, RoleAssignmentFactory, SiteFactory, UserFactory

PASSWORD = "plan-d-actions-2027"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in(page, username):
    page.goto(reverse("login"))
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()


def _add_action(page, title, budget, indicator, target):
    page.get_by_role("link", name="Ajouter une action").click()
    page.get_by_label("Intitulé").fill(title)
    page.get_by_label("Publics visés").fill("Collégiens et demandeurs d'emploi")
    page.get_by_label("Budget demandé (€)").fill(budget)
    page.locator("input[name='indicators-0-label']").fill(indicator)
    page.locator("input[name='indicators-0-target']").fill(target)
    page.get_by_role("button", name="Enregistrer l'action").click()
    expect(page.get_by_role("status")).to_contain_text("a été enregistrée")


def _log_out(page):
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("link", name="Se connecter")).to_be_visible()


def test_plan_from_draft_to_validation_then_results_only(page):
    site = SiteFactory(name="Espace métiers de Reims", slug="reims")
    ctem = UserFactory(username="ctem-reims", password=PASSWORD)
    CoordinatorAssignmentFactory(user=ctem, site=site)
    coordination = UserFactory(username="coordination", password=PASSWORD)
    RoleAssignmentFactory(user=coordination, role=Role.REGIONAL_COORDINATOR)

    # The site coordinator drafts the plan with two actions and proposes it.
    _log_in(page, "ctem-reims")
    page.goto(reverse("plans:list"))
    page.get_by_role("link", name="Nouveau plan d'actions").click()
    page.locator("select[name=site]").select_option(label="Espace métiers de Reims")
    page.locator("input[name=year]").fill("2027")
    page.get_by_role("button", name="Créer le plan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Plan d'actions 2027 — Espace métiers de Reims")
    plan = ActionPlan.objects.get(site=site, year=2027)
    _add_action(page, "Forum des métiers de l'industrie", "3000", "Visiteurs", "400")
    _add_action(page, "Ateliers CV", "1200", "Ateliers tenus", "12")
    page.get_by_role("button", name="Proposer le plan").click()
    expect(page.locator("#plan-status")).to_have_text("Proposé")
    _log_out(page)

    # The coordination records the steering committee's arbitration, transmits, records the validation.
    _log_in(page, "coordination")
    page.goto(reverse("plans:detail", kwargs={"pk": plan.pk}))
    page.get_by_role("link", name="Enregistrer l'arbitrage").click()
    forum, ateliers = plan.actions.order_by("order")
    page.locator(f"select[name=arbitration_{forum.pk}]").select_option(Arbitration.KEPT)
    page.locator(f"select[name=arbitration_{ateliers.pk}]").select_option(Arbitration.MODIFIED)
    page.locator(f"textarea[name=comment_{ateliers.pk}]").fill("Six ateliers au lieu de douze")
    page.locator(f"input[name=budget_{ateliers.pk}]").fill("600")
    page.get_by_role("button", name="Enregistrer l'arbitrage").click()
    expect(page.locator("#plan-status")).to_have_text("Arbitré")
    page.get_by_role("button", name="Transmettre à la Région").click()
    expect(page.locator("#plan-status")).to_have_text("Transmis à la Région")
    page.get_by_label("Commentaire").fill("Délibération de la commission permanente")
    page.get_by_role("button", name="Enregistrer la validation par la Région").click()
    expect(page.locator("#plan-status")).to_have_text("Validé par la Région")
    _log_out(page)

    plan.refresh_from_db()
    ateliers.refresh_from_db()
    assert plan.status == PlanStatus.VALIDATED
    assert (ateliers.arbitration, ateliers.budget_granted) == (Arbitration.MODIFIED, 600)

    # The site coordinator sees the plan validated and may only enter results.
    _log_in(page, "ctem-reims")
    page.goto(reverse("plans:detail", kwargs={"pk": plan.pk}))
    expect(page.locator("#plan-status")).to_have_text("Validé par la Région")
    expect(page.get_by_role("link", name="Ajouter une action")).to_have_count(0)
    expect(page.get_by_role("link", name=re.compile("^Modifier"))).to_have_count(0)
    response = page.goto(reverse("plans:action_edit", kwargs={"pk": forum.pk}))
    assert response is not None and response.status == 403
    page.goto(reverse("plans:detail", kwargs={"pk": plan.pk}))
    page.get_by_role("link", name="Saisir les résultats").click()
    page.get_by_label("Réalisation de « Forum des métiers de l'industrie »").select_option("realisee")
    page.get_by_label(re.compile("^Visiteurs")).fill("450")
    page.get_by_role("button", name="Enregistrer les résultats").click()
    expect(page.get_by_role("status")).to_contain_text("Les résultats ont été enregistrés")
    expect(page.locator(f"#action-{forum.pk} .action-status")).to_have_text("Réalisée")
    forum.refresh_from_db()
    assert forum.status == "realisee"
    assert forum.indicators.get().result == 450
