"""Writes of the sites app, each in one transaction."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from .enums import LABEL_TRANSITIONS, LabelStatus
from .models import CoordinatorAssignment, LabelStatusChange, Site


def _unique_slug(name: str, exclude_pk=None) -> str:
    base = slugify(name)[:100] or "site"
    slug, n = base, 2
    while Site.objects.filter(slug=slug).exclude(pk=exclude_pk).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def site_save(*, site: Site, author=None, m2m: dict | None = None) -> Site:
    """Create or update a site; m2m maps many-to-many field names to their new values."""
    creating = site.pk is None
    if not site.slug:
        site.slug = _unique_slug(site.name, exclude_pk=site.pk)
    if site.parent_id and site.parent_id == site.pk:
        raise ValidationError({"parent": _("Un site ne peut pas être son propre site principal.")})
    site._history_user = author
    site.full_clean(exclude=["territories", "themes", "service_levels"])
    site.save()
    for name, values in (m2m or {}).items():
        getattr(site, name).set(values)
    if creating:
        LabelStatusChange.objects.create(
            site=site,
            previous_status="",
            status=site.label_status,
            effective_on=site.label_status_since,
            comment=_("Création du site."),
            author=author,
        )
    return site


@transaction.atomic
def site_change_label_status(
    *,
    site: Site,
    status: str,
    effective_on: datetime.date | None = None,
    renewal_due_on: datetime.date | None = None,
    comment: str = "",
    author=None,
) -> Site:
    """Move a site along the label life cycle, recording the step in its history."""
    # Lock the row: two coordinators changing the status at once must not lose a step.
    site = Site.objects.select_for_update().get(pk=site.pk)
    current = LabelStatus(site.label_status)
    if status not in LabelStatus.values:
        raise ValidationError({"status": _("Statut inconnu.")})
    if status not in LABEL_TRANSITIONS[current]:
        raise ValidationError(
            {
                "status": _("Un site au statut « %(current)s » ne peut pas passer au statut « %(new)s ».")
                % {"current": current.label, "new": LabelStatus(status).label}
            }
        )
    effective_on = effective_on or timezone.localdate()
    if status == LabelStatus.LABELLED:
        if renewal_due_on is None:
            raise ValidationError({"renewal_due_on": _("Indiquez la date de renouvellement du label.")})
        if renewal_due_on <= effective_on:
            raise ValidationError({"renewal_due_on": _("Le renouvellement doit suivre la date d'effet.")})
        if current != LabelStatus.SUSPENDED or site.labelled_on is None:
            site.labelled_on = effective_on
        site.label_renewal_due_on = renewal_due_on
    LabelStatusChange.objects.create(
        site=site,
        previous_status=current,
        status=status,
        effective_on=effective_on,
        comment=comment,
        author=author,
    )
    site.label_status = status
    site.label_status_since = effective_on
    site._history_user = author
    site.save()
    return site


@transaction.atomic
def coordinator_assign(
    *,
    site: Site,
    user,
    position: str,
    start_date: datetime.date | None = None,
    end_date: datetime.date | None = None,
    author=None,
) -> CoordinatorAssignment:
    """Assign a person to coordinate a site from a date."""
    start_date = start_date or timezone.localdate()
    if CoordinatorAssignment.objects.current(start_date).filter(site=site, user=user).exists():
        raise ValidationError({"user": _("Cette personne coordonne déjà ce site à cette date.")})
    assignment = CoordinatorAssignment(
        site=site, user=user, position=position, start_date=start_date, end_date=end_date
    )
    assignment._history_user = author
    assignment.full_clean()
    assignment.save()
    return assignment


@transaction.atomic
def coordinator_unassign(
    *, assignment: CoordinatorAssignment, end_date: datetime.date | None = None, author=None
):
    """End a coordinator's assignment; they lose access to the site the day after."""
    end_date = end_date or timezone.localdate()
    if end_date < assignment.start_date:
        raise ValidationError({"end_date": _("La date de fin ne peut pas précéder la date de début.")})
    assignment.end_date = end_date
    assignment._history_user = author
    assignment.save(update_fields=["end_date", "updated_at"])
    return assignment


