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
