"""Shared pieces of the REST API: pagination, filters, the one error format, scope permission.

Rules every endpoint follows, and the OpenAPI schema states (SPECTACULAR_SETTINGS["DESCRIPTION"]):
- a query parameter is given at most once: `?page=1&page=2` is a 400, not "the last one wins";
- an empty value is the same as no value: `?site=` filters nothing;
- a value is validated before it reaches the database (`?parent=1e30` is a 400, never a 500);
- unknown query parameters are ignored, as HTTP caches and clients expect;
- every error, including an unknown address under /api/, is JSON in the one shape below.
"""

import hashlib
import uuid
from urllib.parse import urlencode

import django_filters
from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.signals import got_request_exception
from django.db import models
from django.http import Http404, HttpResponse
from django.utils.log import log_response
from django.utils.translation import gettext_lazy as _
from django_filters.utils import translate_validation
from drf_spectacular.utils import OpenApiResponse, extend_schema_field
from rest_framework import exceptions, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import BasePermission
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView, set_rollback
from rest_framework.views import exception_handler as drf_exception_handler

# The largest integer the database stores (BigAutoField ids are 64-bit signed): any larger value
# would overflow the query ("Python int too large to convert to SQLite INTEGER", "bigint out of range").
MAX_INT64 = 2**63 - 1

# Query parameters


class ApiQueryForm(forms.Form):
    """Validates query parameters: besides each field's own checks, none may be repeated."""

    repeated_message = _("Ce paramètre ne peut être donné qu'une fois.")

    def clean(self):
        cleaned_data = super().clean()
        getlist = getattr(self.data, "getlist", None)
        if getlist is not None:
            for name in self.fields:
                if len(getlist(self.add_prefix(name))) > 1:
                    # Silently keeping the last value would answer another question than the one asked.
                    self.add_error(name, forms.ValidationError(self.repeated_message, code="repeated"))
        return cleaned_data


class ApiFilterSet(django_filters.FilterSet):
    """Base of every API FilterSet: its form rejects repeated parameters (see ApiQueryForm)."""

    def get_form_class(self):
        # Built here rather than through Meta.form, which each subclass's Meta would have to inherit.
        fields = {name: filter_.field for name, filter_ in self.filters.items()}
        return type(f"{type(self).__name__}Form", (ApiQueryForm,), fields)


class IdFilter(django_filters.Filter):
    """An object id: a positive 64-bit integer, so that no value can overflow the database.

    django-filter's NumberFilter reads a decimal: `1e30` becomes an integer too large for the
    database (a 500), and `1.5` is silently truncated to 1.
    """

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_INT64)
        super().__init__(*args, **kwargs)
        # Written out for the schema: the bounds are what a client needs to know.
        extend_schema_field(
            {
                "type": "integer",
                "format": "int64",
                "minimum": self.extra["min_value"],
                "maximum": self.extra["max_value"],
                "description": self.label,
            }
        )(self)


class SlugFilter(django_filters.CharFilter):
    """An object's slug: anything else is a 400 rather than an empty list that hides a typo."""

    field_class = forms.SlugField

    def __init__(self, *args, **kwargs):
        # Site.slug's length; a longer value cannot name anything.
        kwargs.setdefault("max_length", 120)
        super().__init__(*args, **kwargs)
        extend_schema_field(
            {
                "type": "string",
                "pattern": "^[-a-zA-Z0-9_]+$",
                "maxLength": self.extra["max_length"],
                "description": self.label,
            }
        )(self)


class StrictNullBooleanField(forms.NullBooleanField):
    """A boolean query parameter: `true`/`false` (or `1`/`0`), empty for "any", anything else a 400.

    Django's NullBooleanField (and its widgets) read any unknown value as "unknown", so that
    `?is_spro_member=maybe` would silently list everyone.
    """

    widget = forms.TextInput
    default_error_messages = {"invalid": _("Saisissez « true » ou « false ».")}
    true_values = frozenset({"true", "1"})
    false_values = frozenset({"false", "0"})

    def to_python(self, value):
        text = "" if value is None else str(value).strip().lower()
        if not text:
            return None
        if text in self.true_values:
            return True
        if text in self.false_values:
            return False
        raise ValidationError(self.error_messages["invalid"], code="invalid")


class BooleanFilter(django_filters.BooleanFilter):
    field_class = StrictNullBooleanField


# Pagination


