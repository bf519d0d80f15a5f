from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SitesConfig(AppConfig):
    name = "sites"
    verbose_name = _("Sites labellisés")

    def ready(self):
        # The access rules, registered by name once at start-up (rules' default rule set).
        import sites.labels.rules  # noqa: F401

        # The subjects the steering bodies' decisions may be about (network/governance/subjects.py).
        import sites.labels.subjects  # noqa: F401, I001
        import sites.plans.rules  # noqa: F401
        import sites.plans.subjects  # noqa: F401
        import sites.rules  # noqa: F401

        # The directory's cached API answers follow its changes.
        from . import signals

        signals.connect()
