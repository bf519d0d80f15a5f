"""Who may do what with the sites' events, the territorial programmes and the monthly themes.

Reads go through the querysets (Event.objects.visible_to / managed_by); actions are decided here.
"""

import rules
from django.utils import timezone
from django.utils.translation import gettext as _

from network.rules import is_partner, is_regional_coordinator, is_site_coordinator, reads_whole_network
from stats.enums import PeriodStatus
from stats.models import Period, first_of_month


@rules.predicate
def organises(user, event) -> bool:
    """The person coordinates one of the event's organising sites."""
    if event is None or not user.roles.coordinated_site_ids:
        return False
    return any(site_id in user.roles.coordinated_site_ids for site_id in _site_ids(event))


@rules.predicate
def co_organises(user, event) -> bool:
    """The person belongs to one of the event's co-organising partners."""
    if event is None or not user.roles.partner_organisation_ids:
        return False
    partner_ids = {partner.pk for partner in event.partners.all()}
    return bool(partner_ids & user.roles.partner_organisation_ids)


@rules.predicate
def is_published(user, event) -> bool:
    return event is not None and event.published


@rules.predicate
def coordinates(user, site) -> bool:
    return site is not None and site.pk in user.roles.coordinated_site_ids


def _site_ids(event) -> set[int]:
    # Uses a prefetch when the caller made one (lists), one query otherwise.
    return {site.pk for site in event.sites.all()}


# Events: the coordination manages them all, a site coordinator their sites' events; co-organising
# partners read theirs; everyone reads published ones (the public agenda).
rules.add_rule("events.read", reads_whole_network | organises | co_organises | is_published)
rules.add_rule("events.create", is_regional_coordinator | is_site_coordinator)
rules.add_rule("events.manage", is_regional_coordinator | organises)
rules.add_rule("events.read_list", reads_whole_network | is_site_coordinator | is_partner)
# Territorial programmes: read by the network's members, drafted and kept by the coordination.
rules.add_rule("events.read_programmes", reads_whole_network | is_site_coordinator | is_partner)
rules.add_rule("events.manage_programmes", is_regional_coordinator)
# A site's theme of the month: the site's coordinators and the coordination.
rules.add_rule("events.set_monthly_theme", is_regional_coordinator | coordinates)


# Dashboards and exports ------------------------------------------------------------------------
# The events' statistics mirror the visits' (stats/rules.py): the region and territory dashboards
# compare every site, for the people who read the whole network; a site's dashboard is also its
# coordinators' (never another site's). The export follows the dashboard it comes from.
rules.add_rule("events.read_region_stats", reads_whole_network)
rules.add_rule("events.read_site_stats", reads_whole_network | coordinates)
# Someone with at least one events dashboard to open (the menu's link).
rules.add_rule("events.read_stats", reads_whole_network | is_site_coordinator)


# Attendance, entered after the event, follows the visit statistics' period rules (stats/services/
# periods.py): for each organising site, the period of the event's month (its first date) must not be
# locked, and once handed in (submitted, validated) only the regional coordination changes it.
# Periods are never created here: a month without a period is open.


def first_start(event):
    """The start of the event's first date (uses a prefetch of `dates` when there is one)."""
    if event is None or event.pk is None:
        return None
    starts = [date.start for date in event.dates.all()]
    return min(starts) if starts else None


def attendance_periods(event) -> list:
    """The stats periods of the event's month for its organising sites (existing ones only)."""
    start = first_start(event)
    if start is None:
        return []
    month = first_of_month(timezone.localtime(start).date())
    return list(
        Period.objects.filter(site__in=_site_ids(event), month=month)
        .select_related("site")
        .order_by("site__name")
    )


def attendance_period_refusal(user, event) -> str | None:
    """Why the periods forbid this person to change the event's attendance now (None when they allow)."""
    for period in attendance_periods(event):
        values = {"month": period.month.strftime("%m/%Y"), "site": period.site.name}
        if period.status == PeriodStatus.LOCKED:
            return (
                _(
                    "La période %(month)s de %(site)s est verrouillée : demandez sa réouverture à la "
                    "coordination régionale."
                )
                % values
            )
        if period.status != PeriodStatus.OPEN and not user.roles.is_regional_coordinator:
            if period.status == PeriodStatus.VALIDATED:
                message = _(
                    "La période %(month)s de %(site)s a été validée : seule la coordination régionale "
                    "peut la modifier."
                )
            else:
                message = _(
                    "La période %(month)s de %(site)s a été soumise : seule la coordination régionale "
                    "peut la modifier."
                )
            return message % values
    return None


def attendance_refusal(user, event) -> str | None:
    """Why this person may not enter the event's attendance now, in French (None when they may)."""
    if not rules.test_rule("events.manage", user, event):
        return str(
            _(
                "Seuls les organisateurs de l'événement et la coordination régionale saisissent "
                "sa fréquentation."
            )
        )
    if event.is_cancelled:
        return str(_("L'événement est annulé : il n'a pas de fréquentation."))
    start = first_start(event)
    if start is None or start > timezone.now():
        return str(_("La fréquentation se saisit une fois l'événement commencé."))
    return attendance_period_refusal(user, event)


@rules.predicate
def has_started(user, event) -> bool:
    start = first_start(event)
    return start is not None and start <= timezone.now()


@rules.predicate
def is_cancelled(user, event) -> bool:
    return event is not None and event.is_cancelled


@rules.predicate
def attendance_period_allows(user, event) -> bool:
    return event is not None and attendance_period_refusal(user, event) is None


# Internal data (attendance, history, unpublished events): as Event.objects.data_visible_to.
rules.add_rule("events.read_details", reads_whole_network | organises | co_organises)
# Attendance: the organisers or the coordination, once the event has started, unless cancelled, and
# only while the stats periods of its month allow it.
rules.add_rule(
    "events.enter_attendance",
    (is_regional_coordinator | organises) & has_started & ~is_cancelled & attendance_period_allows,
)
