"""Who may do what with the sites' events, the territorial programmes and the monthly themes.

Reads go through the querysets (Event.objects.visible_to / managed_by); actions are decided here.
"""

import rules

from network.rules import is_partner, is_regional_coordinator, is_site_coordinator, reads_whole_network


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
