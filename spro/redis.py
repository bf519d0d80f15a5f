"""One Redis client per process, for the few places that need Redis's own commands (atomic counters,
lists, pipelines) beyond Django's cache API. Only when REDIS_URL is set."""

import threading

from django.conf import settings

_client = None
_lock = threading.Lock()


def client():
    """The process's Redis client (redis-py is thread-safe: it keeps a connection pool)."""
    global _client
    if _client is None:
        import redis

        with _lock:
            if _client is None:
                _client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2)
    return _client
