"""Background work of the statistics app: thin tasks, each calling one service."""

from celery import shared_task

from . import rollups, services
from .reports import tasks as reports_tasks  # noqa: F401  (the yearly reports' tasks, for autodiscovery)


@shared_task(
    # SMTP and network failures (smtplib errors are OSErrors) are worth retrying, a few times only.
    autoretry_for=(OSError,),
    retry_backoff=60,
    retry_backoff_max=30 * 60,
    retry_jitter=True,
    max_retries=3,
    soft_time_limit=10 * 60,
    time_limit=12 * 60,
)
def send_period_reminders() -> int:
    """Daily (see CELERY_BEAT_SCHEDULE): remind site coordinators of the months due soon or late.

    Idempotent: the service reminds each period at most once a day, so a retry or a second run on
    the same day sends only what is missing.
    """
    return services.period_reminders_send()


@shared_task(soft_time_limit=50 * 60, time_limit=55 * 60)
def rebuild_rollups(site_ids: list[int] | None = None) -> dict:
    """Recompute the roll-up tables from raw data (all sites, or the given ones). Idempotent."""
    return rollups.rebuild(site_ids)
