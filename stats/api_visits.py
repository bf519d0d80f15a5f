"""Visit ingestion for sites that keep their own reception software: POST /api/v1/visits/.

Up to MAX_VISITS anonymous visits of one site per request, all or nothing: every item is checked
first and each error is reported with its index, its field and a French message; then the months
concerned must accept the token's data (open periods only: a submitted, validated or locked month
is refused, named). `?dry_run=true` answers the same summary without writing anything.
`Idempotency-Key` makes retries safe (network.idempotency). Scope `write:visits`, on a token bound
to the site. Reference items are given by their codes (GET the lists from the admin's reference
lists or the dashboards' exports): stable from one platform to the next.
"""

import datetime

from django.core.exceptions import PermissionDenied, RequestDataTooBig, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from network.enums import ApiScope
from network.idempotency import IdempotencyError, run_once
from network.models import ApiToken
from sites.models import ServiceLevel, Site, Theme
from spro.api import ApiErrorDetailSerializer, ApiViewMixin, HasScope, error_responses

from . import services
from .enums import HalfDay
from .models import AgeBand, Channel, ContactKind, EducationLevel, ReferralTarget, Sex, Situation

MAX_VISITS = 1000
MAX_CHOICES = 30
SINGLE = {
    "contact_kind": ContactKind,
    "sex": Sex,
    "age_band": AgeBand,
    "situation": Situation,
    "education_level": EducationLevel,
    "channel": Channel,
    "service_level": ServiceLevel,
}
MULTIPLE = {"themes": Theme, "referrals": ReferralTarget}
REQUIRED = ("visited_on", "contact_kind", "sex")


# Schema


class VisitInSerializer(serializers.Serializer):
    visited_on = serializers.DateField(
        help_text=gettext_lazy("Date du passage (AAAA-MM-JJ), pas dans le futur.")
    )
    half_day = serializers.ChoiceField(
        choices=HalfDay.choices, required=False, allow_blank=True, help_text=gettext_lazy("Demi-journée.")
    )
    contact_kind = serializers.CharField(help_text=gettext_lazy("Code du type de contact."))
    sex = serializers.CharField(help_text=gettext_lazy("Code du sexe."))
    age_band = serializers.CharField(
        required=False, allow_null=True, help_text=gettext_lazy("Code de la tranche d'âge.")
    )
    situation = serializers.CharField(
        required=False, allow_null=True, help_text=gettext_lazy("Code de la situation.")
    )
    education_level = serializers.CharField(
        required=False, allow_null=True, help_text=gettext_lazy("Code du niveau de formation.")
    )
    channel = serializers.CharField(required=False, allow_null=True, help_text=gettext_lazy("Code du canal."))
    service_level = serializers.CharField(
        required=False, allow_null=True, help_text=gettext_lazy("Code du niveau de service.")
    )
    themes = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        max_length=MAX_CHOICES,
        help_text=gettext_lazy("Codes des thèmes."),
    )
    referrals = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        max_length=MAX_CHOICES,
        help_text=gettext_lazy("Codes des orientations."),
    )


class IngestRequestSerializer(serializers.Serializer):
    site = serializers.SlugField(help_text=gettext_lazy("Identifiant (slug) du site, celui du jeton."))
    visits = VisitInSerializer(many=True, help_text=gettext_lazy("1 à 1 000 passages."))


class MonthSummarySerializer(serializers.Serializer):
    month = serializers.DateField(help_text=gettext_lazy("Premier jour du mois."))
    visits = serializers.IntegerField()


class IngestResponseSerializer(serializers.Serializer):
    site = serializers.SlugField()
    dry_run = serializers.BooleanField(help_text=gettext_lazy("Vrai : rien n'a été enregistré."))
    visits = serializers.IntegerField(help_text=gettext_lazy("Passages enregistrés (ou qui le seraient)."))
    months = MonthSummarySerializer(many=True)


class ItemErrorSerializer(serializers.Serializer):
    index = serializers.IntegerField(
        help_text=gettext_lazy("Position du passage dans `visits` (à partir de 0).")
    )
    field = serializers.CharField(
        help_text=gettext_lazy("Champ en cause ; `non_field_errors` pour le passage entier.")
    )
    message = serializers.CharField()


