"""Read-only REST API of the labelled sites (scope `read:directory`).

What a client sees goes through `Site.objects.visible_to(principal)`: partners (token clients and
partner members) see the public sites, the regional coordination and observers see every site,
a site coordinator sees the public sites plus their own. Any other site is a 404.
"""

import django_filters
from django.conf import settings
from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from django_filters.utils import translate_validation
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from network.enums import ApiScope
from network.models import Organisation
from spro.api import ApiFilterSet, ApiModelSerializer, ApiViewMixin, HasScope, cached_answer, error_responses

from .enums import LabelStatus
from .models import ServiceLevel, Site, SiteKind, Theme

# What a site's slug is made of (Django's SlugField), in the URL and in the schema.
SLUG_REGEX = "[-a-zA-Z0-9_]+"

# Serializers


class SiteKindSerializer(ApiModelSerializer):
    class Meta:
        model = SiteKind
        fields = ["code", "label"]
        read_only_fields = fields


class ThemeSerializer(ApiModelSerializer):
    class Meta:
        model = Theme
        fields = ["code", "label"]
        read_only_fields = fields


class ServiceLevelSerializer(ApiModelSerializer):
    class Meta:
        model = ServiceLevel
        fields = ["code", "label"]
        read_only_fields = fields


class SiteHostSerializer(ApiModelSerializer):
    class Meta:
        model = Organisation
        fields = ["id", "name"]
        read_only_fields = fields


class SiteSerializer(ApiModelSerializer):
    kind = SiteKindSerializer(read_only=True)
    host = SiteHostSerializer(read_only=True, help_text=_("Structure porteuse."))
    parent = serializers.SlugRelatedField(
        slug_field="slug",
        read_only=True,
        allow_null=True,
        help_text=_("Identifiant du site principal (centre associé, point relais) ; null sinon."),
    )
    departement = serializers.CharField(
        source="departement.code", read_only=True, help_text=_("Code du département.")
    )
    # The bounds of the model's check constraints, so that the schema gives them too.
    latitude = serializers.DecimalField(
        max_digits=9,
        decimal_places=6,
        min_value=-90,
        max_value=90,
        coerce_to_string=False,
        read_only=True,
        allow_null=True,
    )
    longitude = serializers.DecimalField(
        max_digits=9,
        decimal_places=6,
        min_value=-180,
        max_value=180,
        coerce_to_string=False,
        read_only=True,
        allow_null=True,
    )
    label_status = serializers.ChoiceField(choices=LabelStatus.choices, read_only=True)
    label_status_label = serializers.CharField(source="get_label_status_display", read_only=True)
    themes = ThemeSerializer(many=True, read_only=True)
    service_levels = ServiceLevelSerializer(many=True, read_only=True)

    class Meta:
        model = Site
        fields = [
            "slug",
            "name",
            "kind",
            "host",
            "parent",
            "address",
            "postcode",
            "commune",
            "departement",
            "latitude",
            "longitude",
            "opening_hours",
            "phone",
            "email",
            "website",
            "accessibility",
            "public_description",
            "themes",
            "service_levels",
            "label_status",
            "label_status_label",
            "labelled_on",
            "label_renewal_due_on",
        ]
        read_only_fields = fields


# Filters


class SiteFilter(ApiFilterSet):
    kind = django_filters.CharFilter(field_name="kind__code", label=_("Code du type de site"))
    departement = django_filters.CharFilter(field_name="departement__code", label=_("Code du département"))
    label_status = django_filters.ChoiceFilter(choices=LabelStatus.choices, label=_("Statut du label"))
    q = django_filters.CharFilter(
        method="filter_q",
        label=_("Recherche dans le nom, la commune, le code postal ou la structure porteuse"),
    )

    class Meta:
        model = Site
        fields = ["kind", "departement", "label_status", "q"]

    def filter_q(self, queryset, name, value):
        return queryset.search(value)


# Views


