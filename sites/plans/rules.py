"""Who may do what with the sites' annual action plans."""

import rules

from network.rules import is_site_coordinator, reads_whole_network

rules.add_rule("plans.read", reads_whole_network | is_site_coordinator)
