"""Background work of the sites app: thin tasks, each calling one service."""

from celery import shared_task

from . import services


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
def send_label_renewal_reminders() -> int:
    """Weekly (see CELERY_BEAT_SCHEDULE): remind who must act of the labels due for renewal.

    Idempotent: the service sends each person at most one reminder a day, so a retry or a second
    run on the same day sends only what is missing.
    """
    return services.label_renewal_reminders_send()
