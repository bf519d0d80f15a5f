"""Read-only REST API of the visitor statistics: monthly counts per site and breakdown item (scope
`read:stats`).

Figures come from the roll-up table MonthlyCount, never from the raw visits. Who sees which site:
- a partner (organisation token, or a partner member's session) reads the aggregated figures of
  the labelled sites (those of its token's binding), validated or locked months only, with small
  cells hidden (`count: null, suppressed: true`) and enough others that none can be worked back
  (stats/published.py);
- the regional coordination and observers read every site, site coordinators their own sites,
  in full (it is their own data, and they already see it on the dashboards).
The rules are stats.read_figures and stats.read_published_figures (stats/rules.py).
"""

import django_filters
import rules
from django.db.models import Count, Q, Sum
from django.db.models.functions import Concat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters.utils import translate_validation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from network.enums import ApiScope
from network.models import Territory
from sites.models import Site
from spro.api import ApiFilterSet, ApiViewMixin, HasScope, IdFilter, SlugFilter, error_responses

from . import published
from .enums import Dimension
from .filters import sites_in_territory
from .models import DIMENSION_MODELS, MonthlyCount, Sex, first_of_month

# Serializers


class CellSerializer(serializers.Serializer):
    count = serializers.IntegerField(
        allow_null=True, help_text=gettext_lazy("Nombre de passages ; null quand la case est masquée.")
    )
    suppressed = serializers.BooleanField(
        help_text=gettext_lazy(
            "Vrai quand la case est masquée pour qu'aucune personne ne soit reconnaissable."
        )
    )


class SexCellSerializer(CellSerializer):
    sex = serializers.CharField(help_text=gettext_lazy("Code du sexe."))
    label = serializers.CharField(help_text=gettext_lazy("Libellé du sexe."))


class ItemSerializer(serializers.Serializer):
    id = serializers.IntegerField(
        help_text=gettext_lazy("Identifiant de la modalité ; 0 pour « non renseigné ».")
    )
    code = serializers.CharField(
        allow_null=True, help_text=gettext_lazy("Code de la modalité ; null pour 0.")
    )
    label = serializers.CharField()


class MonthlyStatSerializer(serializers.Serializer):
    site = serializers.CharField(help_text=gettext_lazy("Identifiant (slug) du site."))
    site_name = serializers.CharField()
    month = serializers.DateField(help_text=gettext_lazy("Premier jour du mois."))
    dimension = serializers.ChoiceField(choices=Dimension.choices, help_text=gettext_lazy("Ventilation."))
    item = ItemSerializer(help_text=gettext_lazy("Modalité de la ventilation (« total » : une seule, id 0)."))
    count = serializers.IntegerField(
        allow_null=True, help_text=gettext_lazy("Total tous sexes ; null quand il est masqué.")
    )
    suppressed = serializers.BooleanField()
    by_sex = SexCellSerializer(many=True, help_text=gettext_lazy("Le même nombre, par sexe."))


# Filters


class MonthlyCountFilter(ApiFilterSet):
    site = SlugFilter(field_name="site__slug", label=gettext_lazy("Identifiant (slug) du site"))
    departement = django_filters.CharFilter(
        field_name="site__departement__code", label=gettext_lazy("Code du département")
    )
    start = django_filters.DateFilter(
        method="filter_start", label=gettext_lazy("Début de la période (AAAA-MM-JJ ; son mois est inclus)")
    )
    end = django_filters.DateFilter(
        field_name="month", lookup_expr="lte", label=gettext_lazy("Fin de la période (AAAA-MM-JJ, incluse)")
    )
    dimension = django_filters.ChoiceFilter(choices=Dimension.choices, label=gettext_lazy("Ventilation"))

    territory = IdFilter(method="filter_territory", label=gettext_lazy("Identifiant d'un territoire"))
    kind = django_filters.CharFilter(
        field_name="site__kind__code", label=gettext_lazy("Code du type de site")
    )

    class Meta:
        model = MonthlyCount
        fields = ["site", "departement", "territory", "kind", "start", "end", "dimension"]

    def filter_start(self, queryset, name, value):
        return queryset.filter(month__gte=first_of_month(value))

    def filter_territory(self, queryset, name, value):
        territory = Territory.objects.filter(pk=value).first()
        if territory is None:
            return queryset.none()
        return queryset.filter(site__in=sites_in_territory(Site.objects.all(), territory))


class TotalsFilter(MonthlyCountFilter):
    # Validated here, applied by the view: the totals read the chosen breakdown and the overall total.
    dimension = django_filters.ChoiceFilter(
        choices=Dimension.choices,
        required=True,
        method="validated_only",
        label=gettext_lazy("Ventilation (obligatoire)"),
    )

    def validated_only(self, queryset, name, value):
        return queryset


# Visibility


