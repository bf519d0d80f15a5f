"""The home page: one section per role. It shows the sites, so it lives in the sites app (the network
app, below it, cannot read them)."""

from django.db.models import Count, Q
from django.shortcuts import render
from django.utils import timezone

from network.enums import Role
from network.models import Organisation, RoleAssignment, User

from .enums import LabelStatus
from .models import LabelStatusChange, Site


def home(request):
    """One page per role; a person holding several roles sees each section."""
    roles = request.user.roles
    context = {"nav": "home", "roles": roles}
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