class PaginationForm(ApiQueryForm):
    page = forms.IntegerField(required=False, min_value=1, max_value=MAX_INT64)

    def __init__(self, *args, max_page_size: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["page_size"] = forms.IntegerField(required=False, min_value=1, max_value=max_page_size)


class Pagination(PageNumberPagination):
    """Page numbers, with `page` and `page_size` validated like any filter (a 400 when malformed).

    A well-formed page past the last one stays a 404, as DRF answers and the schema says.
    """

    page_size_query_param = "page_size"
    max_page_size = 500
    # Only numbers: the schema says `page` is an integer.
    last_page_strings = ()

    def paginate_queryset(self, queryset, request, view=None):
        form = PaginationForm(request.query_params, max_page_size=self.max_page_size)
        if not form.is_valid():
            raise translate_validation(form.errors)
        self._page_number = form.cleaned_data["page"] or 1
        self._page_size = form.cleaned_data["page_size"] or self.page_size
        return super().paginate_queryset(queryset, request, view)

    def get_page_size(self, request):
        return self._page_size

    def get_page_number(self, request, paginator):
        return self._page_number

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.page_query_param,
                "required": False,
                "in": "query",
                "description": str(_("Numéro de la page (1 par défaut). Au-delà de la dernière : 404.")),
                "schema": {"type": "integer", "format": "int64", "minimum": 1, "maximum": MAX_INT64},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": str(
                    _("Nombre de résultats par page (%(default)s par défaut, %(max)s au plus).")
                    % {"default": self.page_size, "max": self.max_page_size}
                ),
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]


def document_query_parameters(result, generator, request, public):
    """Schema post-processing hook: every optional query parameter may be sent empty.

    ApiFilterSet and Pagination treat an empty value as an absent one (`?site=` filters nothing);
    OpenAPI says so with `allowEmptyValue`.
    """
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict):
                continue  # A path-level list of parameters; drf-spectacular writes none.
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "query" and not parameter.get("required"):
                    parameter["allowEmptyValue"] = True
    return result


# Errors


def exception_handler(exc, context):
    """Every API error has the same shape: {"error": {"status", "code", "detail", "fields"}}."""
    if isinstance(exc, Http404):
        # Django's message is English and names the model ("No Site matches the given query.").
        exc = exceptions.NotFound(_("Objet introuvable."))
    response = drf_exception_handler(exc, context)
    if response is None:
        response = _server_error(exc, context)
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


def _server_error(exc, context):
    """An unexpected exception (a bug): a 500 in the API's shape rather than the site's HTML page.

    Reported exactly as Django reports it (the `django.request` error log, which mails the admins,
    and the `got_request_exception` signal, on which the test client re-raises it). With DEBUG,
    Django's own debug page is more useful: the exception is left to it.
    """
    if settings.DEBUG or settings.DEBUG_PROPAGATE_EXCEPTIONS:
        return None
    request = context.get("request")
    django_request = getattr(request, "_request", request)
    got_request_exception.send(sender=None, request=django_request)
    set_rollback()
    response = Response(
        {"detail": exceptions.ErrorDetail(_("Erreur interne du serveur."), code="server_error")}, status=500
    )
    if django_request is not None:
        log_response(
            "%s: %s",
            response.reason_phrase,
            django_request.path,
            response=response,
            request=django_request,
            exception=exc,
        )
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

    # A read-only API: what the schema lists (GET, and HEAD with it). OPTIONS would answer DRF's
    # metadata, which no schema documents and which claims the endpoints parse forms.
    http_method_names = ["get", "head"]

    @classmethod
    def as_view(cls, *args, **kwargs):
        return login_not_required(super().as_view(*args, **kwargs))

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        # The token's rate limit, left on the request by the throttle (IETF RateLimit headers draft).
        rate = getattr(request._request, "spro_rate_limit", None)
        if rate is not None:
            limit, remaining, reset, window = rate
            response["RateLimit-Policy"] = f'"jeton";q={limit};w={window}'
            response["RateLimit"] = f'"jeton";r={remaining};t={reset}'
        return response

    def filter_queryset(self, queryset):
        # DRF would apply the list's filters to a detail URL too: `/sites/reims/?kind=x` would then
        # be a 404, through parameters the schema does not give that operation. They are ignored
        # there, like any unknown parameter.
        if getattr(self, "action", None) not in (None, "list"):
            return queryset
        return super().filter_queryset(queryset)


# Cached answers


CACHED_ANSWER_SECONDS = 300


def bump_api_version(*namespaces: str) -> None:
    """Forget every cached answer of these namespaces (their data changed)."""
    for namespace in namespaces:
        cache.set(f"api-version:{namespace}", uuid.uuid4().hex, None)


