"""The events' section of a site's public page (registered with sites.sections)."""

from django.template.loader import render_to_string

from . import selectors

PROGRAMME_SIZE = 5


def site_programme_section(request, site):
    """The site's theme of this month (if any) and its next published event dates."""
    theme, dates = selectors.site_programme(site, limit=PROGRAMME_SIZE)
    return render_to_string(
        "events/public/site_programme.html", {"site": site, "theme": theme, "dates": dates}, request=request
    )
