"""Reminder e-mails to site coordinators for the months due soon or late, at most one per period a day."""

import datetime
from collections import defaultdict

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import ngettext

from sites.models import CoordinatorAssignment, LabelStatusChange, Site
from spro.urls_helpers import absolute_url

from ..enums import PeriodStatus
from ..models import Period, first_of_month
from ..selectors import labelled_months, months_between
from .periods import period_get_or_create

# How many days before a month's deadline its coordinators are reminded, and how far back late
# months are chased (older gaps are the regional coordination's follow-up, not a daily e-mail).
REMINDER_DUE_SOON_DAYS = 3
REMINDER_LOOKBACK_MONTHS = 6


def period_reminders_send(*, day: datetime.date | None = None) -> int:
    """E-mail each current coordinator of a site whose last month is due within 3 days, or whose
    labelled months are late (still open past the deadline). Returns the number of e-mails sent.

    At most one reminder per period and day: each site's periods are claimed (last_reminder_on set
    under a row lock) in the same transaction that sends the site's e-mails, so a run that fails
    rolls back and a retry sends what is missing, and a second run on the same day sends nothing.
    """
    day = day or timezone.localdate()
    last_ended = first_of_month(first_of_month(day) - datetime.timedelta(days=1))
    first = last_ended
    for _step in range(REMINDER_LOOKBACK_MONTHS - 1):
        first = first_of_month(first - datetime.timedelta(days=1))
    months = months_between(first, last_ended)

    recipients = defaultdict(dict)
    sites = {}
    for assignment in (
        CoordinatorAssignment.objects.current(day)
        .filter(user__is_active=True)
        .exclude(user__email="")
        .select_related("user", "site")
        .order_by("site_id", "user_id")
    ):
        sites[assignment.site_id] = assignment.site
        recipients[assignment.site_id][assignment.user_id] = assignment.user  # Overlaps: one e-mail.
    if not sites:
        return 0
    changes = defaultdict(list)
    for change in LabelStatusChange.objects.filter(site_id__in=sites):
        changes[change.site_id].append(change)
    periods = {(p.site_id, p.month): p for p in Period.objects.filter(site_id__in=sites, month__in=months)}

    def deadline(month):
        return Period(month=month).deadline  # The model's rule, for months not started yet too.

    sent = 0
    for site_id, site in sites.items():
        due = []
        for month in labelled_months(site, months, changes[site_id]):
            period = periods.get((site_id, month))
            if period is not None and (period.status != PeriodStatus.OPEN or period.last_reminder_on == day):
                continue
            days_left = (deadline(month) - day).days
            if days_left < 0 or (month == last_ended and days_left <= REMINDER_DUE_SOON_DAYS):
                due.append(month)
        if due:
            sent += _site_reminders_send(
                site=site, users=list(recipients[site_id].values()), months=due, day=day, deadline=deadline
            )
    return sent


@transaction.atomic
def _site_reminders_send(
    *, site: Site, users: list, months: list[datetime.date], day: datetime.date, deadline
) -> int:
    claimed = []
    for month in months:
        # Created open on first use: a month nobody has started yet is late all the same.
        period = period_get_or_create(site=site, day=month)
        if period.status != PeriodStatus.OPEN or period.last_reminder_on == day:
            continue  # Submitted or reminded meanwhile (a concurrent run).
        period.last_reminder_on = day
        period.save(update_fields=["last_reminder_on"])
        claimed.append(period)
    if not claimed:
        return 0

    def periods_link(year: int) -> str:
        return absolute_url(reverse("stats:site_periods", kwargs={"slug": site.slug, "year": year}))

    platform = settings.SPRO_PLATFORM_NAME
    with translation.override(settings.LANGUAGE_CODE):
        rows = [
            {"month": period.month, "deadline": deadline(period.month), "late": deadline(period.month) < day}
            for period in sorted(claimed, key=lambda p: p.month)
        ]
        subject = ngettext(
            "[%(platform)s] Statistiques de %(site)s : %(count)d mois à transmettre",
            "[%(platform)s] Statistiques de %(site)s : %(count)d mois à transmettre",
            len(claimed),
        ) % {"platform": platform, "site": site.name, "count": len(claimed)}
        links = [periods_link(year) for year in sorted({p.month.year for p in claimed})]
        messages = [
            EmailMessage(
                subject=subject,
                body=render_to_string(
                    "stats/email/period_reminder.txt",
                    {
                        "name": user.first_name or user.get_username(),
                        "site": site,
                        "rows": rows,
                        "links": links,
                        "platform": platform,
                    },
                ),
                to=[user.email],
            )
            for user in users
        ]
    # Sent inside the transaction: if the server refuses a message, the claims roll back and the
    # task's retry sends the reminder again.
    with get_connection() as connection:
        connection.send_messages(messages)
    return len(messages)
