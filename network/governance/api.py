"""Read-only REST API of the governance: steering bodies, their meetings and decisions (scope
`read:governance`).

What a token reads: the bodies its organisation sits in and the regional ones, as a partner member
does in the interface (`Body.objects.visible_to`); a token bound to sites or territories reads the
bodies of those sites and territories only. Minutes, attendance and members are not published:
they name people.
"""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from network.enums import ApiScope, BodyScope, DecisionKind, DecisionStatus, MeetingStatus
from network.models.governance import Body, Decision, Meeting
from spro.api import ApiFilterSet, ApiModelSerializer, ApiViewMixin, HasScope, IdFilter, error_responses

# Serializers


class BodySerializer(ApiModelSerializer):
    kind = serializers.CharField(source="kind.code", read_only=True, help_text=_("Code du type d'instance."))
    territory = serializers.IntegerField(source="territory_id", read_only=True, allow_null=True)
    site = serializers.SlugField(source="site.slug", read_only=True, allow_null=True, default=None)

    class Meta:
        model = Body
        fields = ["id", "name", "kind", "scope", "territory", "site", "min_meetings_per_year", "is_active"]
        read_only_fields = fields


class MeetingSerializer(ApiModelSerializer):
    body = serializers.IntegerField(source="body_id", read_only=True)

    class Meta:
        model = Meeting
        fields = ["id", "body", "title", "starts_at", "ends_at", "place", "status"]
        read_only_fields = fields


class DecisionSubjectSerializer(serializers.Serializer):
    type = serializers.CharField(help_text=_("Nature de l'objet (ex. : sites.actionplan)."))
    id = serializers.IntegerField()


class DecisionSerializer(ApiModelSerializer):
    meeting = serializers.IntegerField(source="meeting_id", read_only=True)
    subject = serializers.SerializerMethodField()

    class Meta:
        model = Decision
        fields = ["id", "meeting", "kind", "summary", "status", "due_date", "done_on", "subject"]
        read_only_fields = fields

    def get_subject(self, decision) -> DecisionSubjectSerializer(allow_null=True):
        if decision.subject_type_id is None:
            return None
        content_type = decision.subject_type
        return {"type": f"{content_type.app_label}.{content_type.model}", "id": decision.subject_id}


# Filters


class BodyFilter(ApiFilterSet):
    scope = django_filters.ChoiceFilter(choices=BodyScope.choices, label=_("Périmètre"))
    kind = django_filters.CharFilter(field_name="kind__code", label=_("Code du type d'instance"))

    class Meta:
        model = Body
        fields = ["scope", "kind"]


class MeetingFilter(ApiFilterSet):
    body = IdFilter(field_name="body_id", label=_("Identifiant de l'instance"))
    status = django_filters.ChoiceFilter(choices=MeetingStatus.choices, label=_("État"))
    start = django_filters.DateFilter(field_name="starts_at__date", lookup_expr="gte", label=_("Depuis le"))
    end = django_filters.DateFilter(field_name="starts_at__date", lookup_expr="lte", label=_("Jusqu'au"))

    class Meta:
        model = Meeting
        fields = ["body", "status", "start", "end"]


class DecisionFilter(ApiFilterSet):
    meeting = IdFilter(field_name="meeting_id", label=_("Identifiant de la réunion"))
    body = IdFilter(field_name="meeting__body_id", label=_("Identifiant de l'instance"))
    kind = django_filters.ChoiceFilter(choices=DecisionKind.choices, label=_("Nature"))
    status = django_filters.ChoiceFilter(choices=DecisionStatus.choices, label=_("Suivi"))

    class Meta:
        model = Decision
        fields = ["meeting", "body", "kind", "status"]


# Visibility


def visible_bodies(request):
    """Bodies the principal sees in the interface, narrowed to a bound token's sites and territories."""
    bodies = Body.objects.visible_to(request.user)
    bound = getattr(request.user, "bound_site_ids", None)
    if bound is None:
        return bodies
    territories = request.user.bound_territory_ids or frozenset()
    return bodies.filter(Q(site_id__in=bound) | Q(territory_id__in=territories))


def _schema(summary, description, serializer, name):
    scope = " Portée : `read:governance`."
    path = [OpenApiParameter("id", int, OpenApiParameter.PATH, description=_("Identifiant."))]
    return extend_schema_view(
        list=extend_schema(
            summary=summary,
            description=f"{description}{scope}",
            responses={200: serializer, **error_responses(400, 401, 403, 404, 429)},
            tags=["gouvernance"],
        ),
        retrieve=extend_schema(
            summary=name,
            description=scope.strip(),
            parameters=path,
            responses={200: serializer, **error_responses(401, 403, 404, 429)},
            tags=["gouvernance"],
        ),
    )


# Views


@_schema(
    _("Instances de pilotage"),
    _("Comités de pilotage des sites, instances territoriales et régionales."),
    BodySerializer,
    _("Une instance"),
)
class BodyViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = BodySerializer
    filterset_class = BodyFilter
    permission_classes = [HasScope]
    required_scope = ApiScope.GOVERNANCE_READ

    def get_queryset(self):
        return visible_bodies(self.request).select_related("kind", "site").order_by("pk")


@_schema(
    _("Réunions des instances"),
    _("Réunions prévues, tenues ou annulées des instances visibles."),
    MeetingSerializer,
    _("Une réunion"),
)
class MeetingViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = MeetingSerializer
    filterset_class = MeetingFilter
    permission_classes = [HasScope]
    required_scope = ApiScope.GOVERNANCE_READ

    def get_queryset(self):
        return Meeting.objects.filter(body__in=visible_bodies(self.request)).order_by("-starts_at", "pk")


@_schema(
    _("Décisions et avis"),
    _("Décisions et avis pris en réunion, avec leur suivi et leur objet (plan d'actions, candidature…)."),
    DecisionSerializer,
    _("Une décision"),
)
class DecisionViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = DecisionSerializer
    filterset_class = DecisionFilter
    permission_classes = [HasScope]
    required_scope = ApiScope.GOVERNANCE_READ

    def get_queryset(self):
        meetings = Meeting.objects.filter(body__in=visible_bodies(self.request))
        return Decision.objects.filter(meeting__in=meetings).select_related("subject_type").order_by("pk")
