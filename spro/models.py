"""Building blocks shared by every app's models."""

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ReferenceQuerySet(models.QuerySet):
    def active_on(self, day: datetime.date | None = None):
        """Items valid on the given day (today by default): lists change over the years."""
        day = day or timezone.localdate()
        return self.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=day)).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=day)
        )


class ReferenceItem(models.Model):
    """An entry of a reference list edited by the regional coordination (code, label, order, dates)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    label = models.CharField(_("libellé"), max_length=150)
    order = models.PositiveSmallIntegerField(_("ordre"), default=0)
    valid_from = models.DateField(_("valide à partir du"), null=True, blank=True)
    valid_until = models.DateField(_("valide jusqu'au"), null=True, blank=True)

    objects = ReferenceQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["order", "label"]

    def __str__(self):
        return self.label

    def clean(self):
        super().clean()
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            raise ValidationError({"valid_until": _("La date de fin doit suivre la date de début.")})


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        abstract = True


class DatedQuerySet(models.QuerySet):
    """Rows with a start_date and an optional end_date (assignments, mandates)."""

    def current(self, day: datetime.date | None = None):
        """Rows in force on the given day (today by default): started and not yet ended."""
        day = day or timezone.localdate()
        return self.filter(start_date__lte=day).filter(Q(end_date__isnull=True) | Q(end_date__gte=day))


def validate_date_range(start, end, field="end_date"):
    if start and end and end < start:
        raise ValidationError({field: _("La date de fin ne peut pas précéder la date de début.")})
