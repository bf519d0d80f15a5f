"""Who may do what with the sites' events and the territorial programmes."""

import rules  # noqa: F401  (the rules come with the issue that builds these pages)
