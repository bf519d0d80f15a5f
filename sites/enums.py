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
