"""Celery: a task really runs through the configured broker, and the scheduled tasks do their job."""

import datetime
import os
import smtplib
import uuid

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.utils import timezone

from network.enums import Role
from sites.enums import LabelStatus
from sites.services import label_renewal_reminders_send
from sites.tasks import send_label_renewal_reminders
from spro.celery import app as celery_app
from spro.tasks import ping
from tests.conftest import require
from tests.factories import CoordinatorAssignmentFactory, RoleAssignmentFactory, SiteFactory, UserFactory

# A real worker on the real broker


@pytest.mark.celery_worker
# Celery's Redis result backend still calls redis-py methods that redis-py 8 deprecates.
@pytest.mark.filterwarnings("ignore:Call to deprecated:DeprecationWarning")
def test_a_task_runs_in_a_real_worker_through_the_broker():
    require(bool(os.environ.get("REDIS_URL")), "Redis needed (REDIS_URL) for a real Celery worker")
    assert celery_app.conf.broker_url.startswith("redis://")
    assert not celery_app.conf.task_always_eager
    # A queue of our own: messages other test runs may have left on the shared broker don't get in
    # the way, and our worker takes nothing but this test's message.
    queue = f"test-{uuid.uuid4().hex}"
    try:
        with start_worker(
            celery_app, pool="solo", perform_ping_check=False, queues=[queue], shutdown_timeout=30
        ):
            result = ping.apply_async(queue=queue)  # .delay(), on the test's own queue.
            assert result.get(timeout=30) == "pong"
            assert result.status == "SUCCESS"
    finally:
        with celery_app.connection_for_write() as connection:
            connection.default_channel.queue_delete(queue)


def test_ping_task_is_registered_for_workers():
    # spro is not an installed app: its tasks module is discovered explicitly (spro/celery.py).
    celery_app.loader.import_default_modules()
    assert "spro.tasks.ping" in celery_app.tasks
    assert "sites.tasks.send_label_renewal_reminders" in celery_app.tasks


def test_renewal_reminders_task_has_limits_and_bounded_retries():
    task = celery_app.tasks["sites.tasks.send_label_renewal_reminders"]
    assert task.time_limit and task.soft_time_limit and task.soft_time_limit < task.time_limit
    assert task.max_retries == 3
    assert OSError in task.autoretry_for  # SMTP errors are OSErrors.
    # The beat schedule names this very task.
    from django.conf import settings

    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "sites.tasks.send_label_renewal_reminders" in scheduled


# Label renewal reminders


