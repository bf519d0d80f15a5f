"""REST API of the events and the territorial programmes.

Without a token (or with a token lacking `read:events`): the published events, as the public agenda
shows them, and the programmes with their published events. With `read:events`: also the
unpublished events the organisation co-organises, and the attendance figures of the events it
reads (counts only, never names); a token bound to sites or territories reads those sites' events.
People signed in read what they read in the interface.
"""

import django_filters
from django.db.models import Min, Prefetch, Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.permissions import BasePermission

from network.enums import ApiScope
from sites.models import Site
from spro.api import ApiFilterSet, ApiModelSerializer, ApiViewMixin, IdFilter, SlugFilter, error_responses

from . import selectors
from .enums import AttendanceMode, EventStatus
from .models import Event, EventDate, TerritorialProgramme


class PublicRead(BasePermission):
    """Anyone may read (what they read depends on who they are); a bad token is still a 401."""

    def has_permission(self, request, view):
        return True


def _reads_internal(request) -> bool:
    token = request.auth
    if token is not None:
        return hasattr(token, "has_scope") and token.has_scope(ApiScope.EVENTS_READ)
    return request.user.is_authenticated


def visible_events(request):
    """Published events for everyone; more for `read:events` tokens and signed-in people."""
    events = Event.objects.published()
    if _reads_internal(request):
        events = Event.objects.filter(
            Q(pk__in=Event.objects.data_visible_to(request.user).values("pk")) | Q(published=True)
        )
    bound = getattr(request.user, "bound_site_ids", None)
    if bound is not None:
        events = events.filter(pk__in=Event.objects.filter(sites__in=bound).values("pk"))
    return events


# Serializers


class DateSerializer(ApiModelSerializer):
    class Meta:
        model = EventDate
        fields = ["start", "end"]
        read_only_fields = fields


class AttendanceSerializer(serializers.Serializer):
    registered = serializers.IntegerField(allow_null=True)
    present = serializers.IntegerField(allow_null=True)
    satisfied = serializers.IntegerField(allow_null=True)
    neutral = serializers.IntegerField(allow_null=True)
    dissatisfied = serializers.IntegerField(allow_null=True)


class EventSerializer(ApiModelSerializer):
    kind = serializers.CharField(source="kind.code", read_only=True, help_text=_("Code du type d'événement."))
    sites = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    partners = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    themes = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    publics = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    dates = DateSerializer(many=True, read_only=True)
    programme = serializers.IntegerField(source="programme_id", read_only=True, allow_null=True)
    attendance = serializers.SerializerMethodField(
        help_text=_("Inscrits, présents et satisfaction : avec la portée read:events, sinon null.")
    )

    class Meta:
        model = Event
        fields = [
            "id",
            "uid",
            "title",
            "description",
            "kind",
            "status",
            "cancellation_reason",
            "previous_start",
            "sites",
            "partners",
            "themes",
            "publics",
            "mode",
            "place_name",
            "address",
            "postcode",
            "commune",
            "online_url",
            "capacity",
            "registration",
            "registration_url",
            "dates",
            "programme",
            "published",
            "attendance",
        ]
        read_only_fields = fields

    def get_attendance(self, event) -> AttendanceSerializer(allow_null=True):
        if not self.context.get("reads_internal"):
            return None
        return {
            name: getattr(event, name)
            for name in ("registered", "present", "satisfied", "neutral", "dissatisfied")
        }


class IndicatorsSerializer(serializers.Serializer):
    planned = serializers.IntegerField()
    held = serializers.IntegerField()
    cancelled = serializers.IntegerField()
    realisation_rate = serializers.FloatField(allow_null=True, help_text=_("Réalisés / prévus."))
    attendance_rate = serializers.FloatField(allow_null=True, help_text=_("Présents / capacité (réalisés)."))
    partners = serializers.IntegerField(help_text=_("Partenaires co-organisateurs distincts."))


class ProgrammeSerializer(ApiModelSerializer):
    territory = serializers.IntegerField(source="territory_id", read_only=True)
    events = serializers.SerializerMethodField()
    indicators = serializers.SerializerMethodField()

    class Meta:
        model = TerritorialProgramme
        fields = ["id", "territory", "year", "title", "notes", "events", "indicators"]
        read_only_fields = fields

    def get_events(self, programme) -> list[int]:
        return [event.pk for event in programme.listed_events]

    def get_indicators(self, programme) -> IndicatorsSerializer:
        figures = selectors.programme_indicators(programme)
        return {
            "planned": figures.planned,
            "held": figures.held,
            "cancelled": figures.cancelled,
            "realisation_rate": figures.realisation_rate,
            "attendance_rate": figures.attendance_rate,
            "partners": figures.partners,
        }


