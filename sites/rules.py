"""Who may do what with the labelled sites: the directory, a site's page, its coordinators.

Object-level rules take the site (a `Site`), or any object of a site (`site_id`: an application,
a plan, a self-evaluation…): labels and plans build their rules on `coordinates_site` and
`edits_site`. Without an object, a rule about "a site" answers for the person alone.

Reads stay with the querysets (`Site.objects.visible_to`, `editable_by`, `data_visible_to`): a
stranger gets a 404 before any rule is asked. The rules then decide what a reader may do (403).
"""

import rules

from network.rules import is_regional_coordinator, is_signed_in, is_site_coordinator, reads_whole_network

from .models.core import Site


def site_id_of(obj) -> int | None:
    """The id of the site an object belongs to (the site itself, or an object with a `site_id`)."""
    if obj is None:
        return None
    if isinstance(obj, Site):
        return obj.pk
    return getattr(obj, "site_id", None)


@rules.predicate
def coordinates_site(user, obj) -> bool:
    """A current coordinator of the site (of `obj`'s site); False without an object."""
    site_id = site_id_of(obj)
    return site_id is not None and site_id in user.roles.coordinated_site_ids


@rules.predicate
def coordinates_site_if_given(user, obj) -> bool:
    """Without an object, any current site coordinator; with one, a coordinator of that site."""
    if obj is None:
        return user.roles.is_site_coordinator
    return coordinates_site(user, obj)


# The site's editors: the regional coordination for every site, a coordinator for their own
# (Site.objects.editable_by, without a query).
edits_site = is_regional_coordinator | coordinates_site
# Those who read a site's activity data (Site.objects.data_visible_to): plans, files, statistics.
reads_site_data = reads_whole_network | coordinates_site

# The directory and the public sheet are open to all (labelled and suspended sites); the regional
# coordination and observers also read the sites in project, in application or withdrawn.
rules.add_rule("sites.read_all_sites", reads_whole_network)
# The coordination creates sites.
rules.add_rule("sites.create_site", is_regional_coordinator)
# Practical information (hours, contact, presentation): the site's coordinators keep it up to date.
rules.add_rule("sites.edit_practical_info", edits_site)
# Identity, label status and the coordination team belong to the regional coordination.
rules.add_rule("sites.manage_site", is_regional_coordinator)
# The change history of the sheet, its label steps and its coordinators.
rules.add_rule("sites.read_history", reads_site_data)
# A site's activity data and its label and plan pages (the links of the sheet).
rules.add_rule("sites.read_data", reads_site_data)
# Who coordinates a site is shown to signed-in people only.
rules.add_rule("sites.read_coordinators", is_signed_in)

__all__ = [
    "coordinates_site",
    "coordinates_site_if_given",
    "edits_site",
    "is_regional_coordinator",
    "is_site_coordinator",
    "reads_site_data",
    "reads_whole_network",
    "site_id_of",
]
