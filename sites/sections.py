"""Sections that the layers above add to a site's public page (the events app: the site's theme of
the month and its next events), without the sites app importing them.

    register_site_section(render)   # render(request, site) -> HTML (safe string), in AppConfig.ready
"""

from collections.abc import Callable

from django.utils.safestring import SafeString

_SECTIONS: list[Callable] = []


def register_site_section(render: Callable) -> None:
    if render not in _SECTIONS:
        _SECTIONS.append(render)


def site_sections(request, site) -> list[SafeString]:
    """The registered sections of this site's page, in registration order."""
    return [render(request, site) for render in _SECTIONS]
