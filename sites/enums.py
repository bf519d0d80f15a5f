from django.db import models
from django.utils.translation import gettext_lazy as _


class LabelStatus(models.TextChoices):
    PROJECT = "projet", _("Projet")
    APPLICATION = "candidature", _("Candidature")
    LABELLED = "labellise", _("Labellisé")
    SUSPENDED = "suspendu", _("Suspendu")
    WITHDRAWN = "retire", _("Retiré")


# Which label status a site may move to from each status.
LABEL_TRANSITIONS = {
    LabelStatus.PROJECT: {LabelStatus.APPLICATION, LabelStatus.WITHDRAWN},
    LabelStatus.APPLICATION: {LabelStatus.LABELLED, LabelStatus.PROJECT, LabelStatus.WITHDRAWN},
    LabelStatus.LABELLED: {LabelStatus.SUSPENDED, LabelStatus.WITHDRAWN, LabelStatus.LABELLED},
    LabelStatus.SUSPENDED: {LabelStatus.LABELLED, LabelStatus.WITHDRAWN},
    LabelStatus.WITHDRAWN: {LabelStatus.PROJECT},
}

# Statuses shown in the public directory.
PUBLIC_STATUSES = (LabelStatus.LABELLED, LabelStatus.SUSPENDED)


class CoordinatorPosition(models.TextChoices):
    CTEM = "ctem", _("Coordinateur·rice territorial·e (CTEM)")
    DIRECTOR = "director", _("Directeur·rice")
    COUNSELLOR = "counsellor", _("Conseiller·ère")


class ApplicationStatus(models.TextChoices):
    DRAFT = "brouillon", _("En préparation")
    SUBMITTED = "deposee", _("Déposée")
    INSTRUCTION = "instruction", _("En instruction")
    OPINION_GIVEN = "avis_rendu", _("Avis de la commission rendu")
    DECIDED = "decidee", _("Décision de la Région prise")
    WITHDRAWN = "retiree", _("Retirée")


class RegionDecision(models.TextChoices):
    GRANTED = "accorde", _("Label accordé")
    REFUSED = "refuse", _("Label refusé")


class DocumentKind(models.TextChoices):
    CHARTER = "charte", _("Charte signée")
    SPECIFICATIONS = "cahier_des_charges", _("Cahier des charges")
    FINANCIAL_PLAN = "plan_financement", _("Plan de financement")
    OTHER = "autre", _("Autre pièce")


class Judgement(models.TextChoices):
    YES = "oui", _("Oui")
    PARTIAL = "partiel", _("Partiel")
    NO = "non", _("Non")


class AssessmentStatus(models.TextChoices):
    DRAFT = "brouillon", _("Brouillon")
    SUBMITTED = "transmise", _("Transmise")


class PlanStatus(models.TextChoices):
    DRAFT = "brouillon", _("Brouillon")
    PROPOSED = "propose", _("Proposé")
    ARBITRATED = "arbitre", _("Arbitré")
    SENT_TO_REGION = "transmis", _("Transmis à la Région")
    VALIDATED = "valide", _("Validé")
    REVIEWED = "bilan", _("Bilan")


class Arbitration(models.TextChoices):
    KEPT = "retenue", _("Retenue")
    MODIFIED = "modifiee", _("Modifiée")
    REJECTED = "rejetee", _("Rejetée")


class ActionStatus(models.TextChoices):
    PLANNED = "prevue", _("Prévue")
    IN_PROGRESS = "en_cours", _("En cours")
    DONE = "realisee", _("Réalisée")
    CANCELLED = "annulee", _("Annulée")


class ProgressRule(models.TextChoices):
    """How a plan's progress is computed, chosen in the interface."""

    ACTIONS_DONE = "actions_realisees", _("Part des actions retenues réalisées")
    INDICATORS_MET = "indicateurs_atteints", _("Part des indicateurs ayant atteint leur cible")
    INDICATORS_AVERAGE = "taux_moyen", _("Taux moyen de réalisation des indicateurs (plafonné à 100 %)")
    BUDGET_WEIGHTED = "pondere_budget", _("Actions réalisées pondérées par le budget accordé")


class VisitPurpose(models.TextChoices):
    YEARLY_REVIEW = "bilan_annuel", _("Aide au bilan d'activité annuel")
    PROGRAMME_REVIEW = "programme", _("Point sur le programme de l'année")
    COMMITTEE_PREPARATION = "preparation_ctlp", _("Préparation du comité technique")
    FUNDING_FILE = "dossier_financement", _("Aide à un dossier de financement")
    CONFORMITY = "conformite", _("Visite de conformité")
    OTHER = "autre", _("Autre")
