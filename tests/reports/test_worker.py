"""A real Celery worker on Redis builds the year's reports end to end, with the real documents
(stats/reports/documents.py, WeasyPrint): every site's report, then the regional report, which
still comes when a site fails for good, and names it.

The worker runs in a thread of this process (celery.contrib.testing), on a queue of the test's own;
the database test is transactional (`transaction=True`) so that the worker's thread sees the data.
In CI (REDIS_URL set) the test must run; locally it is skipped without Redis.
"""

import os
import time
import uuid

import pytest
from celery.contrib.testing.worker import start_worker
from pypdf import PdfReader

from spro.celery import app as celery_app
from stats.reports import services, tasks
from stats.reports.enums import RunStatus
from stats.reports.models import ReportFile, ReportRun
from tests.conftest import require

from .conftest import YEAR

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True),
    # Celery's Redis result backend still calls redis-py methods that redis-py 8 deprecates.
    pytest.mark.filterwarnings("ignore:Call to deprecated:DeprecationWarning"),
]


@pytest.fixture
def worker_queue(monkeypatch):
    require(bool(os.environ.get("REDIS_URL")), "Redis needed (REDIS_URL) for a real Celery worker")
    assert celery_app.conf.broker_url.startswith("redis://")
    assert not celery_app.conf.task_always_eager
    queue = f"test-reports-{uuid.uuid4().hex}"
    # Every message of the run (the first steps, the regional report) goes to our queue: the router
    # reads the default queue at each sending; a retry goes back to the queue it came from.
    previous = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = queue
    monkeypatch.setattr(tasks, "RETRY_DELAY", 0)
    try:
        with start_worker(
            celery_app,
            pool="solo",
            perform_ping_check=False,
            queues=[queue],
            shutdown_timeout=60,
            loglevel="WARNING",
        ):
            yield queue
    finally:
        celery_app.conf.task_default_queue = previous
        with celery_app.connection_for_write() as connection:
            connection.default_channel.queue_delete(queue)


def wait_for(run: ReportRun, timeout: float = 240) -> ReportRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if run.is_finished:
            return run
        time.sleep(0.5)
    pytest.fail(f"run not finished after {timeout} s: {run.outcomes} {run.errors}")


def pdf_text(report_file) -> str:
    with report_file.file.open("rb") as handle:
        return "\n".join(page.extract_text() for page in PdfReader(handle).pages)


def test_a_real_worker_builds_the_sites_then_the_region_even_with_a_failed_site(
    worker_queue, site_a, site_b, regional_coordinator, monkeypatch
):
    from stats.reports import documents

    real_site_report = documents.site_report

    def site_report(site, year, *, provisional):
        if site.slug == "troyes":
            raise OSError("disque plein")
        return real_site_report(site, year, provisional=provisional)

    monkeypatch.setattr(documents, "site_report", site_report)

    run = services.report_run_start(YEAR, ["site", "region"], False, regional_coordinator)
    run = wait_for(run)

    assert run.status == RunStatus.FAILED
    assert (run.total, run.done, run.failed) == (3, 2, 1)
    error = run.errors[services.site_key(site_b.pk)]
    assert error == {
        "label": "Espace métiers de Troyes",
        "message": "Erreur d'écriture ou de lecture d'un fichier : disque plein",
        "attempt": 3,
        "attempts": 3,
        "retrying": False,
    }
    site_file = ReportFile.objects.get(run=run, kind="site")
    assert site_file.site == site_a and site_file.page_count >= 1
    assert "Espace métiers de Reims" in pdf_text(site_file)
    region = ReportFile.objects.get(run=run, kind="region")
    assert region.figures["missing_sites"] == ["Espace métiers de Troyes"]
    assert region.fingerprint in pdf_text(region).replace(" ", "")
