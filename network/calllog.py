"""The log of API calls, written without slowing the calls down.

With Redis (production, CI), a call is one RPUSH onto a list; the list is moved into the ApiCall
table in batches: every minute by the worker (network.tasks.flush_api_calls) and before the
coordination reads the log. Without Redis (the embedded mode, a single web process), the buffer is
a list in that process, written out every LOCAL_BATCH calls and before the log is read.
"""

import json
import threading

from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from spro.redis import client as redis_client

from .models import ApiCall, ApiToken

BUFFER_KEY = "spro:api-calls"
BATCH = 1000
LOCAL_BATCH = 50
_local: list[dict] = []
_local_lock = threading.Lock()


def record(*, token_id: int, method: str, path: str, status: int, duration_ms: int) -> None:
    row = {
        "token_id": token_id,
        "method": method[:8],
        "path": path[:300],
        "status": status,
        "duration_ms": duration_ms,
        "at": timezone.now().isoformat(),
    }
    if settings.REDIS_URL:
        redis_client().rpush(BUFFER_KEY, json.dumps(row))
        return
    with _local_lock:
        _local.append(row)
        full = len(_local) >= LOCAL_BATCH
    if full:
        flush()


def flush() -> int:
    """Move the buffered calls into the table; returns how many rows were written."""
    if not settings.REDIS_URL:
        with _local_lock:
            items = list(_local)
            _local.clear()
        return _write(items)
    client, written = redis_client(), 0
    while True:
        # LPOP with a count (Redis 6.2+) takes a batch atomically: two flushes never share a row.
        items = client.lpop(BUFFER_KEY, BATCH)
        if not items:
            return written
        written += _write([json.loads(item) for item in items])


def _write(items: list[dict]) -> int:
    rows = [ApiCall(**{**item, "at": parse_datetime(item["at"])}) for item in items]
    if not rows:
        return 0
    # A token deleted meanwhile: its calls go with it, as the foreign key's CASCADE would.
    live = set(ApiToken.objects.filter(pk__in={row.token_id for row in rows}).values_list("pk", flat=True))
    ApiCall.objects.bulk_create([row for row in rows if row.token_id in live])
    return len(rows)


def discard() -> None:
    """Forget the calls not yet written (tests start from an empty buffer)."""
    with _local_lock:
        _local.clear()
    if settings.REDIS_URL:
        redis_client().delete(BUFFER_KEY)
