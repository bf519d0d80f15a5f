"""Per-organisation API tokens (`Authorization: Bearer <key>`, or the older `Token <key>`), their
rate limit, counted per token in the cache (Redis in production: atomic increments)."""

import math
import time

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, throttling

from spro.redis import client as redis_client

from .models import ApiToken, Territory
from .models.core import TOKEN_CACHE_SECONDS
from .roles import UserRoles


class ApiClient:
    """The principal of a request authenticated by an organisation token (not a person)."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_superuser = False
    pk = None

    def __init__(self, token: ApiToken):
        self.token = token
        self.organisation = token.organisation
        self.roles = UserRoles(partner_organisation_ids=frozenset({token.organisation_id}))

    @cached_property
    def bound_territory_ids(self) -> frozenset | None:
        """The territories the token is bound to, with every territory under them; None: unbound."""
        if not self.token.is_bound:
            return None
        roots = set(self.token.territories.values_list("pk", flat=True))
        if not roots:
            return None
        found, frontier = set(roots), roots
        while frontier:
            frontier = set(Territory.objects.filter(parent__in=frontier).values_list("pk", flat=True)) - found
            found |= frontier
        return frozenset(found)

    @cached_property
    def bound_site_ids(self) -> frozenset | None:
        """The sites everything the token reads or writes is restricted to; None: not bound.

        A token bound to sites reaches those sites; bound to territories, the sites of those
        territories (by département or other territory); bound to both, the union."""
        if not self.token.is_bound:
            return None
        site_model = ApiToken._meta.get_field("sites").related_model  # Declared by the sites app.
        direct = set(self.token.sites.values_list("pk", flat=True))
        territories = self.bound_territory_ids
        if not direct and territories is None:
            return None
        if territories:
            direct |= set(
                site_model.objects.filter(
                    Q(departement__in=territories) | Q(territories__in=territories)
                ).values_list("pk", flat=True)
            )
        return frozenset(direct)

    def __str__(self):
        return f"API {self.organisation}"


class OrganisationTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"
    # Accepted too: the keyword of the API's first version.
    keywords = (b"bearer", b"token")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("En-tête d'authentification mal formé."))
        token = ApiToken.find(header[1].decode(errors="replace"))
        if token is None:
            raise exceptions.AuthenticationFailed(_("Jeton invalide, expiré ou révoqué."))
        # Record use at most once a minute: a busy partner must not turn reads into writes.
        now = timezone.now()
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
            cache.set(ApiToken.cache_key(token.key_hash), token, TOKEN_CACHE_SECONDS)
        return ApiClient(token), token

    def authenticate_header(self, request):
        return self.keyword


class TokenRateThrottle(throttling.BaseThrottle):
    """At most SPRO_API_RATE_LIMIT calls per token and per minute (fixed windows).

    The count is one cache key per token and window, incremented atomically (Redis INCR), so that
    every web worker shares it. The figures are left on the request for the answer's `RateLimit`
    headers (spro.api.ApiViewMixin); over the limit, DRF answers 429 with `Retry-After`.
    Sessions (people using the API from their browser) are not counted here.
    """

    window = 60

    def allow_request(self, request, view):
        token = request.auth
        if not isinstance(token, ApiToken):
            return True
        limit = settings.SPRO_API_RATE_LIMIT
        now = time.time()
        start = int(now // self.window) * self.window
        key = f"api-rate:{token.pk}:{start}"
        if settings.REDIS_URL:
            # One round trip: the increment and the key's lifetime, atomically.
            count, _ = redis_client().pipeline().incr(key).expire(key, self.window + 5).execute()
        else:
            cache.add(key, 0, timeout=self.window + 5)
            try:
                count = cache.incr(key)
            except ValueError:  # The key expired between add and incr: a new window.
                cache.set(key, 1, timeout=self.window + 5)
                count = 1
        self.reset = max(1, math.ceil(start + self.window - now))
        request._request.spro_rate_limit = (limit, max(0, limit - count), self.reset, self.window)
        return count <= limit

    def wait(self):
        return self.reset


class OrganisationTokenScheme(OpenApiAuthenticationExtension):
    target_class = "network.api_auth.OrganisationTokenAuthentication"
    name = "organisationToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "Jeton d'organisation : `Bearer <clé>` (ou `Token <clé>`, accepté aussi). "
                "Limite : SPRO_API_RATE_LIMIT appels par minute et par jeton (600 par défaut), "
                "annoncée dans les en-têtes `RateLimit-Policy` et `RateLimit` de chaque réponse ; "
                "au-delà, réponse 429 avec `Retry-After` (secondes)."
            ),
        }
