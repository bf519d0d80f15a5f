"""Choices of the yearly reports, with their French labels."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportKind(models.TextChoices):
    """The kinds built today. ReportFile.kind is a plain code (no database choices), so that another
    kind registered in documents.KINDS (the strategy's reviews) needs no migration."""

    SITE = "site", _("Bilan d'activité du site")
    REGION = "region", _("Bilan régional consolidé")
    GOVERNANCE = "governance", _("Bilan de la gouvernance")


def kind_label(kind: str) -> str:
    try:
        return str(ReportKind(kind).label)
    except ValueError:
        return kind


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("En attente")
    RUNNING = "running", _("En cours")
    DONE = "done", _("Terminée")
    FAILED = "failed", _("Terminée avec des erreurs")


class NarrativeStatus(models.TextChoices):
    DRAFT = "draft", _("Brouillon")
    FINAL = "final", _("Définitif")
