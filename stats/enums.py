from django.db import models
from django.utils.translation import gettext_lazy as _


class PeriodStatus(models.TextChoices):
    OPEN = "ouverte", _("Ouverte")
    SUBMITTED = "soumise", _("Soumise")
    VALIDATED = "validee", _("Validée")
    LOCKED = "verrouillee", _("Verrouillée")


class PeriodMode(models.TextChoices):
    DETAILED = "detail", _("Saisie détaillée (passage par passage)")
    AGGREGATE = "agrege", _("Totaux mensuels (saisie agrégée)")


class HalfDay(models.TextChoices):
    MORNING = "matin", _("Matin")
    AFTERNOON = "apres-midi", _("Après-midi")


class Dimension(models.TextChoices):
    """The breakdowns of a month's visits; each count is also kept by sex."""

    TOTAL = "total", _("Total")
    CONTACT_KIND = "contact_kind", _("Type de contact")
    AGE_BAND = "age_band", _("Tranche d'âge")
    SITUATION = "situation", _("Situation")
    EDUCATION_LEVEL = "education_level", _("Niveau de formation")
    CHANNEL = "channel", _("Canal (comment ils sont venus)")
    THEME = "theme", _("Thème")
    SERVICE_LEVEL = "service_level", _("Niveau de service")
    REFERRAL = "referral", _("Orientation vers")


# Dimensions a visit holds several values of.
MULTI_VALUED = (Dimension.THEME, Dimension.REFERRAL)


class PeriodAction(models.TextChoices):
    SUBMIT = "submit", _("Soumission")
    VALIDATE = "validate", _("Validation")
    LOCK = "lock", _("Verrouillage")
    REOPEN = "reopen", _("Réouverture")
    DATA_CHANGE = "data_change", _("Modification des données")
    IMPORT = "import", _("Import")
