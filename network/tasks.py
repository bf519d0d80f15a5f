from celery import shared_task

from . import calllog, idempotency


@shared_task
def flush_api_calls() -> int:
    """Move the API calls buffered in Redis into the log table (every minute)."""
    return calllog.flush()


@shared_task
def purge_idempotency_keys() -> int:
    """Forget the Idempotency-Key answers older than their lifetime (every hour)."""
    return idempotency.purge()
