"""The anonymous satisfaction questionnaire, its poster and the moderation of comments.

Personas (tests/conftest.py): the regional coordinator, the coordinators of site A (reims) and of
site B (troyes), a partner, a read-only observer and an anonymous visitor.
"""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client, override_settings
from django.urls import reverse

from sites.enums import LabelStatus
from stats import services
from stats.models import SatisfactionAnswer, SatisfactionQuestion, SatisfactionResponse
from stats.views.satisfaction import RATE_LIMIT
from tests.factories import SiteFactory
from tests.helpers import element_text, text

# The clock is frozen on 15 June 2026: answers are dated that day, the retired question ended the
# day before.
NOW = datetime.datetime(2026, 6, 15, 10, tzinfo=ZoneInfo("Europe/Paris"))
pytestmark = pytest.mark.time_machine(NOW, tick=False)
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def _empty_cache():
    # The rate limit counts in the cache: each test starts with a clean slate.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def questions(db):
    return [
        SatisfactionQuestion.objects.create(code="accueil", label="L'accueil", order=1),
        SatisfactionQuestion.objects.create(code="information", label="L'information reçue", order=2),
    ]


@pytest.fixture
def retired_question(db):
    return SatisfactionQuestion.objects.create(
        code="ancienne", label="Question retirée", order=3, valid_until=TODAY - datetime.timedelta(days=1)
    )


def form_url(site):
    return reverse("stats:satisfaction_form", kwargs={"slug": site.slug})


def answer(client, site, questions, values=(4, 3), comment="", **extra):
    data = {f"question_{q.pk}": v for q, v in zip(questions, values, strict=False)}
    data["comment"] = comment
    return client.post(form_url(site), data, **extra)


@pytest.fixture
def comment_a(site_a, questions):
    return services.satisfaction_record(
        site=site_a, answers={questions[0].pk: 2}, comment="Je m'appelle Jean Dupont, 06 12 34 56 78"
    )


# --- The public questionnaire --------------------------------------------------------------------


@pytest.mark.django_db
def test_anonymous_visitors_see_the_questionnaire_of_a_public_site(
    client_for, site_a, questions, retired_question
):
    response = client_for(None).get(form_url(site_a))
    assert response.status_code == 200
    page = text(response)
    assert "Votre avis sur Espace métiers de Reims" in page
    # One accessible fieldset per question, four radio buttons each; retired questions are gone.
    assert page.count("<fieldset") == 2
    assert "<legend>L'accueil" in page
    assert page.count('type="radio"') == 8
    assert "Tout à fait satisfait·e" in page
    form = element_text(response, "main form")
    assert "L'accueil" in form
    assert "Question retirée" not in form
    assert "N'indiquez ni votre nom ni aucune information permettant de vous identifier" in page
    assert 'name="csrfmiddlewaretoken"' in page


@pytest.mark.django_db
@pytest.mark.parametrize("status", [LabelStatus.PROJECT, LabelStatus.APPLICATION, LabelStatus.WITHDRAWN])
def test_only_public_sites_take_answers(client_for, regional_coordinator, questions, status):
    site = SiteFactory(slug="en-projet", label_status=status)
    for user in (None, regional_coordinator):
        assert client_for(user).get(form_url(site)).status_code == 404
        assert answer(client_for(user), site, questions).status_code == 404
    with pytest.raises(ValidationError):
        services.satisfaction_record(site=site, answers={questions[0].pk: 4})
    assert not SatisfactionResponse.objects.exists()


