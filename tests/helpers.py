"""Helpers shared by the test modules: the persona matrix, reading pages, asserting statuses.

The persona fixtures themselves (`personas`, `as_persona`, `client_for`) live in tests/conftest.py.
"""

import html

from bs4 import BeautifulSoup
from django.urls import reverse

# Every persona of tests/conftest.py, plus the anonymous visitor.
PERSONAS = ["anonymous", "regional_coordinator", "coordinator_a", "coordinator_b", "partner", "observer"]


def text(response) -> str:
    """The page as a reader sees it: entities decoded (Django escapes apostrophes)."""
    return html.unescape(response.content.decode())


def soup(response) -> BeautifulSoup:
    """The page, parsed."""
    return BeautifulSoup(response.content, "html.parser")


def texts(response, selector: str) -> list[str]:
    """The text of every element matching the CSS `selector`, whitespace collapsed.

    Fails when nothing matches: a word's absence from an element that is not on the page proves
    nothing (an empty or error page would pass)."""
    elements = soup(response).select(selector)
    assert elements, f"no element matches {selector!r} (status {response.status_code})"
    return [" ".join(element.get_text(" ").split()) for element in elements]


def element_text(response, selector: str) -> str:
    """The text of the elements matching `selector`, joined; fails when nothing matches."""
    return "\n".join(texts(response, selector))


def links(response, selector: str = "main") -> set[str]:
    """Link targets and form actions, without query nor fragment, inside the elements matching
    `selector` (which must exist)."""
    elements = soup(response).select(selector)
    assert elements, f"no element matches {selector!r} (status {response.status_code})"
    targets = set()
    for element in elements:
        for tag in element.select("a[href], form[action], [hx-get], [hx-post]"):
            for attribute in ("href", "action", "hx-get", "hx-post"):
                if tag.get(attribute):
                    targets.add(tag[attribute].split("#", 1)[0].split("?", 1)[0])
    return targets


def assert_redirects_to_login(response):
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def assert_status(response, expected):
    """`expected` is a status code, or "login" for a redirection to the login page."""
    if expected == "login":
        assert_redirects_to_login(response)
    else:
        assert response.status_code == expected
