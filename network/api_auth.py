"""Per-organisation API tokens: `Authorization: Token <key>`."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from .models import ApiToken
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

    def __str__(self):
        return f"API {self.organisation}"


class OrganisationTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("En-tête d'authentification mal formé."))
        token = ApiToken.find(header[1].decode(errors="replace"))
        if token is None:
            raise exceptions.AuthenticationFailed(_("Jeton invalide ou révoqué."))
        # Record use at most once a minute: a busy partner must not turn reads into writes.
        now = timezone.now()
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return ApiClient(token), token

    def authenticate_header(self, request):
        return self.keyword


class OrganisationTokenScheme(OpenApiAuthenticationExtension):
    target_class = "network.api_auth.OrganisationTokenAuthentication"
    name = "organisationToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "Jeton d'organisation : `Token <clé>`.",
        }
