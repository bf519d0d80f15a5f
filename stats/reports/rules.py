"""Who may do what with the yearly reports (registered at start-up by stats/apps.py).

- the reports' pages: the regional coordination, observers and site coordinators (partners read the
  published reports through the API, scope `read:reports`);
- a stored file (`reports.read_file`, obj: the ReportFile): every file for the coordination and
  observers, their sites' reports for site coordinators, for partners the current final reports
  of the labelled sites and the network's (ReportFile.objects.visible_to answers the same for lists);
- starting a run and following it: the regional coordination only (observers follow runs too);
- the narrative (obj: the Narrative, saved or not): written by the site's coordinators and the
  coordination while it is not locked; the coordination reopens a locked or final one.
"""

import rules

from network.rules import is_partner, is_regional_coordinator, is_site_coordinator, reads_whole_network
from sites.enums import LabelStatus

from .enums import ReportKind

# --- Predicates about one object -------------------------------------------------------------------


@rules.predicate
def coordinates_file_site(user, report_file) -> bool:
    """A site's report, and the person coordinates that site today."""
    return (
        report_file is not None
        and report_file.kind == ReportKind.SITE
        and report_file.site_id in user.roles.coordinated_site_ids
    )


@rules.predicate
def file_is_published(user, report_file) -> bool:
    """The current final report of a labelled site (of the token's binding), or a network report."""
    if report_file is None or report_file.provisional or not report_file.is_current:
        return False
    if report_file.site_id is None:
        return True
    if report_file.kind != ReportKind.SITE or report_file.site.label_status != LabelStatus.LABELLED:
        return False
    bound = getattr(user, "bound_site_ids", None)
    return bound is None or report_file.site_id in bound


@rules.predicate
def coordinates_narrative_site(user, narrative) -> bool:
    return narrative is not None and narrative.site_id in user.roles.coordinated_site_ids


@rules.predicate
def narrative_is_locked(user, narrative) -> bool:
    return narrative is not None and narrative.locked_at is not None


@rules.predicate
def narrative_is_final(user, narrative) -> bool:
    return narrative is not None and narrative.status == "final"


# --- Rules -----------------------------------------------------------------------------------------

# The reports' list, their versions and the narratives' menu.
rules.add_rule("reports.read_list", reads_whole_network | is_site_coordinator)
rules.add_rule(
    "reports.read_file", reads_whole_network | coordinates_file_site | (is_partner & file_is_published)
)
# Starting a run: the regional coordination; following one: the whole-network readers.
rules.add_rule("reports.start_run", is_regional_coordinator)
rules.add_rule("reports.read_run", reads_whole_network)
# The narrative of a site's report (obj: the Narrative).
writes_narrative = is_regional_coordinator | coordinates_narrative_site
rules.add_rule("reports.read_narrative", reads_whole_network | coordinates_narrative_site)
rules.add_rule("reports.edit_narrative", writes_narrative & ~narrative_is_locked)
rules.add_rule(
    "reports.reopen_narrative", is_regional_coordinator & (narrative_is_locked | narrative_is_final)
)
