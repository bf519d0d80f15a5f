"""Project-wide views: health check."""

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .celery import app as celery_app


def _database_ok() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return True, connection.vendor
    except Exception as exc:  # noqa: BLE001 — any failure means "down", reported as such.
        return False, type(exc).__name__


def _broker_ok() -> tuple[bool, str]:
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
            return True, conn.transport.driver_type
    except Exception as exc:  # noqa: BLE001
        return False, type(exc).__name__


@login_not_required
@never_cache
@require_GET
def healthz(request):
    """For load balancers and monitoring: 200 when the database and the broker answer, else 503."""
    db_ok, db_info = _database_ok()
    broker_ok, broker_info = _broker_ok()
    healthy = db_ok and broker_ok
    return JsonResponse(
        {
            "status": "ok" if healthy else "error",
            "database": {"ok": db_ok, "detail": db_info},
            "broker": {"ok": broker_ok, "detail": broker_info},
        },
        status=200 if healthy else 503,
    )
