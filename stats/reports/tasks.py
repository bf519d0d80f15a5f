"""The yearly reports' Celery tasks: they take ids, call the services, and the run's row shows their
progress (see services.py for the design: one task per site, then the regional report once every
site is over, counted in the database rather than by a chord, so that a failed site never stops it).

A failed step is tried again `MAX_RETRIES` times, `RETRY_DELAY` seconds apart; its error, in French,
is shown on the run's page meanwhile, then stored as the step's outcome. A worker's memory is
bounded by CELERY_WORKER_MAX_MEMORY_PER_CHILD (spro/settings.py): WeasyPrint holds a whole document.

Run eagerly (`task.apply()`, as `manage.py build_reports` does, or CELERY_TASK_ALWAYS_EAGER), a
step runs the steps it unlocks in the same process, so the whole pipeline completes synchronously.
"""

import logging

from celery import shared_task

from . import services

logger = logging.getLogger(__name__)

MAX_RETRIES = 2
RETRY_DELAY = 20  # seconds


def _run_step(task, run_id: int, key: str) -> dict:
    services.report_step_started(run_id)
    eager = bool(task.request.is_eager)
    retries = task.request.retries
    attempts = task.max_retries + 1
    while True:
        try:
            report_file = services.report_step_build(run_id, key)
        except Exception as error:
            message = services.describe_error(error)
            if retries < task.max_retries:
                logger.warning(
                    "Bilan %s (génération %s), essai %s/%s en échec : %s",
                    key,
                    run_id,
                    retries + 1,
                    attempts,
                    error,
                )
                services.report_step_retrying(run_id, key, message, retries + 1, attempts)
                if eager:
                    # Run eagerly (the command, CELERY_TASK_ALWAYS_EAGER): try again here, at once.
                    retries += 1
                    continue
                raise task.retry(exc=error, countdown=RETRY_DELAY) from error
            logger.exception("Bilan %s (génération %s) en échec après %s essais", key, run_id, attempts)
            following = services.report_step_finished(run_id, key, error=message, attempts=attempts)
            result = {"step": key, "file": None, "error": message}
        else:
            following = services.report_step_finished(run_id, key)
            result = {"step": key, "file": report_file.pk, "error": None}
        break
    enqueue_steps(run_id, following, eager=eager)
    return result


_LIMITS = {
    "max_retries": MAX_RETRIES,
    # A report of a few dozen pages takes seconds; a stuck layout is stopped (and retried).
    "soft_time_limit": 10 * 60,
    "time_limit": 12 * 60,
    "acks_late": True,
}


@shared_task(bind=True, **_LIMITS)
def build_site_report(self, run_id: int, site_id: int) -> dict:
    """One site's report of the run's year."""
    return _run_step(self, run_id, services.site_key(site_id))


@shared_task(bind=True, **_LIMITS)
def build_network_report(self, run_id: int, kind: str) -> dict:
    """A report about the whole network: the regional report (after every site), the governance's."""
    return _run_step(self, run_id, kind)


def signature(run_id: int, key: str):
    if key.startswith("site:"):
        return build_site_report.si(run_id, int(key[5:]))
    return build_network_report.si(run_id, key)


def enqueue_steps(run_id: int, keys, *, eager: bool = False) -> None:
    """Send the steps to the workers; eagerly, run them here, one after the other."""
    for key in keys:
        task = signature(run_id, key)
        if eager:
            task.apply()
        else:
            task.apply_async()


def run_eagerly(run_id: int, progress=None) -> None:
    """Build a recorded run here and now, step after step (manage.py build_reports): the same tasks,
    run with `apply()`, retries included; `progress(run)` is called after each step."""
    from .models import ReportRun

    run = ReportRun.objects.get(pk=run_id)
    for key in services.report_run_first_steps(run):
        signature(run_id, key).apply()
        if progress is not None:
            progress(ReportRun.objects.get(pk=run_id))
