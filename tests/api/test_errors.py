"""Malformed requests get a JSON error in the one shape, never a 500 nor Django's HTML pages.

Query parameters are validated before they reach the database, given at most once, and ignored
when empty; any other address under /api/ is a JSON 404; 405 and 406 are JSON too.
"""

import pytest

from network.enums import ApiScope
from sites.enums import LabelStatus
from tests.api.utils import assert_error
from tests.factories import SiteFactory, TerritoryFactory, TerritoryKindFactory

LISTS = ["/api/v1/territories/", "/api/v1/organisations/", "/api/v1/sites/", "/api/v1/stats/monthly/"]


@pytest.fixture
def client(token_client):
    return token_client(*ApiScope.values)


@pytest.fixture
def marne(db):
    region = TerritoryFactory(kind=TerritoryKindFactory(code="region", label="Région", order=1), code="44")
    return TerritoryFactory(code="51", name="Marne", parent=region)


# Numbers out of range or malformed: a 400 naming the parameter, not an overflow in the database.


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "field"),
    [
        # Once a 500: the decimal 1e30 became an integer too large for the database.
        ("/api/v1/territories/?parent=1e30", "parent"),
        ("/api/v1/territories/?parent=99999999999999999999", "parent"),
        ("/api/v1/territories/?parent=9223372036854775808", "parent"),
        ("/api/v1/territories/?parent=-1", "parent"),
        ("/api/v1/territories/?parent=0", "parent"),
        # Once truncated to 1 without a word.
        ("/api/v1/territories/?parent=1.5", "parent"),
        ("/api/v1/territories/?parent=abc", "parent"),
        ("/api/v1/sites/?page=99999999999999999999", "page"),
        ("/api/v1/sites/?page=0", "page"),
        ("/api/v1/sites/?page=-1", "page"),
        ("/api/v1/sites/?page=1e3", "page"),
        ("/api/v1/sites/?page=last", "page"),
        ("/api/v1/stats/monthly/?page=99999999999999999999", "page"),
        ("/api/v1/territories/?page=2.5", "page"),
        # Once silently replaced by the default size.
        ("/api/v1/sites/?page_size=99999999999999999999", "page_size"),
        ("/api/v1/sites/?page_size=501", "page_size"),
        ("/api/v1/sites/?page_size=0", "page_size"),
        ("/api/v1/organisations/?page_size=abc", "page_size"),
        # Once read as "any".
        ("/api/v1/organisations/?is_spro_member=maybe", "is_spro_member"),
        ("/api/v1/stats/monthly/?site=pas%20un%20slug", "site"),
        ("/api/v1/stats/monthly/?site=" + "a" * 121, "site"),
        ("/api/v1/stats/monthly/?start=2024-13-01", "start"),
        ("/api/v1/stats/monthly/?end=99999-01-01", "end"),
        ("/api/v1/stats/monthly/?dimension=nom", "dimension"),
        ("/api/v1/sites/?label_status=inconnu", "label_status"),
        ("/api/v1/sites/?q=%00", "q"),
    ],
)
def test_malformed_parameter_is_a_400_naming_it(client, url, field):
    error = assert_error(client.get(url), 400)
    assert error["code"] == "invalid"
    assert list(error["fields"]) == [field]
    assert error["fields"][field][0]


@pytest.mark.django_db
def test_messages_are_french(client):
    fields = assert_error(client.get("/api/v1/territories/?parent=1e30"), 400)["fields"]
    assert fields == {"parent": ["Saisissez un nombre entier."]}
    fields = assert_error(client.get("/api/v1/sites/?page=99999999999999999999"), 400)["fields"]
    assert fields == {
        "page": ["Assurez-vous que cette valeur est inférieure ou égale à 9223372036854775807."]
    }
    fields = assert_error(client.get("/api/v1/organisations/?is_spro_member=maybe"), 400)["fields"]
    assert fields == {"is_spro_member": ["Saisissez « true » ou « false »."]}


@pytest.mark.django_db
def test_well_formed_values_still_filter(client, marne):
    assert client.get(f"/api/v1/territories/?parent={marne.parent_id}").json()["count"] == 1
    assert client.get("/api/v1/territories/?parent=9223372036854775807").json()["count"] == 0
    assert client.get("/api/v1/organisations/?is_spro_member=TRUE").status_code == 200
    assert client.get("/api/v1/organisations/?is_spro_member=0").status_code == 200
    # A well-formed slug that names nothing: an empty list, as for any filter.
    assert client.get("/api/v1/stats/monthly/?site=-1").json() == {
        "count": 0,
        "next": None,
        "previous": None,
        "results": [],
    }


@pytest.mark.django_db
def test_a_page_past_the_last_one_stays_a_404(client):
    error = assert_error(client.get("/api/v1/sites/?page=2"), 404)
    assert error["detail"] == "Page non valide."


@pytest.mark.django_db
def test_unknown_parameters_are_ignored(client):
    # No `year` filter exists; unknown parameters change nothing, as caches and clients expect.
    assert client.get("/api/v1/stats/monthly/?year=1e9").status_code == 200


@pytest.mark.django_db
def test_detail_urls_ignore_list_filters(client, marne):
    # DRF would apply them (a 500 with ?parent=1e30, a 404 with ?kind=region); they are not
    # parameters of this operation.
    for query in ("?parent=1e30", "?kind=region", "?page=-1"):
        response = client.get(f"/api/v1/territories/{marne.pk}/{query}")
        assert response.status_code == 200, response.content
        assert response.json()["id"] == marne.pk


# Repeated parameters: a 400, rather than the last value silently winning.


