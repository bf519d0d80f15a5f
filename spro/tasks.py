"""Project-wide tasks."""

from celery import shared_task


@shared_task(time_limit=10, soft_time_limit=5)
def ping() -> str:
    """Proves that a worker consumes the broker's queue (used by tests and by operators)."""
    return "pong"
