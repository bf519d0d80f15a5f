"""The pipeline, run eagerly: one document per site, then the regional report naming the failed
sites, the governance report; bounded retries with French errors; versions; provisional reports;
the narrative locked by the final site report."""

import hashlib

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from sites.enums import LabelStatus
from stats.reports import services, tasks
from stats.reports.enums import NarrativeStatus, RunStatus
from stats.reports.models import Narrative, ReportFile, ReportRun
from tests.factories import SiteFactory

from .conftest import YEAR

pytestmark = pytest.mark.django_db


def build(year=YEAR, kinds=None, provisional=False, author=None, sites=None) -> ReportRun:
    run = services.report_run_start(year, kinds, provisional, author, sites=sites, enqueue=False)
    tasks.run_eagerly(run.pk)
    run.refresh_from_db()
    return run


@pytest.fixture
def sites(site_a, site_b):
    # A site in project is not built.
    SiteFactory(slug="sedan", label_status=LabelStatus.PROJECT, labelled_on=None)
    return [site_a, site_b]


def test_a_run_builds_every_site_then_the_region_and_the_governance(
    sites, fake_documents, regional_coordinator
):
    run = build(author=regional_coordinator)

    assert run.status == RunStatus.DONE
    assert (run.total, run.done, run.failed) == (4, 4, 0)
    assert run.finished_at and run.started_at
    kinds = [call[0] for call in fake_documents.calls]
    # Every site before the region; the region last, with no missing site.
    assert sorted(call[1] for call in fake_documents.calls if call[0] == "site") == ["reims", "troyes"]
    assert kinds.index("region") > max(i for i, kind in enumerate(kinds) if kind == "site")
    assert ("region", [], YEAR, False) in fake_documents.calls
    files = ReportFile.objects.filter(run=run)
    assert files.count() == 4
    for report_file in files:
        with report_file.file.open("rb") as handle:
            content = handle.read()
        assert content.startswith(b"%PDF")
        assert report_file.sha256 == hashlib.sha256(content).hexdigest()
        assert report_file.size == len(content) and report_file.page_count == 1
        assert report_file.version == 1 and report_file.is_current and not report_file.provisional
        assert len(report_file.fingerprint) == 12
    assert files.get(site=sites[0]).file.name.startswith(f"reports/{YEAR}/site/bilan-{YEAR}-reims-v1")


def test_a_failed_site_does_not_stop_the_regional_report_which_names_it(
    sites, fake_documents, no_retry_delay
):
    fake_documents.fail["site:troyes"] = 99

    run = build()

    assert run.status == RunStatus.FAILED
    assert (run.done, run.failed) == (3, 1)
    assert ("region", ["troyes"], YEAR, False) in fake_documents.calls
    region = ReportFile.objects.get(run=run, kind="region")
    assert region.figures["missing"] == ["Espace métiers de Troyes"]
    error = run.errors[f"site:{sites[1].pk}"]
    assert error["label"] == "Espace métiers de Troyes"
    assert error["message"].startswith("Erreur inattendue pendant la production du document")
    assert error["attempts"] == 3 and not error["retrying"]
    # Bounded retries: the first attempt and two more, then the failure is recorded.
    assert sum(1 for call in fake_documents.calls if call[:2] == ("site", "troyes")) == tasks.MAX_RETRIES + 1
    assert not ReportFile.objects.filter(site=sites[1]).exists()


def test_a_site_failing_once_succeeds_on_its_retry(sites, fake_documents, no_retry_delay):
    fake_documents.fail["site:reims"] = 1

    run = build()

    assert run.status == RunStatus.DONE and run.errors == {}
    assert sum(1 for call in fake_documents.calls if call[:2] == ("site", "reims")) == 2


def test_running_again_keeps_the_older_versions(sites, fake_documents):
    first = build(kinds=["site"], sites=[sites[0]])
    second = build(kinds=["site"], sites=[sites[0]])

    versions = ReportFile.objects.filter(site=sites[0]).order_by("version")
    assert [(f.version, f.is_current, f.run_id) for f in versions] == [
        (1, False, first.pk),
        (2, True, second.pk),
    ]
    # Both files stay on disk.
    assert all(f.file.storage.exists(f.file.name) for f in versions)
    assert versions[0].file.name != versions[1].file.name


def test_a_provisional_report_does_not_replace_the_final_one(sites, fake_documents):
    with time_machine.travel(f"{YEAR + 1}-02-10 10:00 +0100", tick=False):
        build(kinds=["site"], sites=[sites[0]])
        build(kinds=["site"], sites=[sites[0]], provisional=True)
    final, provisional = ReportFile.objects.filter(site=sites[0]).order_by("version")
    assert final.is_current and not final.provisional
    assert provisional.is_current and provisional.provisional and provisional.version == 2
    assert provisional.title.endswith("(provisoire)")
    assert ("site", "reims", YEAR, True) in fake_documents.calls


