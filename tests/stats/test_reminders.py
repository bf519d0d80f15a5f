"""Reminders of the months due soon or late, sent to each site's current coordinators.

"Today" is passed to the service: with the deadline at 10 days, February 2025 is due on 10 March.
"""

import datetime

import pytest
from celery.schedules import crontab
from django.conf import settings as django_settings
from django.core import mail

from sites.enums import LabelStatus
from sites.models import LabelStatusChange
from stats import services, tasks
from stats.enums import PeriodStatus
from stats.models import Period
from tests.factories import CoordinatorAssignmentFactory, UserFactory

FEBRUARY = datetime.date(2025, 2, 1)
DUE_SOON = datetime.date(2025, 3, 8)  # Two days before February's deadline.


@pytest.fixture(autouse=True)
def _deadline(settings):
    settings.SPRO_PERIOD_DEADLINE_DAYS = 10


@pytest.fixture
def site(site_a):
    # Labelled in February: the months before are none of the site's business.
    site_a.labelled_on = FEBRUARY
    site_a.save()
    return site_a


@pytest.fixture
def ctem(site):
    user = UserFactory(username="ctem-reims", first_name="Camille", email="ctem@reims.example")
    CoordinatorAssignmentFactory(user=user, site=site, start_date=datetime.date(2020, 1, 1))
    return user


def send(day):
    mail.outbox.clear()
    return services.period_reminders_send(day=day)


@pytest.mark.django_db
def test_a_month_due_within_three_days_is_reminded(ctem, site):
    assert send(DUE_SOON) == 1
    [message] = mail.outbox
    assert message.to == ["ctem@reims.example"]
    assert message.subject == "[SPRO hub] Statistiques de Espace métiers de Reims : 1 mois à transmettre"
    assert "Bonjour Camille," in message.body
    assert "février 2025 : à transmettre au plus tard le 10/03/2025" in message.body
    assert "/statistiques/sites/reims/periodes/2025/" in message.body
    period = Period.objects.get(site=site, month=FEBRUARY)
    assert (period.status, period.last_reminder_on) == (PeriodStatus.OPEN, DUE_SOON)


@pytest.mark.django_db
def test_nothing_is_sent_before_the_three_last_days(ctem, site):
    assert send(datetime.date(2025, 3, 6)) == 0
    assert not mail.outbox
    assert not Period.objects.exists()


@pytest.mark.django_db
def test_at_most_one_reminder_per_period_and_day(ctem, site):
    assert send(DUE_SOON) == 1
    assert send(DUE_SOON) == 0  # A second run (or a retry) the same day.
    assert send(DUE_SOON + datetime.timedelta(days=1)) == 1
    assert Period.objects.get(site=site, month=FEBRUARY).last_reminder_on == DUE_SOON + datetime.timedelta(
        days=1
    )


@pytest.mark.django_db
def test_handed_in_months_are_not_reminded(ctem, site):
    Period.objects.create(site=site, month=FEBRUARY, status=PeriodStatus.SUBMITTED)
    for day in (DUE_SOON, datetime.date(2025, 3, 20)):
        assert send(day) == 0


@pytest.mark.django_db
def test_late_labelled_months_are_reminded_together(ctem, site):
    site.labelled_on = datetime.date(2024, 11, 1)
    site.save()
    Period.objects.create(site=site, month=datetime.date(2024, 12, 1), status=PeriodStatus.VALIDATED)
    assert send(datetime.date(2025, 3, 15)) == 1
    body = mail.outbox[0].body
    assert "novembre 2024 : en retard (attendu le 10/12/2024)" in body
    assert "décembre 2024" not in body  # Handed in.
    assert "janvier 2025 : en retard (attendu le 10/02/2025)" in body
    assert "février 2025 : en retard (attendu le 10/03/2025)" in body
    assert "octobre 2024" not in body  # Not labelled yet.
    assert "/statistiques/sites/reims/periodes/2024/" in body
    assert "/statistiques/sites/reims/periodes/2025/" in body
    assert "3 mois à transmettre" in mail.outbox[0].subject
    assert Period.objects.filter(last_reminder_on=datetime.date(2025, 3, 15)).count() == 3


@pytest.mark.django_db
def test_late_months_are_chased_six_months_back_only(ctem, site):
    site.labelled_on = datetime.date(2020, 1, 1)
    site.save()
    send(datetime.date(2025, 3, 15))
    body = mail.outbox[0].body
    assert "septembre 2024" in body and "février 2025" in body
    assert "août 2024" not in body


@pytest.mark.django_db
def test_months_when_the_label_was_suspended_are_not_reminded(ctem, site):
    LabelStatusChange.objects.create(
        site=site, status=LabelStatus.LABELLED, effective_on=datetime.date(2020, 1, 1)
    )
    LabelStatusChange.objects.create(
        site=site,
        previous_status=LabelStatus.LABELLED,
        status=LabelStatus.SUSPENDED,
        effective_on=datetime.date(2025, 1, 15),
    )
    send(datetime.date(2025, 3, 15))
    body = mail.outbox[0].body
    assert "décembre 2024" in body
    assert "janvier 2025" not in body and "février 2025" not in body


@pytest.mark.django_db
def test_each_current_coordinator_of_the_site_and_only_them(ctem, site, site_b):
    second = UserFactory(username="directrice", email="direction@reims.example")
    CoordinatorAssignmentFactory(user=second, site=site, start_date=datetime.date(2024, 1, 1))
    former = UserFactory(username="ancien", email="ancien@reims.example")
    CoordinatorAssignmentFactory(
        user=former, site=site, start_date=datetime.date(2020, 1, 1), end_date=datetime.date(2025, 1, 31)
    )
    inactive = UserFactory(username="parti", email="parti@reims.example", is_active=False)
    CoordinatorAssignmentFactory(user=inactive, site=site, start_date=datetime.date(2020, 1, 1))
    # Troyes handed February in: its coordinator hears nothing about Reims, nor about Troyes.
    other = UserFactory(username="ctem-troyes", email="ctem@troyes.example")
    CoordinatorAssignmentFactory(user=other, site=site_b, start_date=datetime.date(2020, 1, 1))
    Period.objects.create(site=site_b, month=FEBRUARY, status=PeriodStatus.SUBMITTED)

    assert send(DUE_SOON) == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["ctem@reims.example", "direction@reims.example"]
    assert Period.objects.get(site=site, month=FEBRUARY).last_reminder_on == DUE_SOON


@pytest.mark.django_db
def test_a_refused_message_leaves_the_period_to_remind_again(ctem, site, monkeypatch):
    def refuse(self, messages):
        raise OSError("SMTP indisponible")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
    with pytest.raises(OSError):
        send(DUE_SOON)
    assert not Period.objects.filter(last_reminder_on__isnull=False).exists()
    monkeypatch.undo()
    assert send(DUE_SOON) == 1


@pytest.mark.django_db
def test_the_daily_task_calls_the_service(monkeypatch):
    calls = []
    monkeypatch.setattr(services, "period_reminders_send", lambda **kwargs: calls.append(kwargs) or 3)
    assert tasks.send_period_reminders.apply().get() == 3
    assert calls == [{}]
    entry = django_settings.CELERY_BEAT_SCHEDULE["period-reminders"]
    assert entry["task"] == "stats.tasks.send_period_reminders"
    assert entry["schedule"] == crontab(hour=8, minute=0)
