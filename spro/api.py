"""Shared pieces of the REST API: pagination, the one error format, scope permission."""

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import BasePermission
from rest_framework.views import exception_handler as drf_exception_handler


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500


def exception_handler(exc, context):
    """Every API error has the same shape: {"error": {"status", "code", "detail", "fields"}}."""
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    fields = {}
    detail = ""
    code = getattr(exc, "default_code", "error")
    if isinstance(data, dict):
        if "detail" in data:
            detail = str(data["detail"])
            code = getattr(data["detail"], "code", code)
        else:
            fields = {
                key: [str(m) for m in (value if isinstance(value, list) else [value])]
                for key, value in data.items()
            }
            detail = "Les données envoyées ne sont pas valides."
    elif isinstance(data, list):
        detail = " ".join(str(m) for m in data)
    response.data = {
        "error": {"status": response.status_code, "code": code, "detail": detail, "fields": fields}
    }
    return response


class HasScope(BasePermission):
    """Token clients need the view's `required_scope` in their token; people need to be logged in.

    A request authenticated by an organisation token carries the token in `request.auth`; a
    session leaves it None. What a person may see is then decided by the view's scoped queryset.
    """

    message = _("Ce jeton n'a pas accès à cette ressource.")

    def has_permission(self, request, view):
        scope = getattr(view, "required_scope", None)
        if not scope:
            # Default deny, loudly: an API view without a scope is a programming error.
            raise ImproperlyConfigured(f"{type(view).__name__} doit définir required_scope.")
        if not (request.user and request.user.is_authenticated):
            return False
        token = request.auth
        if token is not None and hasattr(token, "has_scope") and not token.has_scope(scope):
            self.message = _("Ce jeton n'a pas la portée « %(scope)s ».") % {"scope": scope}
            return False
        return True


class ApiViewMixin:
    """DRF authenticates API requests itself (token or session), so Django's
    LoginRequiredMiddleware, which only knows sessions, must let them through."""

    @classmethod
    def as_view(cls, *args, **kwargs):
        return login_not_required(super().as_view(*args, **kwargs))


class ApiErrorDetailSerializer(serializers.Serializer):
    status = serializers.IntegerField()
    code = serializers.CharField()
    detail = serializers.CharField()
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class ApiErrorSerializer(serializers.Serializer):
    """The one error shape, for the schema (see exception_handler)."""

    error = ApiErrorDetailSerializer()


_ERROR_DESCRIPTIONS = {
    400: _("Données ou paramètres invalides."),
    401: _("Authentification absente, ou jeton invalide ou révoqué."),
    403: _("Jeton sans la portée nécessaire, ou droits insuffisants."),
    404: _("Objet introuvable ou non visible, ou page inexistante."),
}


def error_responses(*statuses: int) -> dict:
    """Schema responses for the given error statuses, all in the one error shape."""
    return {
        status: OpenApiResponse(ApiErrorSerializer, description=_ERROR_DESCRIPTIONS[status])
        for status in statuses
    }
