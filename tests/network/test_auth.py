"""Logging in and out, and choosing a password by e-mail, as a person of the network does it."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory

PASSWORD = "mot-de-passe-de-test"


@pytest.fixture
def person(db):
    return UserFactory(username="c.martin", email="camille.martin@exemple.fr")


def test_login_page_is_public_accessible_and_in_french(client_for):
    response = client_for(None).get(reverse("login"))

    assert response.status_code == 200
    page = response.content.decode()
    assert '<label for="id_username">Identifiant' in page
    assert '<label for="id_password">Mot de passe' in page
    assert reverse("password_reset") in page
    assert "Mot de passe oublié ?" in page


def test_a_protected_page_sends_an_anonymous_visitor_to_the_login_page(client_for):
    url = reverse("network:organisation_list")

    response = client_for(None).get(url)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


def test_login_with_the_real_password_opens_the_home_page(person):
    client = Client()

    response = client.post(reverse("login"), {"username": "c.martin", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert "Camille" in client.get(reverse("home")).content.decode()


def test_login_goes_back_to_the_page_asked_for(person):
    url = reverse("network:organisation_list")

    response = Client().post(
        f"{reverse('login')}?next={url}", {"username": "c.martin", "password": PASSWORD, "next": url}
    )

    assert response["Location"] == url


def test_a_wrong_password_is_refused_in_french(person):
    client = Client()

    response = client.post(reverse("login"), {"username": "c.martin", "password": "pas-le-bon"})

    assert response.status_code == 200
    assert "mot de passe valides" in response.content.decode()
    assert client.get(reverse("home")).status_code == 302


def test_logout_is_a_post_and_ends_the_session(client_for, person):
    client = client_for(person)
    assert client.get(reverse("logout")).status_code == 405  # a link or a prefetch cannot log anyone out

    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert client.get(reverse("home")).status_code == 302


def _reset_link(message) -> str:
    return re.search(r"https?://[^/\s]+(/comptes/reset/\S+)", message.body).group(1)


def test_password_reset_sends_a_french_e_mail_that_lets_one_choose_a_password(person):
    client = Client()
    assert "Mot de passe oublié" in client.get(reverse("password_reset")).content.decode()

    response = client.post(reverse("password_reset"), {"email": "Camille.Martin@exemple.fr"})

    assert response["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["camille.martin@exemple.fr"]
    assert message.subject == "Votre mot de passe sur SPRO hub"
    assert "Bonjour" in message.body
    assert "c.martin" in message.body

    form_page = client.get(_reset_link(message), follow=True)
    assert "Choisir un mot de passe" in form_page.content.decode()
    new_password = "Un-nouveau-mot-de-passe-2025"
    done = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": new_password, "new_password2": new_password}
    )
    assert done["Location"] == reverse("password_reset_complete")
    login = Client().post(reverse("login"), {"username": "c.martin", "password": new_password})
    assert login.status_code == 302
    assert login["Location"] == reverse("home")


def test_a_used_reset_link_is_refused_politely(person):
    client = Client()
    client.post(reverse("password_reset"), {"email": person.email})
    link = _reset_link(mail.outbox[0])
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    client.post(
        form_url, {"new_password1": "Premier-mot-de-passe-1", "new_password2": "Premier-mot-de-passe-1"}
    )

    response = Client().get(link, follow=True)

    assert "Ce lien n'est plus valable" in response.content.decode()


def test_password_reset_tells_nothing_about_unknown_addresses(db):
    response = Client().post(reverse("password_reset"), {"email": "inconnu@exemple.fr"})

    assert response["Location"] == reverse("password_reset_done")
    assert mail.outbox == []


def test_a_person_created_without_password_chooses_one_by_password_reset(client_for, regional_coordinator):
    client_for(regional_coordinator).post(
        reverse("network:person_create"),
        {"username": "n.petit", "first_name": "Noé", "last_name": "Petit", "email": "noe.petit@exemple.fr"},
    )
    assert mail.outbox == []  # creating the account sends nothing

    Client().post(reverse("password_reset"), {"email": "noe.petit@exemple.fr"})

    assert len(mail.outbox) == 1
    assert "n.petit" in mail.outbox[0].body


def test_an_inactive_account_gets_no_reset_e_mail(db):
    UserFactory(username="parti", email="parti@exemple.fr", is_active=False)

    Client().post(reverse("password_reset"), {"email": "parti@exemple.fr"})

    assert mail.outbox == []