def _principal_key(request) -> str:
    token = request.auth
    if token is not None:
        return f"token:{token.pk}"
    # People: what they may read follows from their roles, whoever they are.
    return f"roles:{request.user.roles!r}"


def cached_answer(request, namespace: str, build) -> Response:
    """The answer of `build()`, kept CACHED_ANSWER_SECONDS under the namespace's version, the
    principal and the query string. Only successful answers are kept; a change to the data
    (bump_api_version, from the owning app's signals) makes every kept answer stale at once."""
    version_key = f"api-version:{namespace}"
    query = urlencode(sorted(request.query_params.lists()), doseq=True)
    digest = hashlib.sha256(f"{namespace}|{_principal_key(request)}|{query}".encode()).hexdigest()
    key = f"api-answer:{digest}"
    # One round trip for the namespace's version and the kept answer (made under some version).
    found = cache.get_many([version_key, key])
    version = found.get(version_key)
    if version is None:
        version = uuid.uuid4().hex
        if not cache.add(version_key, version, None):
            version = cache.get(version_key, version)
    # JSON answers are kept rendered: a kept answer is sent as it is, without serialising again.
    as_json = isinstance(getattr(request, "accepted_renderer", None), JSONRenderer)
    kept = found.get(key)
    if kept is not None and kept[0] == version:
        if as_json:
            return HttpResponse(kept[1], content_type="application/json")
        return Response(kept[2])
    response = build()
    if response.status_code == 200:
        rendered = JSONRenderer().render(response.data)
        cache.set(key, (version, rendered, response.data), CACHED_ANSWER_SECONDS)
    return response


class ApiNotFoundView(ApiViewMixin, APIView):
    """Any other address under /api/ (last route): a 404 in the API's error shape, not Django's
    HTML page, whatever the method, credentials or Accept header."""

    authentication_classes = []
    permission_classes = []
    schema = None  # Not an operation of the API.

    def initial(self, request, *args, **kwargs):
        # Before content negotiation, authentication and the method check, which would otherwise
        # answer 406, 401 or 405 for an address where nothing exists.
        self.format_kwarg = None
        raise exceptions.NotFound(_("Aucune ressource de l'API à cette adresse."))


# Serializers


class BlankAsNullMixin:
    """A blank text column ("" for "none") is answered as null: a typed string (`uri`, `email`)
    cannot be empty, and null is what clients test for."""

    def __init__(self, **kwargs):
        kwargs["allow_null"] = True
        super().__init__(**kwargs)

    def to_representation(self, value):
        return super().to_representation(value) if value else None


class BlankAsNullURLField(BlankAsNullMixin, serializers.URLField):
    pass


class BlankAsNullEmailField(BlankAsNullMixin, serializers.EmailField):
    pass


class ApiModelSerializer(serializers.ModelSerializer):
    """Base of the API's model serializers: blank URLs and e-mail addresses are null."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.URLField: BlankAsNullURLField,
        models.EmailField: BlankAsNullEmailField,
    }


class ApiErrorDetailSerializer(serializers.Serializer):
    status = serializers.IntegerField()
    code = serializers.CharField()
    detail = serializers.CharField()
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class ApiErrorSerializer(serializers.Serializer):
    """The one error shape, for the schema (see exception_handler)."""

    error = ApiErrorDetailSerializer()


_ERROR_DESCRIPTIONS = {
    400: _(
        "Paramètres invalides : valeur mal formée ou hors bornes, paramètre répété. "
        "`fields` donne le message de chaque paramètre en cause."
    ),
    401: _("Authentification absente, ou jeton invalide ou révoqué."),
    403: _("Jeton sans la portée nécessaire, ou droits insuffisants."),
    404: _("Objet introuvable ou non visible, ou page inexistante."),
    409: _("Une requête avec la même clé Idempotency-Key est encore en cours : réessayez plus tard."),
    413: _("Corps de requête trop volumineux."),
    422: _("Clé Idempotency-Key déjà utilisée pour une autre requête."),
    429: _("Trop d'appels pour ce jeton : attendez le nombre de secondes de l'en-tête Retry-After."),
}


def error_responses(*statuses: int) -> dict:
    """Schema responses for the given error statuses, all in the one error shape. An operation that
    may answer 401 takes tokens, hence their rate limit: 429 is documented with it."""
    if 401 in statuses:
        statuses = tuple(sorted({*statuses, 429}))
    return {
        status: OpenApiResponse(ApiErrorSerializer, description=_ERROR_DESCRIPTIONS[status])
        for status in statuses
    }
