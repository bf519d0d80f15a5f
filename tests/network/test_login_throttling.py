"""Guessing passwords and flooding reset e-mails: django-axes locks a login out per account and per
address, the admin's login too, and reset e-mails are counted per address and per hour."""

import datetime

import pytest
import time_machine
from axes.models import AccessAttempt
from bs4 import BeautifulSoup
from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from tests.factories import UserFactory

PASSWORD = "le-bon-mot-de-passe"


@pytest.fixture
def person(db):
    return UserFactory(username="c.martin", email="camille.martin@exemple.fr", password=PASSWORD)


def login(client, username, password, url=None, **extra):
    return client.post(url or reverse("login"), {"username": username, "password": password}, **extra)


def alert(response) -> str:
    node = BeautifulSoup(response.content, "html.parser").select_one("[role=alert], .errornote")
    return node.get_text(" ", strip=True) if node else ""


@override_settings(AXES_FAILURE_LIMIT=5)
def test_an_account_is_locked_after_five_failures_even_for_the_right_password(person):
    client = Client()
    for _attempt in range(4):
        assert login(client, "c.martin", "pas-le-bon").status_code == 200
    response = login(client, "c.martin", "pas-le-bon")
    assert response.status_code == 429

    # The right password no longer opens the account, from any address, and the page says when to retry.
    moment = timezone.localtime()
    response = login(Client(), "c.martin", PASSWORD, REMOTE_ADDR="198.51.100.20")
    assert response.status_code == 429
    assert "_auth_user_id" not in response.client.session
    message = alert(response)
    assert "la connexion est suspendue pendant 15 minutes" in message
    retry_at = moment + datetime.timedelta(minutes=15)
    assert any(
        (retry_at + datetime.timedelta(minutes=delta)).strftime("%H:%M") in message for delta in (0, 1)
    ), message

    # Once the cool-off is over, the right password works again.
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=16), tick=False):
        response = login(Client(), "c.martin", PASSWORD, REMOTE_ADDR="198.51.100.20")
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


@override_settings(AXES_FAILURE_LIMIT=5)
def test_one_address_trying_many_accounts_is_locked_out(person):
    client = Client()
    for n in range(5):
        login(client, f"inconnu-{n}", "nimporte", REMOTE_ADDR="203.0.113.9")
    # Even a real account with its real password is refused from that address…
    assert login(client, "c.martin", PASSWORD, REMOTE_ADDR="203.0.113.9").status_code == 429
    # …and still opens from another one.
    assert login(Client(), "c.martin", PASSWORD, REMOTE_ADDR="203.0.113.10").status_code == 302


@override_settings(AXES_FAILURE_LIMIT=3)
def test_a_forged_forwarded_for_header_does_not_reset_the_count(person):
    client = Client()
    for n in range(3):
        login(client, f"inconnu-{n}", "x", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    assert login(client, "autre", "x", HTTP_X_FORWARDED_FOR="192.0.2.200").status_code == 429


@override_settings(AXES_FAILURE_LIMIT=3)
def test_the_admin_login_is_locked_out_too(db):
    admin = UserFactory(username="admin", password=PASSWORD, is_staff=True, is_superuser=True)
    url = reverse("admin:login")
    for _attempt in range(3):
        login(Client(), admin.username, "faux", url=url)
    response = login(Client(), admin.username, PASSWORD, url=url)
    assert response.status_code == 429
    assert "la connexion est suspendue" in alert(response)


def test_a_success_resets_the_failures(person):
    client = Client()
    for _attempt in range(4):
        login(client, "c.martin", "faux")
    assert login(client, "c.martin", PASSWORD).status_code == 302
    for _attempt in range(4):
        assert login(Client(), "c.martin", "faux").status_code == 200


@override_settings(SPRO_PASSWORD_RESET_PER_HOUR=3)
def test_reset_e_mails_are_limited_per_address_and_per_hour(person):
    url = reverse("password_reset")
    for n in range(8):
        response = Client().post(url, {"email": person.email}, REMOTE_ADDR=f"198.51.100.{n}")
        # The answer never changes: it must not tell whether the limit (or the address) exists.
        assert response.status_code == 302 and response["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 3

    # An hour later, one more may leave.
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=61), tick=False):
        Client().post(url, {"email": person.email})
    assert len(mail.outbox) == 4


@override_settings(SPRO_PASSWORD_RESET_PER_HOUR=3)
def test_reset_requests_from_one_client_are_limited_across_addresses(db):
    people = [UserFactory(email=f"personne{n}@exemple.fr") for n in range(12)]
    client = Client()
    for person in people:
        client.post(reverse("password_reset"), {"email": person.email}, REMOTE_ADDR="203.0.113.50")
    assert len(mail.outbox) == 9  # three times the per-address limit


@override_settings(AXES_FAILURE_LIMIT=3)
def test_the_coordination_lifts_a_lockout_from_the_admin(person, client_for, regional_coordinator):
    for _attempt in range(3):
        login(Client(), "c.martin", "faux")
    assert login(Client(), "c.martin", PASSWORD).status_code == 429

    admin = client_for(regional_coordinator)
    page = admin.get(reverse("admin:axes_accessattempt_changelist"))
    assert page.status_code == 200 and "c.martin" in page.content.decode()
    attempt = AccessAttempt.objects.get(username="c.martin")
    delete_url = reverse("admin:axes_accessattempt_delete", args=[attempt.pk])
    assert admin.post(delete_url, {"post": "yes"}).status_code == 302

    assert login(Client(), "c.martin", PASSWORD).status_code == 302


def test_other_roles_cannot_see_the_attempts(client_for, coordinator_a, observer):
    for user in (coordinator_a, observer):
        response = client_for(user).get(reverse("admin:axes_accessattempt_changelist"))
        assert response.status_code == 302  # to the admin's login: not staff, not the coordination
