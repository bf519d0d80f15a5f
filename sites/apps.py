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

        # The home page's cards: each layer's work to do (sites/home_cards.py).
        from sites.labels.home_cards import label_cards
        from sites.plans.home_cards import plan_cards

        from .home import core_cards
        from .home_cards import register_home_card

        register_home_card(core_cards)
        register_home_card(label_cards)
        register_home_card(plan_cards)
