"""Who may do what with the steering bodies, their meetings, minutes and decisions."""

import rules

from network.rules import is_regional_coordinator, reads_whole_network

# Creating and renaming bodies is the coordination's.
rules.add_rule("governance.manage_bodies", is_regional_coordinator)
# The network-wide governance indicators: the coordination and observers.
rules.add_rule("governance.read_indicators", reads_whole_network)