class IngestErrorDetailSerializer(ApiErrorDetailSerializer):
    items = ItemErrorSerializer(many=True, required=False, help_text=gettext_lazy("Erreurs par passage."))


class IngestErrorSerializer(serializers.Serializer):
    error = IngestErrorDetailSerializer()


# Validation


class _Codes:
    """code -> id of every reference list a visit uses: one query per list, per request."""

    def __init__(self):
        self.maps = {
            name: dict(model.objects.values_list("code", "pk"))
            for name, model in {**SINGLE, **MULTIPLE}.items()
        }


def _item_errors(index: int, item, codes: _Codes, today: datetime.date) -> tuple[dict | None, list[dict]]:
    """The visit's values for the service, or the errors of this item."""
    errors = []

    def error(field: str, message: str):
        errors.append({"index": index, "field": field, "message": message})

    if not isinstance(item, dict):
        error("non_field_errors", _("Un passage est un objet JSON."))
        return None, errors
    for name in sorted(set(item) - {*SINGLE, *MULTIPLE, "visited_on", "half_day"}):
        error(str(name)[:50], _("Champ inconnu."))
    for name in REQUIRED:
        if item.get(name) in (None, ""):
            error(name, _("Ce champ est obligatoire."))
    values = {}
    day = item.get("visited_on")
    if day not in (None, ""):
        try:
            values["visited_on"] = datetime.date.fromisoformat(day) if isinstance(day, str) else None
        except ValueError:
            values["visited_on"] = None
        if values["visited_on"] is None:
            error("visited_on", _("Date invalide : format attendu AAAA-MM-JJ."))
        elif values["visited_on"] > today:
            error("visited_on", _("La date du passage ne peut pas être dans le futur."))
    half_day = item.get("half_day") or ""
    if half_day not in HalfDay.values and half_day != "":
        error("half_day", _("Demi-journée inconnue : « matin » ou « apres-midi »."))
    values["half_day"] = half_day if isinstance(half_day, str) else ""
    for name in SINGLE:
        code = item.get(name)
        if code in (None, ""):
            continue
        pk = codes.maps[name].get(code) if isinstance(code, str) else None
        if pk is None:
            error(name, _("Code inconnu : %(code)s.") % {"code": str(code)[:40]})
        else:
            values[f"{name}_id"] = pk
    for name in MULTIPLE:
        chosen = item.get(name) or []
        if not isinstance(chosen, list) or len(chosen) > MAX_CHOICES:
            error(name, _("Une liste de %(max)d codes au plus.") % {"max": MAX_CHOICES})
            continue
        ids = [codes.maps[name].get(code) if isinstance(code, str) else None for code in chosen]
        if None in ids:
            error(name, _("Code inconnu : %(code)s.") % {"code": str(chosen[ids.index(None)])[:40]})
        values[name] = [pk for pk in ids if pk]
    return (None if errors else values), errors


# The view


