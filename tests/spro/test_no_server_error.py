"""Every URL of the platform, for every persona, with ids and query strings an attacker would type:
a 4xx or a page, never a server error.

The URL list is read from the resolver, so a new door is covered the day it is added.
"""

import re

import pytest
from django.test import Client
from django.urls import URLResolver, get_resolver

pytestmark = pytest.mark.django_db

# What each path converter receives: a number past every integer column, then a plausible one.
HOSTILE = {
    "int": "99999999999999999999",
    "slug": "reims",
    "year": "2199",
    "month": "12",
    "str": "x%00",
    "path": "a/b",
}
PLAIN = {"int": "1", "slug": "troyes", "year": "2024", "month": "1", "str": "x", "path": "x"}
# Hostile query strings, numbers apart from words: a bad slug answering 404 first must not hide a
# number that crashes the page.
NUMBERS = (
    "?year=99999999999999999999&annee=-1&month=99999999999999999999&mois=13&page=-1"
    "&page_size=99999999999999999999&parent=1e30&territory=99999999999999999999"
    "&departement=99999999999999999999&strategie=1e30&du=2024-13-45&au=99999-01-01&from=0000-00&to=9999-99"
)
WORDS = "?site=zz&q=%00&sort=--x&periode=zz&type=zz&kind=zz&status=zz&annee=deux-mille&year=1e3"


def _routes(patterns, prefix=""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, route)
        else:
            yield route


def _url(route: str, values: dict) -> str | None:
    route = route.lstrip("^").rstrip("$")
    if "(?" in route or "\\" in route:  # regular-expression routes (the admin's, the API's catch-all)
        return None
    return "/" + re.sub(r"<(?:(\w+):)?\w+>", lambda m: values[m.group(1) or "str"], route)


def test_no_url_answers_a_server_error(
    site_a, site_b, regional_coordinator, coordinator_a, partner, observer
):
    routes = list(_routes(get_resolver().url_patterns))
    # Hostile ids come plain; plausible ids (existing rows) come plain and with hostile query strings.
    requests = {_url(route, HOSTILE) for route in routes if _url(route, HOSTILE)}
    plain = {_url(route, PLAIN) for route in routes if _url(route, PLAIN)}
    requests |= {url + query for url in plain for query in ("", NUMBERS, WORDS)}
    assert len(requests) > 500  # the whole platform, not an empty walk
    failures = []
    for user in (None, regional_coordinator, coordinator_a, partner, observer):
        client = Client(raise_request_exception=False)
        if user is not None:
            client.force_login(user)
        for url in sorted(requests):
            status = client.get(url).status_code
            if status >= 500:
                failures.append(f"{status} {user} GET {url[:120]}")
    assert not failures, "\n".join(failures)
