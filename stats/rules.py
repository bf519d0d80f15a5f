"""Who may do what with the visitor statistics: entry, periods, imports, dashboards, satisfaction.

Every access decision of the stats app is stated here, as named rules; views, templates, services,
the import and the API ask them (`require("stats.submit_period", user, period, message)`,
`{% test_rule "stats.submit_period" user period as can_submit %}`, `rules.test_rule(...)`).

Rules about one object take it as the rule's object: a site (`stats.enter_data`, `stats.read_site`),
a period (`stats.submit_period`…), a visit (`stats.edit_visit`), a territory (`stats.read_territory`).
They read the person's roles (`user.roles`) and the object's own fields only, never the database
(an API token's binding is read once per request), so asking them on every row of a page costs
nothing. Lists are still fetched through the scoping
querysets (`Site.objects.data_visible_to(user)`, `Site.objects.editable_by(user)`,
`Visit.objects.editable_by(user)`), which answer the same questions for many objects at once.
"""

import rules

from network.enums import ApiScope
from network.rules import is_partner, is_regional_coordinator, is_site_coordinator, reads_whole_network

from .enums import PeriodStatus

# --- Predicates about one object -------------------------------------------------------------------


@rules.predicate
def coordinates_site(user, site) -> bool:
    """The person coordinates this site today."""
    return site is not None and site.pk in user.roles.coordinated_site_ids


@rules.predicate
def ingests_for_site(user, site) -> bool:
    """An API token with the scope write:visits, bound to this site (a site's reception software)."""
    return site is not None and _ingests(user, site.pk)


@rules.predicate
def ingests_for_period_site(user, period) -> bool:
    return period is not None and _ingests(user, period.site_id)


def _ingests(user, site_id: int) -> bool:
    token = getattr(user, "token", None)
    if token is None or not token.has_scope(ApiScope.VISITS_WRITE):
        return False
    return site_id in (user.bound_site_ids or ())


@rules.predicate
def coordinates_period_site(user, period) -> bool:
    """The person coordinates the site of this period today."""
    return period is not None and period.site_id in user.roles.coordinated_site_ids


@rules.predicate
def coordinates_visit_site(user, visit) -> bool:
    """The person coordinates the site this visit was recorded at, today."""
    return visit is not None and visit.site_id in user.roles.coordinated_site_ids


def _status(period) -> str | None:
    return None if period is None else period.status


@rules.predicate
def period_is_open(user, period) -> bool:
    """The site is still entering the month's data (an unsaved period is open)."""
    return _status(period) == PeriodStatus.OPEN


@rules.predicate
def period_is_submitted(user, period) -> bool:
    return _status(period) == PeriodStatus.SUBMITTED


@rules.predicate
def period_is_validated(user, period) -> bool:
    return _status(period) == PeriodStatus.VALIDATED


@rules.predicate
def period_is_locked(user, period) -> bool:
    return _status(period) == PeriodStatus.LOCKED


@rules.predicate
def period_is_handed_in(user, period) -> bool:
    """Submitted, validated or locked: no longer the site's to change."""
    return period is not None and period.status != PeriodStatus.OPEN


@rules.predicate
def visit_period_is_writable(user, visit) -> bool:
    """Data may be written into the period of this visit now (see stats.write_period)."""
    return visit is not None and writes_period.test(user, visit.period)


# --- Reading the statistics ----------------------------------------------------------------------

# The regional dashboard, the territories' and the exports compare every site: the coordination and
# observers (403 for the others).
rules.add_rule("stats.read_region", reads_whole_network)
rules.add_rule("stats.read_territory", reads_whole_network)  # obj: the territory
# A site's figures, periods and satisfaction comments: the whole-network readers and the site's own
# coordinators (the rule behind Site.objects.data_visible_to).
rules.add_rule("stats.read_site", reads_whole_network | coordinates_site)  # obj: the site
# The periods menu: those who read some site's periods.
rules.add_rule("stats.read_periods", reads_whole_network | is_site_coordinator)
# The API: whole-network readers and site coordinators read their sites' figures in full; partners
# (and organisation tokens) the labelled sites' figures with small cells hidden.
rules.add_rule("stats.read_figures", reads_whole_network | is_site_coordinator)
rules.add_rule("stats.read_published_figures", is_partner)

# --- Entering data ---------------------------------------------------------------------------------

# A site's data is entered by its coordinators and by the regional coordination (the rule behind
# Site.objects.editable_by); the desk in the menu is for the sites' coordinators.
# A site's own reception software enters its visits through the API (a token bound to the site).
enters_site_data = is_regional_coordinator | coordinates_site | ingests_for_site
enters_period_data = is_regional_coordinator | coordinates_period_site | ingests_for_period_site
rules.add_rule("stats.enter_data", enters_site_data)  # obj: the site
rules.add_rule("stats.use_desk", is_site_coordinator)
# Importing is entering data: the coordination, or the coordinator of at least one site.
rules.add_rule("stats.import", is_regional_coordinator | is_site_coordinator)
# Data goes into an open period from whoever enters the site's data; into a submitted or validated
# one through the regional coordination only (each change kept in its history); into a locked one
# through nobody: it is reopened first.
writes_period = enters_period_data & (
    period_is_open | (is_regional_coordinator & (period_is_submitted | period_is_validated))
)
rules.add_rule("stats.write_period", writes_period)  # obj: the period
# A visit is corrected or deleted by whoever may write its period.
rules.add_rule(
    "stats.edit_visit", (is_regional_coordinator | coordinates_visit_site) & visit_period_is_writable
)  # obj: the visit

# --- The period workflow ---------------------------------------------------------------------------

# The site hands in its open month; the regional coordination validates a submitted month, locks a
# validated one, and reopens any month handed in. The role alone, whatever the period's state:
# stats.enter_data (the period's site) for submitting, stats.manage_periods for the rest.
rules.add_rule("stats.manage_periods", is_regional_coordinator)
rules.add_rule("stats.submit_period", enters_period_data & period_is_open)  # obj: the period
rules.add_rule("stats.validate_period", is_regional_coordinator & period_is_submitted)
rules.add_rule("stats.lock_period", is_regional_coordinator & period_is_validated)
rules.add_rule("stats.reopen_period", is_regional_coordinator & period_is_handed_in)

# --- Satisfaction ----------------------------------------------------------------------------------

# The comments are read with the site's data (stats.read_site); only the coordination erases one.
rules.add_rule("stats.moderate_comments", is_regional_coordinator)  # obj: the site