@pytest.mark.django_db
def test_an_answer_is_saved_anonymously_then_thanked(client_for, site_a, questions):
    client = client_for(None)
    response = answer(
        client, site_a, questions, comment="  Très bon accueil  ", HTTP_USER_AGENT="Mozilla/5.0 (Tablette)"
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("stats:satisfaction_thanks", kwargs={"slug": site_a.slug})
    assert "Merci pour votre avis" in text(client.get(response["Location"]))

    saved = SatisfactionResponse.objects.get()
    assert (saved.site, saved.answered_on, saved.comment) == (site_a, TODAY, "Très bon accueil")
    assert dict(saved.answers.values_list("question__code", "value")) == {"accueil": 4, "information": 3}
    # Nothing but the day, the site, the answers and the comment: no person, time, address, device.
    assert {f.name for f in SatisfactionResponse._meta.concrete_fields} == {
        "id",
        "site",
        "answered_on",
        "comment",
    }
    assert {f.name for f in SatisfactionAnswer._meta.concrete_fields} == {
        "id",
        "response",
        "question",
        "value",
    }
    stored = repr(list(SatisfactionResponse.objects.values())) + repr(
        list(SatisfactionAnswer.objects.values())
    )
    assert "127.0.0.1" not in stored and "Mozilla" not in stored


@pytest.mark.django_db
def test_a_comment_alone_or_some_questions_only_are_enough(client_for, site_a, questions):
    client = client_for(None)
    assert answer(client, site_a, questions, values=(), comment="Merci !").status_code == 302
    assert answer(client, site_a, questions, values=(2,)).status_code == 302
    assert SatisfactionAnswer.objects.count() == 1
    assert SatisfactionResponse.objects.count() == 2


@pytest.mark.django_db
def test_empty_or_invalid_answers_are_refused(client_for, site_a, questions, retired_question):
    client = client_for(None)
    response = answer(client, site_a, questions, values=())
    assert response.status_code == 400
    assert "Répondez à au moins une question" in text(response)
    assert answer(client, site_a, questions, values=(7, 3)).status_code == 400
    assert answer(client, site_a, questions, comment="x" * 2001).status_code == 400
    assert not SatisfactionResponse.objects.exists()
    # The service holds its own rules, whatever the door.
    for answers in ({retired_question.pk: 3}, {questions[0].pk: 5}, {}):
        with pytest.raises(ValidationError):
            services.satisfaction_record(site=site_a, answers=answers)
    assert not SatisfactionResponse.objects.exists()


@pytest.mark.django_db
def test_the_questionnaire_needs_its_csrf_token(site_a, questions):
    client = Client(enforce_csrf_checks=True)
    assert answer(client, site_a, questions).status_code == 403
    assert not SatisfactionResponse.objects.exists()


def cache_keys():
    """Every key in the cache, whichever backend the suite runs with (memory, or Redis in CI)."""
    backend = cache._cache
    if hasattr(backend, "get_client"):
        return backend.get_client(None).keys("*")
    return list(backend)


@pytest.mark.django_db
def test_a_client_is_limited_to_a_few_answers_a_minute_without_storing_its_address(
    client_for, site_a, questions
):
    client = client_for(None)
    for _n in range(RATE_LIMIT):
        assert answer(client, site_a, questions, REMOTE_ADDR="203.0.113.7").status_code == 302
    response = answer(client, site_a, questions, REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 429
    assert "merci de patienter une minute" in text(response)
    assert SatisfactionResponse.objects.count() == RATE_LIMIT
    # Another device still answers.
    assert answer(client, site_a, questions, REMOTE_ADDR="198.51.100.4").status_code == 302
    # A forged X-Forwarded-For changes nothing while no proxy is trusted: each new claimed address
    # still comes from the same REMOTE_ADDR, which is already over the limit.
    for _n in range(3):
        forwarded = f"192.0.2.{_n + 20}"
        response = answer(
            client, site_a, questions, REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR=forwarded
        )
        assert response.status_code == 429
    # Behind a trusted proxy, the hop it added counts, not what the client claims before it.
    with override_settings(TRUSTED_PROXIES=["127.0.0.1"]):
        for _n in range(RATE_LIMIT):
            forwarded = f"10.0.0.{_n}, 192.0.2.9"
            assert answer(client, site_a, questions, HTTP_X_FORWARDED_FOR=forwarded).status_code == 302
        response = answer(client, site_a, questions, HTTP_X_FORWARDED_FOR="10.9.9.9, 192.0.2.9")
        assert response.status_code == 429
    # The cache holds keyed hashes, never an address.
    keys = " ".join(str(key) for key in cache_keys())
    for address in ("203.0.113.7", "198.51.100.4", "192.0.2.9"):
        assert address not in keys


# --- The poster ----------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("anonymous", 302),
        ("regional_coordinator", 200),
        ("coordinator_a", 200),
        ("coordinator_b", 404),
        ("partner", 404),
        ("observer", 404),
    ],
)
def test_poster_by_persona(personas, client_for, site_a, persona, expected):
    response = client_for(personas[persona]).get(
        reverse("stats:satisfaction_poster", kwargs={"slug": site_a.slug})
    )
    assert response.status_code == expected
    if expected == 200:
        page = text(response)
        assert "<svg" in page and "<title>Code QR vers le questionnaire de satisfaction</title>" in page
        assert "Espace métiers de Reims" in page
        assert "http://testserver/statistiques/satisfaction/reims/" in page
        assert "data-print" in page and "onclick" not in page


