"""Who may do what with the regional strategy."""

import rules

from network.rules import is_partner, is_regional_coordinator, is_site_coordinator, reads_whole_network

# The strategy is read by the network's members: the coordination, observers, sites and partners.
rules.add_rule("strategy.read", reads_whole_network | is_site_coordinator | is_partner)
# The yearly indicators compare the sites: the coordination and observers only.
rules.add_rule("strategy.read_indicators", reads_whole_network)
rules.add_rule("strategy.manage", is_regional_coordinator)
# The sites' actions under each challenge (their plans' lines): the coordination, observers, sites.
rules.add_rule("strategy.read_site_actions", reads_whole_network | is_site_coordinator)
# Whose site actions the dashboard counts: every site's for the coordination and observers (the
# column says so), their own sites' otherwise.
rules.add_rule("strategy.read_all_site_actions", reads_whole_network)
# The professionalisation sessions' rules are in network/sessions/rules.py.
