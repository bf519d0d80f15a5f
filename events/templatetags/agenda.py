"""Template tags of the public agenda.

    {% load agenda %}{% site_programme site %}

shows a site's theme of the month and its next published events (on the site's public page).
"""

from django import template

from ..public import selectors

register = template.Library()

PROGRAMME_SIZE = 5


@register.inclusion_tag("events/public/site_programme.html")
def site_programme(site, limit=PROGRAMME_SIZE):
    """The site's theme of this month (if any) and its next `limit` published event dates."""
    theme, dates = selectors.site_programme(site, limit=limit)
    return {"site": site, "theme": theme, "dates": dates}
