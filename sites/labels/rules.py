"""Who may do what with label applications and self-evaluations."""

import rules

from network.rules import is_site_coordinator, reads_whole_network

rules.add_rule("labels.read", reads_whole_network | is_site_coordinator)
