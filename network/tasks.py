from celery import shared_task

from . import calllog


@shared_task
def flush_api_calls() -> int:
    """Move the API calls buffered in Redis into the log table (every minute)."""
    return calllog.flush()
