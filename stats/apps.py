from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatsConfig(AppConfig):
    name = "stats"
    verbose_name = _("Statistiques")

    def ready(self):
        # The access rules, registered by name once at start-up (rules' default rule set).
        import stats.reports.rules  # noqa: F401
        import stats.rules  # noqa: F401
        from sites.home_cards import register_home_card

        from .home_cards import stats_cards

        # The home page's cards: periods, reports, each site's desk (sites/home_cards.py).
        register_home_card(stats_cards)
