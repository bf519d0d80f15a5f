"""The action plans' cards of the home page (registered with sites.home_cards in SitesConfig.ready):
the plans to arbitrate, to transmit and to validate for the coordination; the next step of each of
their sites' plan of the year for a site coordinator."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..enums import PlanStatus
from ..home_cards import HomeCard, HomeLine
from ..models import Site
from ..models.plans import ActionPlan
from .rules import can_be_reviewed

# What comes next for a site's plan, said to its coordinators.
NEXT_STEPS = {
    PlanStatus.DRAFT: gettext_lazy("brouillon : compléter les actions puis proposer le plan"),
    PlanStatus.PROPOSED: gettext_lazy("proposé : en attente de l'arbitrage de la coordination"),
    PlanStatus.ARBITRATED: gettext_lazy("arbitré : la coordination le transmet à la Région"),
    PlanStatus.SENT_TO_REGION: gettext_lazy("transmis : en attente de la validation de la Région"),
    PlanStatus.VALIDATED: gettext_lazy("validé : saisir les résultats des actions"),
    PlanStatus.REVIEWED: gettext_lazy("bilan fait"),
}


def plan_cards(request) -> list[HomeCard]:
    user = request.user
    roles = user.roles
    cards = []
    if roles.is_regional_coordinator:
        cards.append(_coordination_card())
    if roles.is_site_coordinator:
        sites = list(
            Site.objects.editable_by(user).filter(pk__in=roles.coordinated_site_ids).order_by("name")
        )
        if sites:
            cards.append(_sites_card(sites))
    return cards


def _coordination_card() -> HomeCard:
    url = reverse("plans:list")
    counts = dict.fromkeys(PlanStatus, 0)
    for status in ActionPlan.objects.values_list("status", flat=True):
        counts[status] = counts.get(status, 0) + 1
    steps = (
        (PlanStatus.PROPOSED, _("plans proposés, à arbitrer")),
        (PlanStatus.ARBITRATED, _("plans arbitrés, à transmettre à la Région")),
        (PlanStatus.SENT_TO_REGION, _("plans transmis, validation de la Région à enregistrer")),
    )
    return HomeCard(
        _("Plans d'actions"),
        [HomeLine(label, f"{url}?status={status}", counts[status]) for status, label in steps],
        order=40,
        slug="plans",
        more_url=url,
        more_label=_("Tous les plans"),
    )


def _sites_card(sites: list[Site]) -> HomeCard:
    year = timezone.localdate().year
    plans = {plan.site_id: plan for plan in ActionPlan.objects.filter(site__in=sites, year=year)}
    several = len(sites) > 1
    lines = []
    for site in sites:
        label = _("Plan d'actions %(year)s") % {"year": year} + (f" — {site.name}" if several else "")
        plan = plans.get(site.pk)
        if plan is None:
            lines.append(HomeLine(label, reverse("plans:create"), detail=_("à créer"), tone="warning"))
            continue
        detail = str(NEXT_STEPS.get(plan.status, plan.get_status_display()))
        if plan.status == PlanStatus.VALIDATED and can_be_reviewed(plan):
            detail = _("validé : le bilan de l'année peut être fait")
        lines.append(
            HomeLine(
                label,
                reverse("plans:detail", kwargs={"pk": plan.pk}),
                detail=detail,
                tone="warning" if plan.status == PlanStatus.DRAFT else "",
            )
        )
    return HomeCard(_("Plans d'actions"), lines, order=40, slug="plans-sites")
