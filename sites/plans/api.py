"""Read-only REST API of the sites' action plans, with their actions, indicators and results
(scope `read:governance`).

People read the plans they read in the interface (`ActionPlan.objects.visible_to`); a partner token
reads the plans the Région has received, of the labelled sites (those of its binding when bound):
a plan still being drafted, proposed or arbitrated is the site's and the coordination's own work.
"""

import django_filters
from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from network.enums import ApiScope
from sites.enums import PlanStatus
from sites.models import Site
from sites.models.plans import ActionIndicator, ActionPlan, PlanAction
from spro.api import ApiFilterSet, ApiModelSerializer, ApiViewMixin, HasScope, SlugFilter, error_responses

PUBLISHED_STATUSES = (PlanStatus.SENT_TO_REGION, PlanStatus.VALIDATED, PlanStatus.REVIEWED)


class IndicatorSerializer(ApiModelSerializer):
    class Meta:
        model = ActionIndicator
        fields = ["label", "unit", "target", "result"]
        read_only_fields = fields


class ActionSerializer(ApiModelSerializer):
    regional_axis = serializers.IntegerField(
        source="regional_axis_id",
        read_only=True,
        allow_null=True,
        help_text=_("Défi de la stratégie régionale."),
    )
    indicators = IndicatorSerializer(many=True, read_only=True)

    class Meta:
        model = PlanAction
        fields = ["title", "regional_axis", "description", "start_date", "end_date", "status", "indicators"]
        read_only_fields = fields


class ActionPlanSerializer(ApiModelSerializer):
    site = serializers.SlugField(source="site.slug", read_only=True)
    actions = ActionSerializer(many=True, read_only=True)

    class Meta:
        model = ActionPlan
        fields = ["id", "site", "year", "status", "summary", "actions"]
        read_only_fields = fields


class ActionPlanFilter(ApiFilterSet):
    site = SlugFilter(field_name="site__slug", label=_("Identifiant (slug) du site"))
    year = django_filters.NumberFilter(field_name="year", label=_("Année"), min_value=2000, max_value=2100)
    status = django_filters.ChoiceFilter(choices=PlanStatus.choices, label=_("État"))

    class Meta:
        model = ActionPlan
        fields = ["site", "year", "status"]


def visible_plans(request):
    user = request.user
    if request.auth is None and not user.roles.is_partner:
        return ActionPlan.objects.visible_to(user)
    sites = Site.objects.labelled()
    bound = getattr(user, "bound_site_ids", None)
    if bound is not None:
        sites = sites.filter(pk__in=bound)
    return ActionPlan.objects.filter(site__in=sites, status__in=PUBLISHED_STATUSES)


@extend_schema_view(
    list=extend_schema(
        summary=_("Plans d'actions des sites"),
        description=_(
            "Plans d'actions annuels avec leurs actions, indicateurs, cibles et résultats. Les "
            "partenaires lisent les plans transmis à la Région, validés ou en bilan. "
            "Portée : `read:governance`."
        ),
        responses={200: ActionPlanSerializer, **error_responses(400, 401, 403, 404, 429)},
        tags=["gouvernance"],
    ),
    retrieve=extend_schema(
        summary=_("Un plan d'actions"),
        description=_("Portée : `read:governance`."),
        parameters=[
            OpenApiParameter("id", int, OpenApiParameter.PATH, description=_("Identifiant du plan."))
        ],
        responses={200: ActionPlanSerializer, **error_responses(401, 403, 404, 429)},
        tags=["gouvernance"],
    ),
)
class ActionPlanViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = ActionPlanSerializer
    filterset_class = ActionPlanFilter
    permission_classes = [HasScope]
    required_scope = ApiScope.GOVERNANCE_READ

    def get_queryset(self):
        actions = PlanAction.objects.prefetch_related("indicators").order_by("order", "pk")
        return (
            visible_plans(self.request)
            .select_related("site")
            .prefetch_related(Prefetch("actions", queryset=actions))
            .order_by("-year", "site__slug")
        )
