"""Who is asking, and how often: the client address behind trusted proxies, counters for rate limits,
and the page shown to a locked-out login.

Every rate limit of the platform (logins through django-axes, password-reset e-mails, the public
satisfaction questionnaire) reads the client address from `client_ip`, so one setting
(TRUSTED_PROXIES) decides for all of them whether X-Forwarded-For is believed.
"""

import ipaddress
import logging
import time
from functools import cache as memoise

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render
from django.utils import timezone

logger = logging.getLogger(__name__)


@memoise
def _trusted_networks(proxies: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(proxy, strict=False) for proxy in proxies)


def _parse(address: str):
    try:
        return ipaddress.ip_address(address.strip())
    except ValueError:
        return None


def _is_trusted(address, networks) -> bool:
    return any(address in network for network in networks)


def client_ip(request) -> str:
    """The address of the client: REMOTE_ADDR, or, when REMOTE_ADDR is a trusted proxy, the last
    X-Forwarded-For hop that is not one of the trusted proxies.

    Only the hops a trusted proxy appended can be believed; anything to their left may be forged by
    the client, so the header is read from the right and the first untrusted hop is the client.
    """
    remote = _parse(request.META.get("REMOTE_ADDR", "")) or ipaddress.ip_address("0.0.0.0")
    networks = _trusted_networks(tuple(settings.TRUSTED_PROXIES))
    if not networks or not _is_trusted(remote, networks):
        return str(remote)
    hops = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    for hop in reversed(hops):
        address = _parse(hop)
        if address is None:
            # A malformed hop: nothing to its left can be trusted either; the proxy is the client.
            break
        if not _is_trusted(address, networks):
            return str(address)
    return str(remote)


def query_year(request, name: str, *, default: int) -> int:
    """A year read from the query string, or `default` when it is absent, malformed or outside
    1990–2100 (a year a date can hold and a user can mean: `?annee=99999999999` must not crash)."""
    try:
        year = int(request.GET.get(name) or default)
    except (TypeError, ValueError):
        return default
    return year if 1990 <= year <= 2100 else default


def over_limit(key: str, *, limit: int, seconds: int) -> bool:
    """Counts one hit on `key` in a fixed window of `seconds`; True once the hits exceed `limit`.

    The counter is atomic in Redis (cache.incr), so concurrent requests cannot slip under the limit.
    The window is numbered from the platform's clock, not left to the cache's expiry alone, so that
    every cache backend agrees on when a new window starts.
    """
    cache_key = f"ratelimit:{key}:{int(time.time() // seconds)}"
    cache.add(cache_key, 0, timeout=seconds)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # Expired between add and incr: a new window starts.
        cache.set(cache_key, 1, timeout=seconds)
        count = 1
    return count > limit


def lockout_response(request, original_response=None, credentials=None):
    """django-axes's answer to a locked-out login: the login page, with when to try again."""
    retry_at = timezone.localtime() + settings.AXES_COOLOFF_TIME
    logger.warning("Connexion bloquée après trop d'échecs (adresse %s).", client_ip(request))
    template = (
        "admin/locked_out.html" if request.path.startswith("/admin/") else "registration/locked_out.html"
    )
    return render(
        request,
        template,
        {"retry_at": retry_at, "cooloff_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)},
        status=429,
    )