@extend_schema(
    summary=gettext_lazy("Enregistrer des passages (logiciel d'accueil d'un site)"),
    description=gettext_lazy(
        "Jusqu'à 1 000 passages anonymes d'un site par requête, tout ou rien : chaque erreur est "
        "donnée avec la position du passage (`index`), le champ et un message. Un mois soumis, "
        "validé ou verrouillé refuse les passages (le message nomme la période). "
        "`?dry_run=true` répond le même résumé sans rien enregistrer. "
        "En-tête `Idempotency-Key` (recommandé) : rejouer une requête terminée renvoie la même réponse "
        "sans rien refaire (en-tête `Idempotent-Replayed: true`) ; la même clé avec un autre corps "
        "répond 422 ; pendant que la première tourne, 409. Les clés sont gardées 24 heures par jeton. "
        "Portée : `write:visits`, jeton lié au site."
    ),
    parameters=[
        OpenApiParameter(
            "dry_run", bool, OpenApiParameter.QUERY, description=gettext_lazy("Vérifier sans écrire.")
        ),
        OpenApiParameter(
            "Idempotency-Key",
            str,
            OpenApiParameter.HEADER,
            description=gettext_lazy(
                "Clé unique de la requête (1 à 255 caractères), pour la rejouer sans risque."
            ),
        ),
    ],
    request=IngestRequestSerializer,
    responses={
        201: IngestResponseSerializer,
        200: OpenApiResponse(
            IngestResponseSerializer, description=gettext_lazy("Essai (`dry_run`) : rien n'est écrit.")
        ),
        400: OpenApiResponse(
            IngestErrorSerializer, description=gettext_lazy("Requête ou passages invalides, période fermée.")
        ),
        **error_responses(401, 403, 404, 409, 413, 422, 429),
    },
    tags=["statistiques"],
)
class VisitIngestView(ApiViewMixin, APIView):
    http_method_names = ["post"]
    permission_classes = [HasScope]
    required_scope = ApiScope.VISITS_WRITE

    def post(self, request):
        if not isinstance(request.auth, ApiToken):
            raise exceptions.PermissionDenied(_("L'enregistrement de passages se fait avec un jeton d'API."))
        try:
            raw = request._request.body
        except RequestDataTooBig as error:
            raise RequestTooLarge() from error
        dry_run = _flag(request.query_params.get("dry_run", ""))
        key = request.headers.get("Idempotency-Key")
        if key is None or dry_run:
            answer_status, answer = self._ingest(request, dry_run)
            return Response(answer, status=answer_status)
        try:
            answer_status, answer, replayed = run_once(
                token=request.auth, key=key, body=raw, handler=lambda: self._ingest(request, dry_run)
            )
        except IdempotencyError as error:
            return Response(_error(error.status, error.code, error.detail), status=error.status)
        response = Response(answer, status=answer_status)
        if replayed:
            response["Idempotent-Replayed"] = "true"
        return response

    def _ingest(self, request, dry_run: bool) -> tuple[int, dict]:
        data = request.data
        if not isinstance(data, dict) or not isinstance(data.get("visits"), list):
            return 400, _error(400, "invalid", _('Corps attendu : {"site": "…", "visits": [ … ]}.'))
        visits = data["visits"]
        if not 1 <= len(visits) <= MAX_VISITS:
            return 400, _error(
                400, "invalid", _("De 1 à %(max)d passages par requête.") % {"max": MAX_VISITS}
            )
        site = _bound_site(request, data.get("site"))
        codes, today = _Codes(), timezone.localdate()
        values, errors = [], []
        for index, item in enumerate(visits):
            item_values, item_errors = _item_errors(index, item, codes, today)
            values.append(item_values)
            errors += item_errors
        if errors:
            return 400, _error(
                400,
                "invalid",
                _("%(count)d erreur(s) : aucun passage n'est enregistré.") % {"count": len(errors)},
                items=errors,
            )
        try:
            summary = services.visits_ingest(site=site, author=request.user, visits=values, dry_run=dry_run)
        except PermissionDenied as error:
            return 403, _error(403, "permission_denied", str(error))
        except ValidationError as error:
            return 400, _error(400, "period_closed", " ".join(error.messages))
        return (200 if dry_run else 201), {
            "site": site.slug,
            "dry_run": dry_run,
            "visits": summary["visits"],
            "months": [{"month": month.isoformat(), "visits": count} for month, count in summary["months"]],
        }


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = gettext_lazy("Requête trop volumineuse : envoyez au plus 1 000 passages par requête.")
    default_code = "too_large"


def _bound_site(request, slug) -> Site:
    """The request's site, among those the token is bound to (404 otherwise: no hint of others)."""
    bound = request.user.bound_site_ids or frozenset()
    site = Site.objects.filter(pk__in=bound, slug=slug).first() if isinstance(slug, str) else None
    if site is None:
        raise exceptions.NotFound(_("Site inconnu, ou auquel ce jeton n'est pas lié."))
    return site


def _flag(value: str) -> bool:
    if value.lower() in ("", "0", "false", "non", "no"):
        return False
    if value.lower() in ("1", "true", "oui", "yes"):
        return True
    raise exceptions.ValidationError({"dry_run": [_("Valeur attendue : true ou false.")]})


def _error(status_code: int, code: str, detail: str, items=None) -> dict:
    body = {"status": status_code, "code": code, "detail": str(detail), "fields": {}}
    if items is not None:
        body["items"] = items
    return {"error": body}