@pytest.mark.django_db
@pytest.mark.parametrize("url", LISTS)
def test_repeated_page_is_a_400(client, url):
    error = assert_error(client.get(f"{url}?page=1&page=2"), 400)
    assert error["fields"] == {"page": ["Ce paramètre ne peut être donné qu'une fois."]}
    error = assert_error(client.get(f"{url}?page_size=1&page_size=1"), 400)
    assert list(error["fields"]) == ["page_size"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "query", "field"),
    [
        ("/api/v1/territories/", "kind=region&kind=departement", "kind"),
        ("/api/v1/organisations/", "is_spro_member=true&is_spro_member=false", "is_spro_member"),
        ("/api/v1/sites/", "q=reims&q=troyes", "q"),
        ("/api/v1/stats/monthly/", "site=reims&site=reims", "site"),
    ],
)
def test_repeated_filter_is_a_400(client, url, query, field):
    error = assert_error(client.get(f"{url}?{query}"), 400)
    assert error["fields"] == {field: ["Ce paramètre ne peut être donné qu'une fois."]}


# Empty values: the same as no value.


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "empty"),
    [
        ("/api/v1/territories/", "parent=&kind=&page=&page_size="),
        ("/api/v1/organisations/", "is_spro_member=&kind=&departement=&q="),
        ("/api/v1/sites/", "label_status=&kind=&departement=&q=&page="),
        ("/api/v1/stats/monthly/", "site=&departement=&start=&end=&dimension=&page_size="),
    ],
)
def test_empty_filters_are_absent(client, marne, url, empty):
    SiteFactory(slug="reims", departement=marne)
    SiteFactory(slug="sedan", label_status=LabelStatus.PROJECT, labelled_on=None)
    expected = client.get(url).json()
    response = client.get(f"{url}?{empty}")
    assert response.status_code == 200, response.content
    assert response.json()["count"] == expected["count"]
    assert response.json()["results"] == expected["results"]


# Unknown addresses under /api/: the API's JSON 404.


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/nope/",
        "/api/v2/",
        "/api/",
        "/api/v1/",
        "/api/v1/sites/unknown-slug/extra/",
        "/api/v1/a/b/c/",
        # Found by schemathesis: a newline in a slug once fell through to the HTML page.
        "/api/v1/sites/a%0Ab/",
        "/api/v1/sites/%C3%A9t%C3%A9/",
    ],
)
def test_unknown_api_address_is_a_json_404(client, anonymous_client, url):
    for who in (client, anonymous_client):
        error = assert_error(who.get(url), 404)
        assert error["code"] == "not_found"
        assert error["detail"] == "Aucune ressource de l'API à cette adresse."
    # Whatever the method or the Accept header: nothing is there.
    assert_error(client.post(url), 404)
    assert_error(client.delete(url), 404)
    response = client.get(url, HTTP_ACCEPT="text/html")
    assert response["Content-Type"] == "application/json"
    assert_error(response, 404)


@pytest.mark.django_db
def test_missing_slash_redirects_as_before(client):
    # Django appends the slash first (APPEND_SLASH); the address with it is then answered.
    response = client.get("/api/v1/sites")
    assert (response.status_code, response["Location"]) == (301, "/api/v1/sites/")
    response = client.get("/api/v1/nope", follow=True)
    assert_error(response, 404)


@pytest.mark.django_db
def test_the_rest_of_the_site_keeps_its_html_404(client_for, regional_coordinator):
    response = client_for(regional_coordinator).get("/nope/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["/api/v1/sites/does-not-exist/", "/api/v1/territories/999999/", "/api/v1/territories/1e30/"]
)
def test_unknown_object_is_a_json_404_in_french(client, url):
    error = assert_error(client.get(url), 404)
    assert (error["code"], error["detail"]) == ("not_found", "Objet introuvable.")


# Other methods, other formats.


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/api/v1/sites/", "/api/v1/sites/reims/", "/api/v1/stats/monthly/"])
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete", "options"])
def test_other_methods_are_a_json_405(client, url, method):
    SiteFactory(slug="reims")
    response = getattr(client, method)(url)
    error = assert_error(response, 405)
    assert error["code"] == "method_not_allowed"
    assert response["Allow"] == "GET, HEAD"


@pytest.mark.django_db
def test_head_answers_like_get(client):
    response = client.head("/api/v1/sites/")
    assert response.status_code == 200
    assert response.content == b""


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/api/v1/sites/", "/api/v1/territories/1/"])
def test_unsatisfiable_accept_is_a_json_406(client, url):
    response = client.get(url, HTTP_ACCEPT="text/html")
    assert response["Content-Type"] == "application/json"
    error = assert_error(response, 406)
    assert error["code"] == "not_acceptable"


# A bug: still a JSON answer, and still reported.


@pytest.mark.django_db
def test_unexpected_exception_is_a_json_500_and_is_reported(client, monkeypatch, caplog):
    from network.api import TerritoryViewSet

    def broken(self, request, *args, **kwargs):
        raise RuntimeError("bogue")

    monkeypatch.setattr(TerritoryViewSet, "list", broken)
    # The test client re-raises what Django reports through got_request_exception, as before.
    with pytest.raises(RuntimeError, match="bogue"):
        client.get("/api/v1/territories/")

    client.raise_request_exception = False
    response = client.get("/api/v1/territories/")
    error = assert_error(response, 500)
    assert error["code"] == "server_error"
    assert "bogue" not in response.content.decode()
    # Logged with its traceback, as Django logs a 500 (and mails it to the admins).
    record = [r for r in caplog.records if r.name == "django.request" and r.levelname == "ERROR"][-1]
    assert record.exc_info[0] is RuntimeError