@pytest.fixture(autouse=True)
def private_cache(settings):
    """Reminders remember what they sent in the cache: give each test an empty one of its own
    (under CI the default cache is the shared Redis, which outlives a test)."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": uuid.uuid4().hex}
    }


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def renewals(db, today, regional_coordinator, coordinator_a, coordinator_b, site_a, site_b):
    """site_a is due in a month, Vitry is overdue, site_b and a site in project are not due."""
    site_a.label_renewal_due_on = today + datetime.timedelta(days=30)
    site_a.save()
    overdue = SiteFactory(
        name="Espace métiers de Vitry-le-François",
        slug="vitry",
        commune="Vitry-le-François",
        label_renewal_due_on=today - datetime.timedelta(days=3),
    )
    # Not labelled: no renewal, whatever the date says.
    SiteFactory(slug="sedan", label_status=LabelStatus.APPLICATION, label_renewal_due_on=today)
    # People who must not be written to: a former coordinator of site A, a former regional
    # coordinator, an inactive one, a site coordinator of site B only, and an observer.
    former = UserFactory(username="ancien-ctem-a")
    CoordinatorAssignmentFactory(
        user=former,
        site=site_a,
        start_date=today - datetime.timedelta(days=400),
        end_date=today - datetime.timedelta(days=1),
    )
    RoleAssignmentFactory(
        user=UserFactory(username="ancienne-coordination"),
        role=Role.REGIONAL_COORDINATOR,
        start_date=today - datetime.timedelta(days=400),
        end_date=today - datetime.timedelta(days=1),
    )
    RoleAssignmentFactory(
        user=UserFactory(username="inactive", is_active=False), role=Role.REGIONAL_COORDINATOR
    )
    RoleAssignmentFactory(user=UserFactory(username="observateur"), role=Role.OBSERVER)
    return site_a, overdue


def mails_to(address: str) -> list:
    return [message for message in mail.outbox if address in message.to]


def test_reminders_go_to_the_coordination_and_to_each_site_coordinator(
    renewals, regional_coordinator, coordinator_a, coordinator_b, site_b, today
):
    site_a, overdue = renewals

    sent = label_renewal_reminders_send()

    assert sent == 2
    assert sorted(address for message in mail.outbox for address in message.to) == sorted(
        [regional_coordinator.email, coordinator_a.email]
    )
    # The regional coordination gets every due site, the overdue one flagged, and nothing else.
    (regional,) = mails_to(regional_coordinator.email)
    assert regional.subject == "[SPRO hub] 2 sites à renouveler"
    assert regional.body.startswith("Bonjour Camille,")
    assert site_a.name in regional.body and overdue.name in regional.body
    assert site_b.name not in regional.body
    assert f"renouvellement du label le {site_a.label_renewal_due_on:%d/%m/%Y}" in regional.body
    assert f"le {overdue.label_renewal_due_on:%d/%m/%Y} (échéance dépassée)" in regional.body
    # Site A's coordinator hears about site A only.
    (own,) = mails_to(coordinator_a.email)
    assert own.subject == "[SPRO hub] Renouvellement du label de votre site"
    assert site_a.name in own.body
    assert overdue.name not in own.body and site_b.name not in own.body
    assert not mails_to(coordinator_b.email)


def test_a_coordinator_of_several_due_sites_gets_one_mail_with_their_sites(renewals, coordinator_a, today):
    _site_a, overdue = renewals
    CoordinatorAssignmentFactory(user=coordinator_a, site=overdue)

    label_renewal_reminders_send()

    (own,) = mails_to(coordinator_a.email)
    assert own.subject == "[SPRO hub] Renouvellement du label de vos sites"
    assert "Espace métiers de Reims" in own.body and overdue.name in own.body


def test_reminders_are_sent_once_a_day(renewals, today):
    assert label_renewal_reminders_send(day=today) == 2
    assert label_renewal_reminders_send(day=today) == 0
    assert len(mail.outbox) == 2
    # The next reminder day writes again.
    assert label_renewal_reminders_send(day=today + datetime.timedelta(days=7)) == 2
    assert len(mail.outbox) == 4


def test_a_failed_mail_is_sent_by_the_retry_and_the_others_are_not_repeated(
    renewals, coordinator_a, regional_coordinator, monkeypatch
):
    from django.core.mail import EmailMessage

    real_send = EmailMessage.send

    def send_failing_for_coordinator_a(message, *args, **kwargs):
        if coordinator_a.email in message.to:
            raise smtplib.SMTPServerDisconnected("Connexion perdue")
        return real_send(message, *args, **kwargs)

    monkeypatch.setattr(EmailMessage, "send", send_failing_for_coordinator_a)
    with pytest.raises(smtplib.SMTPServerDisconnected):
        label_renewal_reminders_send()
    assert [message.to for message in mail.outbox] == [[regional_coordinator.email]]

    monkeypatch.setattr(EmailMessage, "send", real_send)
    assert label_renewal_reminders_send() == 1
    assert [message.to for message in mail.outbox] == [[regional_coordinator.email], [coordinator_a.email]]


def test_nothing_is_sent_when_nothing_is_due(regional_coordinator, coordinator_a, coordinator_b):
    # The personas' sites are labelled and due for renewal in about two years.
    assert label_renewal_reminders_send() == 0
    assert mail.outbox == []


def test_the_task_calls_the_service(renewals):
    # Run in-process (apply), as a worker would: the return value is the number of e-mails sent.
    assert send_label_renewal_reminders.apply().get() == 2
    assert send_label_renewal_reminders.apply().get() == 0
    assert len(mail.outbox) == 2
