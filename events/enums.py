"""Choices of the events app, with their French labels."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class EventStatus(models.TextChoices):
    PLANNED = "prevu", _("Prévu")
    CONFIRMED = "confirme", _("Confirmé")
    HELD = "realise", _("Réalisé")
    CANCELLED = "annule", _("Annulé")
    POSTPONED = "reporte", _("Reporté")


class AttendanceMode(models.TextChoices):
    IN_PERSON = "presentiel", _("En présentiel")
    ONLINE = "distanciel", _("En ligne")
    HYBRID = "hybride", _("Hybride (sur place et en ligne)")


class Registration(models.TextChoices):
    NONE = "libre", _("Entrée libre, sans inscription")
    ORGANISER = "organisateur", _("Inscription auprès de l'organisateur")
    PARTNER = "partenaire", _("Inscription auprès d'un partenaire")


class Satisfaction(models.TextChoices):
    """The short satisfaction count taken at the end of an event (numbers of answers)."""

    SATISFIED = "satisfait", _("Satisfaits")
    NEUTRAL = "mitige", _("Mitigés")
    DISSATISFIED = "insatisfait", _("Insatisfaits")
