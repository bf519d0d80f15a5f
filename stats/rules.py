"""Who may do what with the visitor statistics: entry, periods, imports, dashboards, satisfaction."""

import rules

from network.rules import is_regional_coordinator, is_site_coordinator, reads_whole_network

# The regional dashboard and exports compare every site: the coordination and observers.
rules.add_rule("stats.read_region", reads_whole_network)
# A site coordinator records visits at their sites' desks.
rules.add_rule("stats.use_desk", is_site_coordinator)
rules.add_rule("stats.read_periods", reads_whole_network | is_site_coordinator)
rules.add_rule("stats.import", is_regional_coordinator | is_site_coordinator)