def label_renewal_reminders_send(*, day: datetime.date | None = None) -> int:
    """E-mail the regional coordinators every site due for label renewal, and each site coordinator
    their own due sites only; at most once a day per person. Returns the number of e-mails sent.

    No transaction: nothing is written to the database. Idempotence comes from one cache key per
    person and day, claimed with an atomic `cache.add` (SET NX on Redis) before sending and released
    if sending fails, so that a retry sends only what is missing and never sends twice.
    """
    # Imported here because this function was appended to a module shared by several writers.
    from django.conf import settings
    from django.core.cache import cache
    from django.core.mail import EmailMessage, get_connection
    from django.template.loader import render_to_string
    from django.utils import translation
    from django.utils.translation import ngettext

    from network.enums import Role
    from network.models import RoleAssignment, User
    from spro.urls_helpers import absolute_url

    day = day or timezone.localdate()
    due = list(
        Site.objects.due_for_renewal(day=day)
        .select_related("departement")
        .order_by("label_renewal_due_on", "name")
    )
    if not due:
        return 0
    due_by_id = {site.pk: site for site in due}

    # Superusers administer the platform; only people holding the role today receive the list.
    regional_coordinators = (
        User.objects.filter(is_active=True)
        .exclude(email="")
        .filter(
            pk__in=RoleAssignment.objects.current(day)
            .filter(role=Role.REGIONAL_COORDINATOR)
            .values("user_id")
        )
        .order_by("pk")
    )
    sites_by_coordinator: dict[int, tuple[User, list[Site]]] = {}
    assignments = (
        CoordinatorAssignment.objects.current(day)
        .filter(site_id__in=due_by_id, user__is_active=True)
        .exclude(user__email="")
        .select_related("user")
        .order_by("user_id", "site_id")
    )
    for assignment in assignments:
        _user, sites = sites_by_coordinator.setdefault(assignment.user_id, (assignment.user, []))
        if due_by_id[assignment.site_id] not in sites:  # Two overlapping assignments: one line.
            sites.append(due_by_id[assignment.site_id])

    platform = settings.SPRO_PLATFORM_NAME

    def rows(sites: list[Site]) -> list[dict]:
        return [
            {
                "site": site,
                "overdue": site.label_renewal_due_on < day,
                "url": absolute_url(site.get_absolute_url()),
            }
            for site in sites
        ]

    def body(template: str, user: User, sites: list[Site]) -> str:
        context = {
            "name": user.first_name or user.get_username(),
            "rows": rows(sites),
            "days": settings.SPRO_LABEL_RENEWAL_WARNING_DAYS,
            "platform": platform,
        }
        return render_to_string(f"sites/email/{template}.txt", context)

    def regional_message(user: User) -> EmailMessage:
        subject = ngettext(
            "[%(platform)s] %(count)d site à renouveler",
            "[%(platform)s] %(count)d sites à renouveler",
            len(due),
        ) % {"platform": platform, "count": len(due)}
        return EmailMessage(subject=subject, body=body("label_renewal_regional", user, due), to=[user.email])

    def coordinator_message(user: User, sites: list[Site]) -> EmailMessage:
        subject = ngettext(
            "[%(platform)s] Renouvellement du label de votre site",
            "[%(platform)s] Renouvellement du label de vos sites",
            len(sites),
        ) % {"platform": platform}
        return EmailMessage(
            subject=subject, body=body("label_renewal_coordinator", user, sites), to=[user.email]
        )

    # Mails go out in the platform's language, whoever (a worker, a command) runs this.
    with translation.override(settings.LANGUAGE_CODE):
        outgoing = [(f"regional:{user.pk}", regional_message(user)) for user in regional_coordinators]
        outgoing += [
            (f"site:{user.pk}", coordinator_message(user, sites))
            for user, sites in sites_by_coordinator.values()
        ]
    sent = 0
    with get_connection() as connection:
        for recipient, message in outgoing:
            key = f"sites:label-renewal-reminder:{day.isoformat()}:{recipient}"
            if not cache.add(key, True, timeout=2 * 24 * 3600):
                continue  # Already sent to this person today.
            try:
                message.connection = connection
                message.send()
            except Exception:
                cache.delete(key)  # Not sent: let a retry send it.
                raise
            sent += 1
    return sent
