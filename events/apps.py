from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = _("Événements")

    def ready(self):
        # The access rules, registered by name once at start-up (rules' default rule set).
        import events.rules  # noqa: F401
        from sites.sections import register_site_section

        from .public.sections import site_programme_section

        # A site's public page shows its theme of the month and its next events.
        register_site_section(site_programme_section)

        # The home page's cards: the next events, the agenda's pages (sites/home_cards.py).
        from sites.home_cards import register_home_card

        from .home_cards import event_cards

        register_home_card(event_cards)