def test_the_current_year_is_provisional_only(sites, fake_documents):
    with time_machine.travel(f"{YEAR + 1}-06-10 10:00 +0200", tick=False):
        with pytest.raises(ValidationError) as error:
            services.report_run_start(YEAR + 1, ["site"], False, None, enqueue=False)
        assert "seul un bilan provisoire" in str(error.value)
        run = services.report_run_start(YEAR + 1, ["site"], True, None, enqueue=False)
    assert run.provisional


def test_only_the_coordination_starts_a_run(sites, coordinator_a, observer, regional_coordinator):
    for user in (coordinator_a, observer):
        with pytest.raises(PermissionDenied):
            services.report_run_start(YEAR, None, False, user, enqueue=False)
    run = services.report_run_start(YEAR, None, False, regional_coordinator, enqueue=False)
    assert run.kinds == ["site", "region", "governance"] and run.site_ids == sorted(
        run.site_ids, key=lambda i: i
    )
    # A second run of the same year waits for the first.
    with pytest.raises(ValidationError, match="déjà en cours"):
        services.report_run_start(YEAR, None, False, regional_coordinator, enqueue=False)


def test_unknown_kind_is_refused(sites):
    with pytest.raises(ValidationError, match="inconnu"):
        services.report_run_start(YEAR, ["bilan-secret"], False, None, enqueue=False)


def test_a_redelivered_step_is_counted_once(sites, fake_documents):
    run = services.report_run_start(YEAR, ["site", "region"], False, None, enqueue=False)
    key = services.site_key(sites[0].pk)
    assert services.report_step_finished(run.pk, key) == []
    assert services.report_step_finished(run.pk, key) == []
    following = services.report_step_finished(run.pk, services.site_key(sites[1].pk), error="panne")
    assert following == ["region"]
    run.refresh_from_db()
    assert (run.done, run.failed, run.status) == (1, 1, RunStatus.RUNNING)


def test_the_final_site_report_locks_the_narrative(
    sites, fake_documents, coordinator_a, regional_coordinator
):
    site = sites[0]
    services.narrative_save(
        site=site, year=YEAR, author=coordinator_a, narrative="Une belle année.", perspectives=""
    )
    # A provisional report leaves it open.
    with time_machine.travel(f"{YEAR + 1}-01-20 10:00 +0100", tick=False):
        build(kinds=["site"], sites=[site], provisional=True)
    assert not Narrative.objects.get(site=site, year=YEAR).is_locked

    with time_machine.travel(f"{YEAR + 1}-02-20 10:00 +0100", tick=False):
        build(kinds=["site"], sites=[site])
    narrative = Narrative.objects.get(site=site, year=YEAR)
    assert narrative.is_locked and narrative.status == NarrativeStatus.FINAL
    with pytest.raises(PermissionDenied, match="verrouillé"):
        services.narrative_save(
            site=site, year=YEAR, author=coordinator_a, narrative="Changé", perspectives=""
        )
    # A site coordinator cannot reopen; the coordination can, and the site writes again.
    with pytest.raises(PermissionDenied):
        services.narrative_reopen(narrative=narrative, author=coordinator_a)
    services.narrative_reopen(narrative=narrative, author=regional_coordinator)
    services.narrative_save(
        site=site, year=YEAR, author=coordinator_a, narrative="Changé", perspectives="", final=True
    )
    narrative.refresh_from_db()
    assert narrative.narrative == "Changé" and narrative.is_final and not narrative.is_locked
    assert narrative.history.count() >= 4


def test_a_site_coordinator_writes_only_their_sites_narrative(sites, coordinator_a):
    with pytest.raises(PermissionDenied):
        services.narrative_save(
            site=sites[1], year=YEAR, author=coordinator_a, narrative="x", perspectives=""
        )


def test_errors_are_described_in_french():
    from celery.exceptions import SoftTimeLimitExceeded

    assert (
        services.describe_error(SoftTimeLimitExceeded())
        == "La mise en page a pris trop de temps et a été interrompue."
    )
    assert services.describe_error(MemoryError()).startswith("Mémoire insuffisante")
    assert services.describe_error(ValidationError("Données manquantes.")) == "Données manquantes."


def test_the_tasks_have_bounded_retries_and_limits():
    from spro.celery import app

    app.loader.import_default_modules()
    for name in ("stats.reports.tasks.build_site_report", "stats.reports.tasks.build_network_report"):
        task = app.tasks[name]
        assert task.max_retries == 2
        assert task.soft_time_limit < task.time_limit
    assert app.conf.worker_max_memory_per_child and app.conf.worker_max_tasks_per_child