def stats_visible_sites(request) -> tuple:
    """The sites whose figures the principal reads, and whether they read the published figures
    only (validated months, protected cells) rather than their own data in full.

    An organisation token's principal is a partner (ApiClient): it reads the published figures, of
    the sites its token is bound to when it is.
    """
    user = request.user
    if rules.test_rule("stats.read_figures", user):
        return Site.objects.data_visible_to(user), False
    if rules.test_rule("stats.read_published_figures", user):
        sites = Site.objects.labelled()
        bound = getattr(user, "bound_site_ids", None)
        return (sites if bound is None else sites.filter(pk__in=bound)), True
    return Site.objects.none(), True


def _cell(value: int, hidden: bool) -> dict:
    return {"count": None, "suppressed": True} if hidden else {"count": value, "suppressed": False}


def _item_labels(dimension: str, ids: set[int]) -> dict[int, tuple[str | None, str]]:
    if dimension == Dimension.TOTAL:
        return {0: (None, _("Total"))}
    labels = {0: (None, _("Aucune orientation") if dimension == Dimension.REFERRAL else _("Non renseigné"))}
    ids = ids - {0}
    if ids:
        model = DIMENSION_MODELS[dimension]
        labels.update(
            (pk, (code, label))
            for pk, code, label in model.objects.filter(pk__in=ids).values_list("pk", "code", "label")
        )
    return labels


# Views


