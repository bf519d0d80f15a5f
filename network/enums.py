from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """Platform-wide roles. Site coordinators are assigned per site (sites.CoordinatorAssignment)."""

    REGIONAL_COORDINATOR = "regional_coordinator", _("Coordination régionale")
    PARTNER_MEMBER = "partner_member", _("Membre partenaire")
    OBSERVER = "observer", _("Observateur (lecture seule)")


class ApiScope(models.TextChoices):
    DIRECTORY_READ = "read:directory", _("Annuaire : territoires, organisations, sites labellisés")
    EVENTS_READ = "read:events", _("Événements et programmes territoriaux (y compris non publiés)")
    STATS_READ = "read:stats", _("Statistiques agrégées (mois validés)")
    GOVERNANCE_READ = "read:governance", _("Gouvernance : instances, réunions, décisions, plans d'actions")
    REPORTS_READ = "read:reports", _("Bilans d'activité (PDF)")
    VISITS_WRITE = "write:visits", _("Enregistrement de passages (logiciel d'accueil d'un site)")


class BodyScope(models.TextChoices):
    REGION = "region", _("Région")
    TERRITORY = "territoire", _("Territoire")
    SITE = "site", _("Site")


class MeetingStatus(models.TextChoices):
    PLANNED = "prevue", _("Prévue")
    HELD = "tenue", _("Tenue")
    CANCELLED = "annulee", _("Annulée")


class AttendanceStatus(models.TextChoices):
    INVITED = "invite", _("Invité·e")
    PRESENT = "present", _("Présent·e")
    EXCUSED = "excuse", _("Excusé·e")
    ABSENT = "absent", _("Absent·e")
    REPRESENTED = "represente", _("Représenté·e")


class MinutesStatus(models.TextChoices):
    DRAFT = "brouillon", _("Brouillon")
    SENT_FOR_REMARKS = "relecture", _("Envoyé pour remarques")
    ADOPTED = "adopte", _("Adopté")


class DecisionKind(models.TextChoices):
    FAVOURABLE = "avis_favorable", _("Avis favorable")
    UNFAVOURABLE = "avis_defavorable", _("Avis défavorable")
    POSTPONED = "ajourne", _("Ajourné")
    DECISION = "decision", _("Décision")


class DecisionStatus(models.TextChoices):
    OPEN = "ouverte", _("À faire")
    IN_PROGRESS = "en_cours", _("En cours")
    DONE = "faite", _("Faite")
    CANCELLED = "abandonnee", _("Abandonnée")


class Periodicity(models.TextChoices):
    YEARLY = "annuelle", _("Annuelle")
    HALF_YEARLY = "semestrielle", _("Semestrielle")
    QUARTERLY = "trimestrielle", _("Trimestrielle")
    MONTHLY = "mensuelle", _("Mensuelle")


class ReviewKind(models.TextChoices):
    YEARLY = "annuel", _("Bilan annuel")
    MID_TERM = "mi_parcours", _("Évaluation à mi-parcours")
    FINAL = "final", _("Évaluation finale")