@extend_schema_view(
    list=extend_schema(
        summary=_("Liste des sites"),
        description=_(
            "Informations publiques des sites labellisés. Un partenaire voit les sites publics "
            "(labellisés ou suspendus). Portée : `read:directory`."
        ),
        responses={200: SiteSerializer, **error_responses(400, 401, 403, 404)},
        tags=["sites"],
    ),
    retrieve=extend_schema(
        summary=_("Un site"),
        description=_("Par identifiant (slug). Un site non visible répond 404. Portée : `read:directory`."),
        parameters=[
            OpenApiParameter(
                "slug",
                str,
                OpenApiParameter.PATH,
                pattern=f"^{SLUG_REGEX}$",
                description=_("Identifiant (slug) du site."),
            )
        ],
        responses={200: SiteSerializer, **error_responses(401, 403, 404)},
        tags=["sites"],
    ),
)
class SiteViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = SiteSerializer
    filterset_class = SiteFilter
    permission_classes = [HasScope]
    required_scope = ApiScope.DIRECTORY_READ
    lookup_field = "slug"
    lookup_value_regex = SLUG_REGEX

    def get_queryset(self):
        # One query for the page of sites and their foreign keys, one per many-to-many list.
        return (
            api_visible_sites(self.request)
            .for_listing()
            .prefetch_related(
                Prefetch("themes", queryset=Theme.objects.order_by("order", "label")),
                Prefetch("service_levels", queryset=ServiceLevel.objects.order_by("order", "label")),
            )
        )

    def list(self, request, *args, **kwargs):
        # The directory changes a few times a month and is read all day: each answer is kept in the
        # cache under the directory's version, the principal's view of it and the query string.
        return cached_answer(
            request, "sites", lambda: super(SiteViewSet, self).list(request, *args, **kwargs)
        )


def api_visible_sites(request):
    """The sites the principal reads (Site.objects.visible_to), narrowed to a bound token's sites."""
    sites = Site.objects.visible_to(request.user)
    bound = getattr(request.user, "bound_site_ids", None)
    return sites if bound is None else sites.filter(pk__in=bound)


# GeoJSON


class GeoJsonSerializer(serializers.Serializer):
    """RFC 7946 FeatureCollection: one Point per site with coordinates (longitude, latitude)."""

    type = serializers.ChoiceField(choices=["FeatureCollection"])
    features = serializers.ListField(child=serializers.DictField())


@extend_schema(
    summary=_("Sites en GeoJSON"),
    description=_(
        "Les mêmes sites et filtres que la liste, en GeoJSON (RFC 7946) pour une carte : un point par "
        "site géolocalisé (longitude, latitude), avec son identifiant, son nom, son type, sa commune et "
        "l'adresse de sa fiche publique. Non paginé. Portée : `read:directory`."
    ),
    parameters=[
        OpenApiParameter(
            name, str, OpenApiParameter.QUERY, description=str(SiteFilter.base_filters[name].label)
        )
        for name in ("kind", "departement", "label_status", "q")
    ],
    responses={200: GeoJsonSerializer, **error_responses(400, 401, 403)},
    tags=["sites"],
)
class SiteGeoJsonView(ApiViewMixin, APIView):
    permission_classes = [HasScope]
    required_scope = ApiScope.DIRECTORY_READ

    def get(self, request):
        return cached_answer(request, "sites-geojson", lambda: Response(self._collection(request)))

    @staticmethod
    def _collection(request) -> dict:
        filterset = SiteFilter(request.query_params, queryset=api_visible_sites(request).for_listing())
        if not filterset.is_valid():
            raise translate_validation(filterset.errors)
        sites = filterset.qs.filter(latitude__isnull=False, longitude__isnull=False).order_by("name")
        return {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "id": site.slug,
                    "geometry": {
                        "type": "Point",
                        "coordinates": [float(site.longitude), float(site.latitude)],
                    },
                    "properties": {
                        "slug": site.slug,
                        "name": site.name,
                        "kind": site.kind.code,
                        "commune": site.commune,
                        "departement": site.departement.code,
                        "url": settings.SPRO_BASE_URL + site.get_absolute_url(),
                    },
                }
                for site in sites
            ],
        }
