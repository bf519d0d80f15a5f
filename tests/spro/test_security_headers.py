"""Response headers that stop injected code and unused browser features, and the client address
that every rate limit reads."""

import pytest
from django.test import RequestFactory, override_settings
from django.urls import reverse

from spro.http import client_ip

pytestmark = pytest.mark.django_db


def _directives(header: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


@pytest.mark.parametrize("url", ["/comptes/login/", "/sites/", "/api/v1/docs/"])
def test_pages_forbid_inline_scripts_and_other_origins(client, url):
    response = client.get(url)
    assert response.status_code == 200
    policy = _directives(response["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval', no host
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]


def test_logged_in_pages_carry_no_inline_script_or_handler(client_for, regional_coordinator):
    """The handlers once written inline (print buttons, the calendar feed field) now come from
    static/js/spro.js; a page that brought one back would be broken under the policy."""
    client = client_for(regional_coordinator)
    for name in ("home", "strategy:calendar", "plans:list", "stats:region_dashboard"):
        html = client.get(reverse(name)).content.decode()
        assert " onclick=" not in html and " onfocus=" not in html, name
        assert "<style" not in html, name
        for script in html.split("<script")[1:]:
            assert script.lstrip().startswith("src="), name


def _request(remote: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_trusted_proxies_the_forwarded_header_is_ignored():
    assert client_ip(_request("203.0.113.7", "192.0.2.1")) == "203.0.113.7"


@override_settings(TRUSTED_PROXIES=["10.0.0.0/8", "127.0.0.1"])
def test_behind_trusted_proxies_the_last_untrusted_hop_is_the_client():
    # The client may forge hops on the left; the proxies append on the right.
    assert client_ip(_request("127.0.0.1", "1.2.3.4, 198.51.100.7")) == "198.51.100.7"
    assert client_ip(_request("127.0.0.1", "198.51.100.7, 10.1.2.3")) == "198.51.100.7"
    # No header, or a garbled one: the proxy's own address, never a crash.
    assert client_ip(_request("127.0.0.1")) == "127.0.0.1"
    assert client_ip(_request("127.0.0.1", "pas-une-adresse")) == "127.0.0.1"
    # A request that did not come through a trusted proxy is believed for nothing.
    assert client_ip(_request("203.0.113.7", "198.51.100.7")) == "203.0.113.7"
    # IPv6 too.
    assert client_ip(_request("127.0.0.1", "2001:db8::1")) == "2001:db8::1"
