"""The coordination builds the year's reports from the browser, watches the progress update in place
(htmx polling, no reload), then downloads a site's PDF.

How the work runs here: the « Confirmer » POST records the run and, after its commit, hands its first
steps to Celery. The test catches that hand-over (as a broker would receive the messages) and then
plays the worker itself, in its own thread, with the same tasks run eagerly (`tasks.run_eagerly`):
the browser's page, polling every two seconds, sees the run go from « 0 sur 2 sites » to the end
without being reloaded. The documents are the real ones (stats/reports/documents.py, WeasyPrint).
"""

import hashlib
import io

import pytest
from django.urls import reverse
from playwright.sync_api import expect
from pypdf import PdfReader

from network.enums import Role
from stats.reports import services, tasks
from stats.reports.models import ReportFile, ReportRun
from tests.factories import RoleAssignmentFactory, SiteFactory, UserFactory
from tests.reports.conftest import YEAR

PASSWORD = "bilans-annuels-2026"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def held_runs(monkeypatch):
    """The runs handed to Celery, held here until the test plays the worker."""
    held = []
    monkeypatch.setattr(services, "_enqueue_first_steps", held.append)
    return held


def test_the_coordination_builds_the_reports_and_downloads_a_site_pdf(page, media_root, held_runs):
    SiteFactory(name="Espace métiers de Reims", slug="reims")
    SiteFactory(name="Espace métiers de Troyes", slug="troyes", commune="Troyes", postcode="10000")
    coordination = UserFactory(username="coordination", password=PASSWORD)
    RoleAssignmentFactory(user=coordination, role=Role.REGIONAL_COORDINATOR)

    page.goto(reverse("login"))
    page.locator("input[name=username]").fill("coordination")
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()

    # The form, then its confirmation.
    page.goto(reverse("stats:report_list"))
    expect(page.get_by_role("status")).to_contain_text("Aucun bilan trouvé")
    page.get_by_role("link", name="Générer les bilans de l'année").click()
    page.get_by_label("Année du bilan").fill(str(YEAR))
    page.get_by_role("button", name="Continuer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Générer les bilans {YEAR} ?")
    expect(page.locator("main")).to_contain_text("2 sites labellisés")
    page.get_by_role("button", name="Confirmer et lancer la génération").click()

    # The run's page: nothing built yet, and it polls.
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Génération des bilans {YEAR}")
    expect(page.locator("#run-count")).to_contain_text("0 sur 2 sites")
    run = ReportRun.objects.get()
    assert held_runs == [run.pk]
    page.evaluate("window.notReloaded = true")

    # The worker's part; the page follows without a reload.
    tasks.run_eagerly(run.pk)
    expect(page.locator("#run-count")).to_contain_text("2 sur 2 sites", timeout=60_000)
    expect(page.locator("#run-status")).to_have_text("Terminée")
    assert page.evaluate("window.notReloaded") is True
    expect(page.locator("#run-progress")).not_to_have_attribute("hx-trigger", "every 2s")

    # Download a site's PDF from the list.
    page.get_by_role("link", name="Voir tous les bilans de l'année").click()
    row = page.get_by_role("row").filter(has_text="Espace métiers de Reims")
    with page.expect_download() as download_info:
        row.get_by_role("link", name="Télécharger").click()
    download = download_info.value
    assert download.suggested_filename == f"bilan-{YEAR}-reims-v1.pdf"
    with open(download.path(), "rb") as handle:
        content = handle.read()
    assert content.startswith(b"%PDF")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
    assert "Espace métiers de Reims" in text
    stored = ReportFile.objects.get(site__slug="reims")
    assert hashlib.sha256(content).hexdigest() == stored.sha256