# Filters


class EventFilter(ApiFilterSet):
    site = SlugFilter(field_name="sites__slug", label=_("Identifiant (slug) d'un site organisateur"))
    departement = django_filters.CharFilter(
        field_name="sites__departement__code", label=_("Code du département")
    )
    kind = django_filters.CharFilter(field_name="kind__code", label=_("Code du type d'événement"))
    theme = django_filters.CharFilter(field_name="themes__code", label=_("Code d'un thème"))
    status = django_filters.ChoiceFilter(choices=EventStatus.choices, label=_("État"))
    mode = django_filters.ChoiceFilter(choices=AttendanceMode.choices, label=_("Format"))
    start = django_filters.DateFilter(
        method="filter_start", label=_("Avec une date à partir du (AAAA-MM-JJ)")
    )
    end = django_filters.DateFilter(
        method="filter_end", label=_("Avec une date jusqu'au (AAAA-MM-JJ, inclus)")
    )

    class Meta:
        model = Event
        fields = ["site", "departement", "kind", "theme", "status", "mode", "start", "end"]

    def filter_queryset(self, queryset):
        # Filters through many-valued relations would repeat an event: keep each once.
        return queryset.filter(pk__in=super().filter_queryset(queryset).values("pk"))

    def filter_start(self, queryset, name, value):
        return queryset.filter(dates__start__date__gte=value)

    def filter_end(self, queryset, name, value):
        return queryset.filter(dates__start__date__lte=value)


class ProgrammeFilter(ApiFilterSet):
    territory = IdFilter(field_name="territory_id", label=_("Identifiant du territoire"))
    year = django_filters.NumberFilter(field_name="year", min_value=2000, max_value=2100, label=_("Année"))

    class Meta:
        model = TerritorialProgramme
        fields = ["territory", "year"]


# Views

_SCOPE = _(
    "Sans jeton : les événements publiés. Avec la portée `read:events` : aussi les événements non "
    "publiés co-organisés par l'organisation, et les chiffres de fréquentation."
)


@extend_schema_view(
    list=extend_schema(
        summary=_("Événements des sites"),
        description=_SCOPE,
        responses={200: EventSerializer, **error_responses(400, 401, 404, 429)},
        tags=["événements"],
    ),
    retrieve=extend_schema(
        summary=_("Un événement"),
        description=_SCOPE,
        parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH, description=_("Identifiant."))],
        responses={200: EventSerializer, **error_responses(401, 404, 429)},
        tags=["événements"],
    ),
)
class EventViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = EventSerializer
    filterset_class = EventFilter
    permission_classes = [PublicRead]

    def get_queryset(self):
        return (
            visible_events(self.request)
            .select_related("kind")
            .prefetch_related(
                Prefetch("sites", queryset=Site.objects.only("pk", "slug")),
                "partners",
                "themes",
                "publics",
                "dates",
            )
            .annotate(first_start=Min("dates__start"))
            .order_by("first_start", "pk")
        )

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "reads_internal": _reads_internal(self.request)}


@extend_schema_view(
    list=extend_schema(
        summary=_("Programmes territoriaux d'événements"),
        description=_(
            "Un programme par territoire et par année, avec ses événements (ceux que l'appelant lit) et "
            "ses indicateurs : taux de réalisation, taux de fréquentation, partenaires impliqués."
        ),
        responses={200: ProgrammeSerializer, **error_responses(400, 401, 404, 429)},
        tags=["événements"],
    ),
    retrieve=extend_schema(
        summary=_("Un programme territorial"),
        parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH, description=_("Identifiant."))],
        responses={200: ProgrammeSerializer, **error_responses(401, 404, 429)},
        tags=["événements"],
    ),
)
class ProgrammeViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = ProgrammeSerializer
    filterset_class = ProgrammeFilter
    permission_classes = [PublicRead]

    def get_queryset(self):
        listed = visible_events(self.request).only("pk").order_by("pk")
        programmes = TerritorialProgramme.objects.prefetch_related(
            Prefetch("events", queryset=listed, to_attr="listed_events")
        )
        bound = getattr(self.request.user, "bound_site_ids", None)
        if bound is not None:
            territories = self.request.user.bound_territory_ids or frozenset()
            departements = Site.objects.filter(pk__in=bound).values("departement_id")
            programmes = programmes.filter(Q(territory__in=territories) | Q(territory__in=departements))
        return programmes.order_by("-year", "territory__name", "pk")
