"""Who may do what with the professionalisation sessions.

The names keep their `strategy.` prefix: the sessions were part of the strategy's pages, and the
menu (templates/base.html) and the calendar (sites/calendar/events.py) ask them by these names.
"""

import rules

from network.rules import is_partner, is_regional_coordinator, is_site_coordinator, reads_whole_network

# Read by the network's members: the coordination, observers, sites and partners.
rules.add_rule("strategy.read_sessions", reads_whole_network | is_site_coordinator | is_partner)
# Kept by the coordination.
rules.add_rule("strategy.manage_sessions", is_regional_coordinator)
