"""The home page: one section per role. It shows the sites, so it lives in the sites app (the network
app, below it, cannot read them).

Each person's work to do comes first, as cards with counts and direct links. The layers above the
sites core (labels, plans, governance, stats, events) contribute their cards through the registry of
sites/home_cards.py, from their AppConfig.ready: this module imports none of them."""

from django.db.models import Count, Q
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from network.enums import Role
from network.models import Organisation, RoleAssignment, User

from .enums import LabelStatus
from .home_cards import READ, HomeCard, HomeLine, home_cards
from .models import LabelStatusChange, Site


def home(request):
    """One page per role; a person holding several roles sees each section."""
    roles = request.user.roles
    work, read = home_cards(request)
    context = {"nav": "home", "roles": roles, "work_cards": work, "read_links": read}
    if roles.reads_whole_network:
        context.update(_network_overview())
    if roles.is_site_coordinator:
        # Only the sites they coordinate, even for a regional coordinator who also runs a site.
        context["my_sites"] = (
            Site.objects.editable_by(request.user)
            .filter(pk__in=roles.coordinated_site_ids)
            .select_related("kind", "departement")
        )
    if roles.is_partner:
        context["partner_organisations"] = Organisation.objects.filter(
            pk__in=roles.partner_organisation_ids
        ).select_related("kind")
    if not (roles.reads_whole_network or roles.is_site_coordinator or roles.is_partner):
        context["contacts"] = (
            User.objects.filter(
                is_active=True,
                role_assignments__in=RoleAssignment.objects.current().filter(role=Role.REGIONAL_COORDINATOR),
            )
            .distinct()
            .order_by("last_name", "first_name")
        )
    return render(request, "sites/home.html", context)


def _network_overview() -> dict:
    """The network at a glance: counts are grouped in the database, one query per table."""
    by_status = dict(Site.objects.order_by().values_list("label_status").annotate(n=Count("pk")))
    sites_by_status = [
        {"status": status, "label": status.label, "count": by_status.get(status.value, 0)}
        for status in LabelStatus
    ]
    sites_by_kind = (
        Site.objects.values("kind__label")
        .annotate(count=Count("pk"), labelled=Count("pk", filter=_labelled()))
        .order_by("kind__order", "kind__label")
    )
    sites_by_departement = (
        Site.objects.values("departement__code", "departement__name")
        .annotate(count=Count("pk"), labelled=Count("pk", filter=_labelled()))
        .order_by("departement__code")
    )
    due_for_renewal = list(
        Site.objects.due_for_renewal()
        .select_related("kind", "departement")
        .order_by("label_renewal_due_on", "name")
    )
    return {
        "site_count": sum(by_status.values()),
        "labelled_count": by_status.get(LabelStatus.LABELLED, 0),
        "spro_member_count": Organisation.objects.spro_members().count(),
        "sites_by_status": sites_by_status,
        "sites_by_kind": sites_by_kind,
        "sites_by_departement": sites_by_departement,
        "due_for_renewal": due_for_renewal,
        "recent_label_changes": LabelStatusChange.objects.select_related("site", "author")[:10],
        "today": timezone.localdate(),
    }


def _labelled():
    return Q(label_status=LabelStatus.LABELLED)


def core_cards(request) -> list[HomeCard]:
    """The sites core's own card: the pages of the network every signed-in person reads."""
    if not request.user.is_authenticated:
        return []
    return [
        HomeCard(
            _("Le réseau"),
            [
                HomeLine(_("Annuaire des sites"), reverse("sites:directory")),
                HomeLine(_("Organisations du réseau"), reverse("network:organisation_list")),
                HomeLine(_("Calendrier de coordination"), reverse("strategy:calendar")),
            ],
            kind=READ,
            order=0,
        )
    ]