@pytest.mark.django_db
def test_the_poster_warns_when_the_site_is_not_public(client_for, regional_coordinator):
    site = SiteFactory(slug="candidat", label_status=LabelStatus.APPLICATION)
    response = client_for(regional_coordinator).get(
        reverse("stats:satisfaction_poster", kwargs={"slug": site.slug})
    )
    assert "le questionnaire ne s'ouvrira pas" in text(response)


# --- Comments and their moderation ---------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("anonymous", 302),
        ("regional_coordinator", 200),
        ("coordinator_a", 200),
        ("coordinator_b", 404),
        ("partner", 404),
        ("observer", 200),
    ],
)
def test_comments_by_persona(personas, client_for, site_a, comment_a, persona, expected):
    response = client_for(personas[persona]).get(
        reverse("stats:satisfaction_comments", kwargs={"slug": site_a.slug})
    )
    assert response.status_code == expected
    if expected == 200:
        page = text(response)
        assert "Jean Dupont" in page
        delete_url = reverse(
            "stats:satisfaction_comment_delete", kwargs={"slug": site_a.slug, "pk": comment_a.pk}
        )
        assert (delete_url in page) == (persona == "regional_coordinator")


@pytest.mark.django_db
def test_comments_list_only_the_sites_own_non_empty_comments(
    client_for, coordinator_a, site_a, site_b, questions
):
    services.satisfaction_record(site=site_a, answers={questions[0].pk: 4})  # No comment.
    services.satisfaction_record(site=site_b, answers={}, comment="Commentaire de Troyes")
    services.satisfaction_record(site=site_a, answers={}, comment="Commentaire de Reims")
    response = client_for(coordinator_a).get(reverse("stats:satisfaction_comments", kwargs={"slug": "reims"}))
    comments = element_text(response, "main table")
    assert "Commentaire de Reims" in comments
    assert "Commentaire de Troyes" not in comments
    assert "1 commentaire" in text(response)


@pytest.mark.django_db
def test_comments_query_count(client_for, coordinator_a, site_a, questions, django_assert_num_queries):
    for n in range(30):
        services.satisfaction_record(site=site_a, answers={questions[0].pk: 3}, comment=f"Commentaire {n}")
    client = client_for(coordinator_a)
    url = reverse("stats:satisfaction_comments", kwargs={"slug": site_a.slug})
    client.get(url)
    # Session, user, roles (2: role assignments, coordinated sites with the menu's names), the site,
    # the count, the page of comments: not one per comment.
    with django_assert_num_queries(7):
        response = client.get(url)
    assert len(response.context["page"].object_list) == 25


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("anonymous", 302),
        ("coordinator_a", 403),
        ("observer", 403),
        ("coordinator_b", 404),
        ("partner", 404),
    ],
)
def test_only_the_coordination_deletes_a_comment(personas, client_for, site_a, comment_a, persona, expected):
    url = reverse("stats:satisfaction_comment_delete", kwargs={"slug": site_a.slug, "pk": comment_a.pk})
    client = client_for(personas[persona])
    assert client.get(url).status_code == expected
    assert client.post(url).status_code == expected
    comment_a.refresh_from_db()
    assert comment_a.comment


@pytest.mark.django_db
def test_the_coordination_erases_a_comment_after_confirmation(
    client_for, regional_coordinator, site_a, comment_a
):
    client = client_for(regional_coordinator)
    url = reverse("stats:satisfaction_comment_delete", kwargs={"slug": site_a.slug, "pk": comment_a.pk})
    page = text(client.get(url))
    assert "Jean Dupont" in page and "Effacer définitivement" in page
    comment_a.refresh_from_db()
    assert comment_a.comment  # A GET changes nothing.
    response = client.post(url, follow=True)
    assert "Le commentaire a été effacé" in text(response)
    comment_a.refresh_from_db()
    assert comment_a.comment == ""
    assert comment_a.answers.count() == 1  # The scale answers still count.
    assert client.get(url).status_code == 404  # Nothing left to erase.


@pytest.mark.django_db
def test_the_erase_service_is_for_the_coordination(coordinator_a, comment_a):
    with pytest.raises(PermissionDenied):
        services.satisfaction_comment_delete(response=comment_a, author=coordinator_a)
