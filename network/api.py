"""Read-only REST API of the network: territories and organisations (scope `read:directory`).

Organisations are shown as structures: no phone, e-mail, contact person or notes, because those
may name or reach a person.
"""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from spro.api import (
    ApiFilterSet,
    ApiModelSerializer,
    ApiViewMixin,
    BooleanFilter,
    HasScope,
    IdFilter,
    error_responses,
)

from .enums import ApiScope
from .models import ApiToken, Organisation, OrganisationKind, Territory

# Serializers


class TerritorySerializer(ApiModelSerializer):
    kind = serializers.CharField(
        source="kind.code", read_only=True, help_text=_("Code du type de territoire.")
    )
    parent = serializers.IntegerField(
        source="parent_id", read_only=True, allow_null=True, help_text=_("Identifiant du territoire parent.")
    )

    class Meta:
        model = Territory
        fields = ["id", "kind", "code", "name", "parent"]
        read_only_fields = fields


class OrganisationKindSerializer(ApiModelSerializer):
    class Meta:
        model = OrganisationKind
        fields = ["code", "label"]
        read_only_fields = fields


class OrganisationSerializer(ApiModelSerializer):
    kind = OrganisationKindSerializer(read_only=True)
    departement = serializers.CharField(
        source="departement.code", read_only=True, allow_null=True, help_text=_("Code du département.")
    )

    class Meta:
        model = Organisation
        fields = [
            "id",
            "name",
            "acronym",
            "kind",
            "is_spro_member",
            "spro_recognised_on",
            "spro_recognition_ends_on",
            "address",
            "postcode",
            "commune",
            "departement",
            "website",
        ]
        read_only_fields = fields


# Filters


class TerritoryFilter(ApiFilterSet):
    kind = django_filters.CharFilter(field_name="kind__code", label=_("Code du type de territoire"))
    parent = IdFilter(field_name="parent_id", label=_("Identifiant du territoire parent"))

    class Meta:
        model = Territory
        fields = ["kind", "parent"]


class OrganisationFilter(ApiFilterSet):
    kind = django_filters.CharFilter(field_name="kind__code", label=_("Code du type d'organisation"))
    departement = django_filters.CharFilter(field_name="departement__code", label=_("Code du département"))
    is_spro_member = BooleanFilter(
        method="filter_is_spro_member", label=_("Membre du SPRO aujourd'hui (reconnaissance en cours)")
    )
    q = django_filters.CharFilter(method="filter_q", label=_("Recherche dans le nom, le sigle ou la commune"))

    class Meta:
        model = Organisation
        fields = ["kind", "departement", "is_spro_member", "q"]

    def filter_is_spro_member(self, queryset, name, value):
        # The same rule as everywhere else: the flag and the recognition dates, on today's date.
        members = Organisation.objects.spro_members().values("pk")
        return queryset.filter(pk__in=members) if value else queryset.exclude(pk__in=members)

    def filter_q(self, queryset, name, value):
        return queryset.search(value)


# Views


@extend_schema_view(
    list=extend_schema(
        summary=_("Liste des territoires"),
        description=_(
            "Régions, départements, bassins d'emploi, agences territoriales… Portée : `read:directory`."
        ),
        responses={200: TerritorySerializer, **error_responses(400, 401, 403, 404)},
        tags=["réseau"],
    ),
    retrieve=extend_schema(
        summary=_("Un territoire"),
        description=_("Portée : `read:directory`."),
        parameters=[
            OpenApiParameter("id", int, OpenApiParameter.PATH, description=_("Identifiant du territoire."))
        ],
        responses={200: TerritorySerializer, **error_responses(401, 403, 404)},
        tags=["réseau"],
    ),
)
class TerritoryViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = TerritorySerializer
    filterset_class = TerritoryFilter
    permission_classes = [HasScope]
    required_scope = ApiScope.DIRECTORY_READ
    queryset = Territory.objects.select_related("kind")

    def get_queryset(self):
        # A token bound to territories or sites reads those territories (and those under them),
        # and the départements of its sites.
        bound = getattr(self.request.user, "bound_site_ids", None)
        if bound is None:
            return super().get_queryset()
        ids = set(self.request.user.bound_territory_ids or ())
        site_model = ApiToken._meta.get_field("sites").related_model
        ids |= set(site_model.objects.filter(pk__in=bound).values_list("departement_id", flat=True))
        return super().get_queryset().filter(pk__in=ids)


@extend_schema_view(
    list=extend_schema(
        summary=_("Liste des organisations"),
        description=_(
            "Structures porteuses et partenaires du réseau, sans données personnelles. "
            "Portée : `read:directory`."
        ),
        responses={200: OrganisationSerializer, **error_responses(400, 401, 403, 404)},
        tags=["réseau"],
    ),
    retrieve=extend_schema(
        summary=_("Une organisation"),
        description=_("Portée : `read:directory`."),
        parameters=[
            OpenApiParameter(
                "id", int, OpenApiParameter.PATH, description=_("Identifiant de l'organisation.")
            )
        ],
        responses={200: OrganisationSerializer, **error_responses(401, 403, 404)},
        tags=["réseau"],
    ),
)
class OrganisationViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = OrganisationSerializer
    filterset_class = OrganisationFilter
    permission_classes = [HasScope]
    required_scope = ApiScope.DIRECTORY_READ
    queryset = Organisation.objects.select_related("kind", "departement")

    def get_queryset(self):
        # A bound token reads the organisations of its territories and those hosting its sites.
        bound = getattr(self.request.user, "bound_site_ids", None)
        if bound is None:
            return super().get_queryset()
        territories = self.request.user.bound_territory_ids or frozenset()
        return (
            super()
            .get_queryset()
            .filter(Q(departement__in=territories) | Q(hosted_sites__in=bound))
            .distinct()
        )
