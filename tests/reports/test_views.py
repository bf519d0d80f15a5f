"""The reports' pages and downloads, for every persona; starting a run with its confirmation; the
progress block htmx polls; the narrative form."""

import hashlib

import pytest
from django.urls import reverse

from stats.reports import services, tasks
from stats.reports.enums import RunStatus
from stats.reports.models import Narrative, ReportFile, ReportRun
from tests.helpers import PERSONAS, assert_status, element_text, links, text

from .conftest import YEAR

pytestmark = pytest.mark.django_db


@pytest.fixture
def built(site_a, site_b, fake_documents, personas):
    run = services.report_run_start(YEAR, None, False, None, enqueue=False)
    tasks.run_eagerly(run.pk)
    provisional = services.report_run_start(YEAR, ["site"], True, None, sites=[site_a], enqueue=False)
    tasks.run_eagerly(provisional.pk)
    files = {
        f"{f.kind}:{f.site.slug if f.site else ''}:{'p' if f.provisional else 'f'}": f
        for f in ReportFile.objects.all()
    }
    return run, files


def _download(client, report_file):
    return client.get(reverse("stats:report_download", kwargs={"pk": report_file.pk}))


PAGE_ACCESS = {
    "anonymous": "login",
    "regional_coordinator": 200,
    "coordinator_a": 200,
    "coordinator_b": 200,
    "partner": 403,
    "observer": 200,
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_list_by_persona(persona, as_persona, built):
    response = as_persona(persona).get(reverse("stats:report_list"))
    assert_status(response, PAGE_ACCESS[persona])
    if response.status_code != 200:
        return
    page = element_text(response, "main table")
    if persona in ("regional_coordinator", "observer"):
        assert "Espace métiers de Reims" in page and "Espace métiers de Troyes" in page
        assert "Bilan régional consolidé" in page
    elif persona == "coordinator_a":
        assert "Espace métiers de Reims" in page and "Troyes" not in page and "régional" not in page
    starts = reverse("stats:report_run_start") in links(response)
    assert starts == (persona == "regional_coordinator")


# (file, persona) -> expected status of the file's detail page and download.
FILE_ACCESS = {
    "site:reims:f": {
        "regional_coordinator": 200,
        "coordinator_a": 200,
        "coordinator_b": 404,
        "partner": 200,
        "observer": 200,
    },
    "site:reims:p": {
        "regional_coordinator": 200,
        "coordinator_a": 200,
        "coordinator_b": 404,
        "partner": 404,
        "observer": 200,
    },
    "site:troyes:f": {
        "regional_coordinator": 200,
        "coordinator_a": 404,
        "coordinator_b": 200,
        "partner": 200,
        "observer": 200,
    },
    "region::f": {
        "regional_coordinator": 200,
        "coordinator_a": 404,
        "coordinator_b": 404,
        "partner": 200,
        "observer": 200,
    },
    "governance::f": {
        "regional_coordinator": 200,
        "coordinator_a": 404,
        "coordinator_b": 404,
        "partner": 200,
        "observer": 200,
    },
}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("key", FILE_ACCESS)
def test_every_download_by_persona(persona, key, as_persona, built):
    _run, files = built
    report_file = files[key]
    expected = "login" if persona == "anonymous" else FILE_ACCESS[key][persona]
    client = as_persona(persona)
    response = _download(client, report_file)
    assert_status(response, expected)
    detail = client.get(reverse("stats:report_detail", kwargs={"pk": report_file.pk}))
    assert_status(detail, expected)
    if expected == 200:
        content = b"".join(response.streaming_content)
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment;")
        assert report_file.download_name in response["Content-Disposition"]
        assert response["X-Checksum-SHA256"] == hashlib.sha256(content).hexdigest() == report_file.sha256
        assert report_file.sha256 in text(detail)


def test_a_missing_file_is_a_404(as_persona, built):
    _run, files = built
    report_file = files["site:reims:f"]
    report_file.file.storage.delete(report_file.file.name)
    assert _download(as_persona("regional_coordinator"), report_file).status_code == 404


def test_versions_are_listed(as_persona, built, site_a):
    run = services.report_run_start(YEAR, ["site"], False, None, sites=[site_a], enqueue=False)
    tasks.run_eagerly(run.pk)
    current = ReportFile.objects.get(site=site_a, is_current=True, provisional=False)
    response = as_persona("coordinator_a").get(reverse("stats:report_detail", kwargs={"pk": current.pk}))
    page = element_text(response, "main table tbody")
    assert (
        "Télécharger la version 3" in page
        and "Télécharger la version 2" in page
        and "Télécharger la version 1" in page
    )
    assert "ancienne version" in page


def test_filters_and_hostile_values(as_persona, built):
    client = as_persona("regional_coordinator")
    response = client.get(reverse("stats:report_list"), {"kind": "region", "year": YEAR})
    assert element_text(response, "main table tbody").count("Télécharger") == 1
    response = client.get(reverse("stats:report_list"), {"site": "troyes", "provisional": "non"})
    assert "Espace métiers de Troyes" in element_text(response, "main table tbody")
    response = client.get(
        reverse("stats:report_list"), {"year": "99999999999999999999", "page": "-1", "site": "zz"}
    )
    assert response.status_code == 200


# Runs


RUN_ACCESS = {
    "anonymous": "login",
    "regional_coordinator": 200,
    "coordinator_a": 404,
    "coordinator_b": 404,
    "partner": 404,
    "observer": 200,
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_run_pages_by_persona(persona, as_persona, built):
    run, _files = built
    client = as_persona(persona)
    assert_status(client.get(reverse("stats:report_run", kwargs={"pk": run.pk})), RUN_ACCESS[persona])
    assert_status(
        client.get(reverse("stats:report_run_progress", kwargs={"pk": run.pk})), RUN_ACCESS[persona]
    )
    start = client.get(reverse("stats:report_run_start"))
    assert_status(start, {"anonymous": "login", "regional_coordinator": 200}.get(persona, 403))
    posted = client.post(
        reverse("stats:report_run_start"), {"year": YEAR, "kinds": ["site"], "confirmed": "1"}
    )
    assert_status(posted, {"anonymous": "login", "regional_coordinator": 302}.get(persona, 403))


def test_starting_asks_for_a_confirmation_then_runs(
    as_persona, site_a, site_b, fake_documents, django_capture_on_commit_callbacks, settings
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    from spro.celery import app

    app.conf.task_always_eager = True
    try:
        client = as_persona("regional_coordinator")
        form = {"year": YEAR, "kinds": ["site", "region", "governance"], "provisional": "on"}
        response = client.post(reverse("stats:report_run_start"), form)
        assert response.status_code == 200
        assert "Générer les bilans" in element_text(response, "h1")
        assert "2 sites labellisés" in text(response)
        assert not ReportRun.objects.exists()

        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("stats:report_run_start"), {**form, "confirmed": "1"})
        run = ReportRun.objects.get()
        assert response.url == reverse("stats:report_run", kwargs={"pk": run.pk})
        assert run.provisional and run.status == RunStatus.DONE
        page = client.get(response.url)
        assert "2 sur 2 sites" in element_text(page, "#run-count")
        # Finished: the block stops polling.
        assert "hx-trigger" not in page.content.decode()
    finally:
        app.conf.task_always_eager = False


def test_a_running_run_polls_and_shows_errors_in_french(as_persona, site_a, site_b, fake_documents):
    run = services.report_run_start(YEAR, None, False, None, enqueue=False)
    services.report_step_retrying(
        run.pk,
        services.site_key(site_b.pk),
        "Erreur d'écriture ou de lecture d'un fichier : disque plein",
        1,
        3,
    )
    services.report_step_finished(run.pk, services.site_key(site_a.pk))
    response = as_persona("regional_coordinator").get(
        reverse("stats:report_run_progress", kwargs={"pk": run.pk})
    )
    block = text(response)
    assert 'hx-trigger="every 2s"' in block
    assert "1 sur 2 sites" in element_text(response, "#run-count")
    assert "essai 1 sur 3 en échec, nouvel essai prévu" in block and "disque plein" in block


def test_the_form_refuses_a_final_report_of_the_current_year(as_persona, site_a):
    from django.utils import timezone

    response = as_persona("regional_coordinator").post(
        reverse("stats:report_run_start"),
        {"year": timezone.localdate().year, "kinds": ["site"], "confirmed": "1"},
    )
    assert response.status_code == 400
    assert "seul un bilan provisoire est possible" in text(response)


# Narratives


NARRATIVE_ACCESS = {
    "anonymous": "login",
    "regional_coordinator": 200,
    "coordinator_a": 200,
    "coordinator_b": 404,
    "partner": 404,
    "observer": 200,
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_narrative_pages_by_persona(persona, as_persona, personas, site_a):
    client = as_persona(persona)
    url = reverse("stats:report_narrative", kwargs={"year": YEAR, "slug": "reims"})
    response = client.get(url)
    assert_status(response, NARRATIVE_ACCESS[persona])
    if response.status_code == 200:
        can_edit = persona in ("regional_coordinator", "coordinator_a")
        assert ("<textarea" in response.content.decode()) == can_edit
    listing = client.get(reverse("stats:report_narratives", kwargs={"year": YEAR}))
    assert_status(listing, PAGE_ACCESS[persona])
    posted = client.post(url, {"narrative": "Texte", "perspectives": "", "action": "draft"})
    expected = {"regional_coordinator": 302, "coordinator_a": 302, "observer": 403}.get(
        persona, NARRATIVE_ACCESS[persona]
    )
    assert_status(posted, expected)


def test_narrative_from_draft_to_final_then_locked_and_reopened(as_persona, site_a, fake_documents):
    url = reverse("stats:report_narrative", kwargs={"year": YEAR, "slug": "reims"})
    ctem = as_persona("coordinator_a")
    ctem.post(url, {"narrative": "Une année dense.", "perspectives": "Plus d'ateliers.", "action": "draft"})
    assert Narrative.objects.get().status == "draft"
    ctem.post(url, {"narrative": "Une année dense.", "perspectives": "Plus d'ateliers.", "action": "final"})
    assert Narrative.objects.get().status == "final"

    run = services.report_run_start(YEAR, ["site"], False, None, sites=[site_a], enqueue=False)
    tasks.run_eagerly(run.pk)
    page = ctem.get(url)
    assert "Verrouillé" in element_text(page, "#narrative-status")
    assert "<textarea" not in page.content.decode() and "Une année dense." in text(page)
    assert ctem.post(url, {"narrative": "x", "perspectives": "", "action": "draft"}).status_code == 403
    reopen = reverse("stats:report_narrative_reopen", kwargs={"year": YEAR, "slug": "reims"})
    assert ctem.post(reopen).status_code == 403

    assert as_persona("regional_coordinator").post(reopen).status_code == 302
    narrative = Narrative.objects.get()
    assert not narrative.is_locked and narrative.status == "draft"
    assert "<textarea" in ctem.get(url).content.decode()
