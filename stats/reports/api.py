"""Read-only REST API of the yearly reports (scope `read:reports`): the list of stored PDF reports,
one report, and its download.

What a token reads: the current final (non-provisional) reports of the labelled sites (those of its
binding when it is bound) and the network's reports (regional, governance). People read what the
interface shows them (ReportFile.objects.visible_to, the rule reports.read_file): everything for
the coordination and observers, their sites' reports for site coordinators.
"""

import django_filters
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.negotiation import BaseContentNegotiation

from network.enums import ApiScope
from spro.api import ApiFilterSet, ApiViewMixin, BooleanFilter, HasScope, SlugFilter, error_responses
from spro.files import file_response

from .enums import ReportKind
from .models import ReportFile


class ReportFileSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(read_only=True, help_text=_("Libellé du type de bilan."))
    site = serializers.SlugField(
        source="site.slug",
        read_only=True,
        allow_null=True,
        default=None,
        help_text=_("Site (slug) ; null pour un bilan du réseau."),
    )
    site_name = serializers.CharField(source="site.name", read_only=True, allow_null=True, default=None)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = ReportFile
        fields = [
            "id",
            "kind",
            "kind_label",
            "site",
            "site_name",
            "year",
            "provisional",
            "version",
            "is_current",
            "title",
            "created_at",
            "data_as_of",
            "fingerprint",
            "sha256",
            "page_count",
            "size",
            "download_url",
        ]
        read_only_fields = fields

    def get_download_url(self, report_file) -> str:
        """The PDF's address (same credentials)."""
        path = reverse("api-report-pdf-detail", kwargs={"pk": report_file.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class ReportFileFilter(ApiFilterSet):
    year = django_filters.NumberFilter(
        field_name="year", label=_("Année du bilan"), min_value=2000, max_value=2199
    )
    site = SlugFilter(field_name="site__slug", label=_("Identifiant (slug) du site"))
    kind = django_filters.ChoiceFilter(choices=ReportKind.choices, label=_("Type de bilan"))
    current = BooleanFilter(
        field_name="is_current", label=_("Versions en vigueur seulement (true) ou anciennes (false)")
    )

    class Meta:
        model = ReportFile
        fields = ["year", "site", "kind", "current"]


class FirstRendererNegotiation(BaseContentNegotiation):
    """The download answers a PDF whatever the Accept header says, and its errors in JSON."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


_SCOPE = " Portée : `read:reports`."
_PATH = [OpenApiParameter("id", int, OpenApiParameter.PATH, description=_("Identifiant du bilan."))]


@extend_schema_view(
    list=extend_schema(
        summary=_("Bilans d'activité (PDF)"),
        description=_(
            "Les bilans annuels stockés, du plus récent au plus ancien. Un jeton lit les versions en "
            "vigueur définitives (non provisoires) des sites labellisés (ceux de son jeton lorsqu'il "
            "est lié à des sites ou des territoires) et les bilans du réseau (régional, gouvernance). "
            "`sha256` est la somme de contrôle du fichier, `fingerprint` l'empreinte des chiffres "
            "imprimés : deux exemplaires de même empreinte impriment les mêmes nombres."
        )
        + _SCOPE,
        responses={200: ReportFileSerializer, **error_responses(400, 401, 403, 404)},
        tags=["bilans"],
    ),
    retrieve=extend_schema(
        summary=_("Un bilan"),
        description=_SCOPE.strip(),
        parameters=_PATH,
        responses={200: ReportFileSerializer, **error_responses(401, 403, 404)},
        tags=["bilans"],
    ),
)
class ReportFileViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = ReportFileSerializer
    filterset_class = ReportFileFilter
    permission_classes = [HasScope]
    required_scope = ApiScope.REPORTS_READ

    def get_queryset(self):
        return (
            ReportFile.objects.visible_to(self.request.user)
            .select_related("site")
            .order_by("-year", "kind", "site__name", "-version", "pk")
        )


@extend_schema_view(
    retrieve=extend_schema(
        summary=_("Le fichier PDF d'un bilan"),
        description=_(
            "Le PDF en pièce jointe (l'adresse `download_url` de la liste) ; l'en-tête "
            "`X-Checksum-SHA256` donne sa somme de contrôle."
        )
        + _SCOPE,
        parameters=_PATH,
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description=_("Le fichier PDF.")),
            **error_responses(401, 403, 404),
        },
        tags=["bilans"],
    ),
)
class ReportPdfViewSet(ApiViewMixin, viewsets.GenericViewSet):
    """The PDF of a report the principal may read (the same queryset as the list)."""

    permission_classes = [HasScope]
    required_scope = ApiScope.REPORTS_READ
    content_negotiation_class = FirstRendererNegotiation
    serializer_class = ReportFileSerializer  # For the schema's path parameter only.

    def get_queryset(self):
        return ReportFile.objects.visible_to(self.request.user).select_related("site")

    def retrieve(self, request, *args, **kwargs):
        report_file = self.get_object()
        response = file_response(report_file.file, filename=report_file.download_name)
        response["X-Checksum-SHA256"] = report_file.sha256
        return response
