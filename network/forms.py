"""Forms of the network pages. They validate; network.services persists."""

import logging
import unicodedata

from django import forms
from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from spro.http import client_ip, over_limit
from spro.models import validate_date_range

from .enums import ApiScope, Role
from .models import ApiToken, Organisation, OrganisationKind, Territory, User

logger = logging.getLogger(__name__)


class DateInput(forms.DateInput):
    """A native date picker; the ISO value is what browsers send and Django always accepts."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class OrganisationForm(forms.ModelForm):
    # Declared for assume_scheme: a bare "exemple.fr" becomes https://exemple.fr.
    website = forms.URLField(
        label=capfirst(Organisation._meta.get_field("website").verbose_name),
        required=False,
        assume_scheme="https",
    )

    class Meta:
        model = Organisation
        fields = [
            "name",
            "acronym",
            "kind",
            "is_spro_member",
            "spro_recognised_on",
            "spro_recognition_ends_on",
            "address",
            "postcode",
            "commune",
            "departement",
            "phone",
            "email",
            "website",
            "contact_name",
            "notes",
        ]
        widgets = {
            "spro_recognised_on": DateInput(),
            "spro_recognition_ends_on": DateInput(),
            "notes": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Only kinds valid today are offered, but an organisation keeps a kind that has since expired.
        kinds = Q(pk__in=OrganisationKind.objects.active_on().values("pk"))
        if self.instance.kind_id:
            kinds |= Q(pk=self.instance.kind_id)
        self.fields["kind"].queryset = OrganisationKind.objects.filter(kinds)
        self.fields["departement"].queryset = Territory.objects.of_kind("departement").order_by("code")


class PersonForm(forms.ModelForm):
    """A new person: no password is set here, they choose it through "mot de passe oublié"."""

    class Meta:
        model = User
        fields = ["username", "first_name", "last_name", "email", "organisation", "position", "phone"]
        labels = {"username": _("Identifiant")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("first_name", "last_name", "email"):
            self.fields[name].required = True
        self.fields["email"].help_text = _(
            "Le lien pour choisir un mot de passe est envoyé à cette adresse quand la personne le demande."
        )
        self.fields["organisation"].queryset = Organisation.objects.order_by("name")

    def clean_email(self):
        email = self.cleaned_data["email"]
        # The password reset e-mail goes to every account with this address: keep it unique.
        if User.objects.filter(email__iexact=email).exclude(pk=self.instance.pk).exists():
            raise ValidationError(_("Une personne utilise déjà cette adresse de courriel."))
        return email


class RoleAssignmentForm(forms.Form):
    role = forms.ChoiceField(label=_("Rôle"), choices=Role.choices)
    organisation = forms.ModelChoiceField(
        label=_("Au titre de l'organisation"),
        queryset=Organisation.objects.order_by("name"),
        required=False,
        help_text=_("Obligatoire pour un membre partenaire."),
    )
    start_date = forms.DateField(label=_("Début"), initial=timezone.localdate, widget=DateInput())
    end_date = forms.DateField(label=_("Fin"), required=False, widget=DateInput())

    def clean(self):
        cleaned = super().clean()
        validate_date_range(cleaned.get("start_date"), cleaned.get("end_date"))
        return cleaned


class RoleEndForm(forms.Form):
    end_date = forms.DateField(
        label=_("Date de fin"),
        initial=timezone.localdate,
        widget=DateInput(),
        help_text=_("Le rôle reste valable jusqu'à ce jour inclus ; l'historique est conservé."),
    )


class InvitationPasswordResetForm(PasswordResetForm):
    """Also sends the link to people created without a password, so they can choose their first one.

    Django skips accounts with an unusable password (meant for single sign-on users); here every
    account logs in with a password, and a new person sets theirs through this very form.
    """

    def save(self, *args, request=None, **kwargs):
        """Sends at most SPRO_PASSWORD_RESET_PER_HOUR e-mails an hour to one address, and as many
        requests an hour from one client: a flood of requests must not become a flood of e-mails.
        Past the limit the page answers the same as ever (it never tells whether an address exists),
        but no e-mail leaves."""
        limit = settings.SPRO_PASSWORD_RESET_PER_HOUR
        address = salted_hmac("network.password-reset", _normalised(self.cleaned_data["email"])).hexdigest()
        over_address = over_limit(f"password-reset:email:{address}", limit=limit, seconds=3600)
        over_client = request is not None and over_limit(
            f"password-reset:client:{client_ip(request)}", limit=limit * 3, seconds=3600
        )
        if over_address or over_client:
            logger.warning(
                "Demande de réinitialisation de mot de passe ignorée : trop de demandes en une heure."
            )
            return
        super().save(*args, request=request, **kwargs)

    def get_users(self, email):
        wanted = _normalised(email)
        return (
            user
            for user in User.objects.filter(email__iexact=email, is_active=True)
            if _normalised(user.email) == wanted
        )


def _normalised(email: str) -> str:
    # The same comparison as Django's own form: iexact in SQL is not Unicode-aware everywhere.
    return unicodedata.normalize("NFKC", email).casefold()


class ApiTokenForm(forms.Form):
    """A new API token for a partner organisation: what it may read or write, and where."""

    organisation = forms.ModelChoiceField(
        label=_("Organisation partenaire"), queryset=Organisation.objects.order_by("name")
    )
    name = forms.CharField(
        label=_("Nom du jeton"),
        max_length=ApiToken._meta.get_field("name").max_length,
        help_text=_("À quoi il sert, pour le retrouver : « Entrepôt de données », « Logiciel d'accueil »…"),
    )
    scopes = forms.MultipleChoiceField(
        label=_("Portées"), choices=ApiScope.choices, widget=forms.CheckboxSelectMultiple
    )
    territories = forms.ModelMultipleChoiceField(
        label=_("Limité aux territoires"),
        queryset=Territory.objects.select_related("kind"),
        required=False,
        help_text=_(
            "Vide : tout le réseau. Sinon, le jeton ne lit et n'écrit que les sites de ces territoires."
        ),
    )
    sites = forms.ModelMultipleChoiceField(
        label=_("Limité aux sites"),
        # The sites app declares the binding (Site.api_tokens); the model is reached in reverse.
        queryset=ApiToken._meta.get_field("sites").related_model.objects.order_by("name"),
        required=False,
        help_text=_("Obligatoire pour la portée « write:visits » : le logiciel d'accueil d'un site."),
    )
    expires_on = forms.DateField(
        label=_("Expire le"), required=False, widget=DateInput(), help_text=_("Vide : sans limite de durée.")
    )

    def clean(self):
        cleaned = super().clean()
        if ApiScope.VISITS_WRITE in cleaned.get("scopes", []) and not cleaned.get("sites"):
            self.add_error("sites", _("Un jeton qui enregistre des passages doit être lié à un site."))
        return cleaned


class ApiTokenFilterForm(forms.Form):
    STATES = [("", _("Tous")), ("actifs", _("Actifs")), ("inactifs", _("Révoqués ou expirés"))]
    q = forms.CharField(label=_("Organisation ou nom du jeton"), required=False, max_length=100)
    etat = forms.ChoiceField(label=_("État"), choices=STATES, required=False)