@extend_schema_view(
    list=extend_schema(
        summary=gettext_lazy("Passages mensuels par site et par modalité"),
        description=gettext_lazy(
            "Une ligne par site, mois, ventilation et modalité, avec le total et le détail par sexe. "
            "Les partenaires lisent les sites labellisés (ceux de leur jeton quand il est lié à des "
            "sites ou des territoires), et seulement les mois validés ou verrouillés. Les cases de "
            "moins de `SPRO_SMALL_CELL_THRESHOLD` passages (5 par défaut) y sont masquées "
            "(`count: null`, `suppressed: true`), et assez d'autres cases du même mois du site "
            "(totaux compris) pour qu'aucune case masquée ne puisse être recalculée à partir des "
            "totaux et des cases visibles de toutes ses ventilations ; un même mois masque toujours "
            "les mêmes cases. La coordination régionale, les observateurs et les coordinateurs de "
            "site (sur leurs sites) lisent tous les mois en entier. Thèmes et orientations admettent "
            "plusieurs réponses par passage. Portée : `read:stats`."
        ),
        responses={200: MonthlyStatSerializer, **error_responses(400, 401, 403, 404)},
        tags=["statistiques"],
    ),
)
class MonthlyStatsViewSet(ApiViewMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = MonthlyStatSerializer
    filterset_class = MonthlyCountFilter
    permission_classes = [HasScope]
    required_scope = ApiScope.STATS_READ

    def get_queryset(self):
        sites, self.suppress = stats_visible_sites(self.request)
        # Cells brought back to zero by corrections are left out.
        counts = MonthlyCount.objects.filter(site__in=sites).exclude(count=0)
        return published.published_counts(counts) if self.suppress else counts

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        sexes = list(Sex.objects.all())
        # One row per site, month, dimension and item, with one column per sex (a handful), so that
        # pagination counts and cuts lines as the client sees them.
        grouped = (
            queryset.values("site_id", "site__slug", "site__name", "month", "dimension", "item_id")
            .annotate(
                total=Sum("count"),
                **{f"sex_{sex.pk}": Sum("count", filter=Q(sex_id=sex.pk)) for sex in sexes},
            )
            .order_by("site__slug", "month", "dimension", "item_id")
        )
        page = self.paginate_queryset(grouped)
        return self.get_paginated_response(self.get_serializer(self._rows(page, sexes), many=True).data)

    def _rows(self, page, sexes):
        ids_by_dimension = {}
        for row in page:
            ids_by_dimension.setdefault(row["dimension"], set()).add(row["item_id"])
        hidden = (
            published.hidden_cells(
                {(row["site_id"], row["month"]) for row in page}, [sex.pk for sex in sexes]
            )
            if self.suppress
            else set()
        )
        # One query per breakdown present on the page (nine at most), whatever its length.
        labels = {dimension: _item_labels(dimension, ids) for dimension, ids in ids_by_dimension.items()}
        rows = []
        for row in page:
            key = (row["site_id"], row["month"], row["dimension"], row["item_id"])
            by_sex = [
                {
                    "sex": sex.code,
                    "label": sex.label,
                    **_cell(row[f"sex_{sex.pk}"] or 0, (*key, sex.pk) in hidden),
                }
                for sex in sexes
            ]
            total = _cell(row["total"] or 0, (*key, published.ALL_SEXES) in hidden)
            code, label = labels[row["dimension"]].get(row["item_id"], (None, _("Modalité supprimée")))
            rows.append(
                {
                    "site": row["site__slug"],
                    "site_name": row["site__name"],
                    "month": row["month"],
                    "dimension": row["dimension"],
                    "item": {"id": row["item_id"], "code": code, "label": label},
                    **total,
                    "by_sex": by_sex,
                }
            )
        return rows


class TotalSerializer(serializers.Serializer):
    dimension = serializers.ChoiceField(choices=Dimension.choices)
    item = ItemSerializer()
    count = serializers.IntegerField(
        allow_null=True, help_text=gettext_lazy("Total ; null quand il est masqué.")
    )
    suppressed = serializers.BooleanField()
    by_sex = SexCellSerializer(many=True)


class TotalsSerializer(serializers.Serializer):
    sites = serializers.IntegerField(help_text=gettext_lazy("Nombre de sites comptés."))
    months = serializers.IntegerField(help_text=gettext_lazy("Nombre de mois-sites comptés."))
    rows = TotalSerializer(many=True)


@extend_schema(
    summary=gettext_lazy("Totaux sur une période et un ensemble de sites"),
    description=gettext_lazy(
        "Les passages d'une ventilation (par modalité et par sexe), additionnés sur les sites et les "
        "mois choisis par les filtres (site, département, territoire, type de site, période). Pour "
        "les partenaires : mois validés ou verrouillés seulement, et le tableau protégé comme un mois "
        "de site (petites cases et assez d'autres masquées). Portée : `read:stats`."
    ),
    parameters=[
        OpenApiParameter(
            "dimension",
            str,
            OpenApiParameter.QUERY,
            required=True,
            enum=Dimension.values,
            description=str(gettext_lazy("Ventilation (obligatoire)")),
        ),
        OpenApiParameter(
            "site", str, OpenApiParameter.QUERY, description=str(gettext_lazy("Identifiant (slug) du site"))
        ),
        OpenApiParameter(
            "departement", str, OpenApiParameter.QUERY, description=str(gettext_lazy("Code du département"))
        ),
        OpenApiParameter(
            "territory",
            int,
            OpenApiParameter.QUERY,
            description=str(gettext_lazy("Identifiant d'un territoire")),
        ),
        OpenApiParameter(
            "kind", str, OpenApiParameter.QUERY, description=str(gettext_lazy("Code du type de site"))
        ),
        OpenApiParameter(
            "start",
            OpenApiTypes.DATE,
            OpenApiParameter.QUERY,
            description=str(gettext_lazy("Début (AAAA-MM-JJ)")),
        ),
        OpenApiParameter(
            "end",
            OpenApiTypes.DATE,
            OpenApiParameter.QUERY,
            description=str(gettext_lazy("Fin (AAAA-MM-JJ, incluse)")),
        ),
    ],
    responses={200: TotalsSerializer, **error_responses(400, 401, 403)},
    tags=["statistiques"],
)
class TotalsView(ApiViewMixin, APIView):
    permission_classes = [HasScope]
    required_scope = ApiScope.STATS_READ

    def get(self, request):
        sites, suppress = stats_visible_sites(request)
        counts = MonthlyCount.objects.filter(site__in=sites).exclude(count=0)
        if suppress:
            counts = published.published_counts(counts)
        filterset = TotalsFilter(request.query_params, queryset=counts)
        if not filterset.is_valid():
            raise translate_validation(filterset.errors)
        return Response(_totals(filterset.qs, filterset.form.cleaned_data["dimension"], suppress))


def _totals(counts, dimension: str, suppress: bool) -> dict:
    sexes = list(Sex.objects.all())
    scope = counts.filter(dimension=Dimension.TOTAL).aggregate(
        sites=Count("site", distinct=True), months=Count(Concat("site_id", "month"), distinct=True)
    )
    by_item = counts.filter(dimension=dimension).values_list("item_id", "sex_id").annotate(total=Sum("count"))
    cells = {(item_id, sex_id): total for item_id, sex_id, total in by_item}
    by_sex = counts.filter(dimension=Dimension.TOTAL).values_list("sex_id").annotate(total=Sum("count"))
    overall = dict(by_sex)
    table = {(dimension, item, sex): value for (item, sex), value in cells.items()}
    table.update({(Dimension.TOTAL, 0, sex): value for sex, value in overall.items()})
    sex_ids = [sex.pk for sex in sexes]
    hidden = published.protected_table(table, sex_ids) if suppress else set()
    item_ids = sorted({item for item, _sex in cells})
    labels = _item_labels(dimension, set(item_ids))
    rows = []
    for item_id in item_ids:
        code, label = labels.get(item_id, (None, _("Modalité supprimée")))
        by_sex = [
            {
                "sex": sex.code,
                "label": sex.label,
                **_cell(cells.get((item_id, sex.pk), 0), (dimension, item_id, sex.pk) in hidden),
            }
            for sex in sexes
        ]
        total = sum(cells.get((item_id, sex.pk), 0) for sex in sexes)
        rows.append(
            {
                "dimension": dimension,
                "item": {"id": item_id, "code": code, "label": label},
                **_cell(total, (dimension, item_id, published.ALL_SEXES) in hidden),
                "by_sex": by_sex,
            }
        )
    return {"sites": scope["sites"] or 0, "months": scope["months"] or 0, "rows": rows}
