"""Who may do what with the labelled sites: the directory, a site's page, its coordinators."""

import rules  # noqa: F401

from network.rules import is_regional_coordinator, is_site_coordinator, reads_whole_network  # noqa: F401
