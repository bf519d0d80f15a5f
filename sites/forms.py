"""Forms of the sites pages. They validate; sites.services persists."""

from django import forms
from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from network.models import Organisation, Territory

from .enums import LABEL_TRANSITIONS, CoordinatorPosition, LabelStatus
from .models import ServiceLevel, Site, SiteKind, Theme


class DateInput(forms.DateInput):
    """A native date picker: the value must be ISO whatever the locale's display format."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def formfield_for_dbfield(db_field, **kwargs):
    """Model form fields, with web addresses typed without a scheme read as https (Django 6 default)."""
    if isinstance(db_field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return db_field.formfield(**kwargs)


def _active_or_selected(queryset, selected_ids):
    """Reference items valid today, plus those the object already has.

    Items no longer valid are not offered for new choices, but an edit of something else must
    not silently drop them from a site that still carries them.
    """
    return queryset.filter(Q(pk__in=queryset.active_on().values("pk")) | Q(pk__in=selected_ids))


PRACTICAL_FIELDS = [
    "address",
    "postcode",
    "commune",
    "opening_hours",
    "phone",
    "email",
    "website",
    "public_description",
    "accessibility",
    "themes",
    "service_levels",
]

M2M_FIELDS = ("territories", "themes", "service_levels")


class SitePracticalForm(forms.ModelForm):
    """What the site coordinator keeps up to date: address, hours, contact, offer."""

    class Meta:
        model = Site
        fields = PRACTICAL_FIELDS
        formfield_callback = formfield_for_dbfield
        widgets = {
            "opening_hours": forms.Textarea(attrs={"rows": 4}),
            "public_description": forms.Textarea(attrs={"rows": 5}),
            "themes": forms.CheckboxSelectMultiple,
            "service_levels": forms.CheckboxSelectMultiple,
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
            "postcode": forms.TextInput(attrs={"autocomplete": "postal-code", "inputmode": "numeric"}),
        }
        help_texts = {
            "opening_hours": _("Par exemple : lundi au vendredi, 9 h – 12 h 30 et 13 h 30 – 17 h."),
            "accessibility": _("Accès aux personnes à mobilité réduite, transports en commun…"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        themes = self.instance.themes.values_list("pk", flat=True) if self.instance.pk else []
        levels = self.instance.service_levels.values_list("pk", flat=True) if self.instance.pk else []
        self.fields["themes"].queryset = _active_or_selected(Theme.objects.all(), themes)
        self.fields["service_levels"].queryset = _active_or_selected(ServiceLevel.objects.all(), levels)

    def clean(self):
        cleaned = super().clean()
        # Browsers send multi-line text with CRLF: store LF, or the history shows changes nobody made.
        for name, value in cleaned.items():
            if isinstance(value, str) and "\r" in value:
                cleaned[name] = value.replace("\r\n", "\n").replace("\r", "\n")
        return cleaned

    def m2m_values(self) -> dict:
        """The many-to-many values for sites.services.site_save."""
        return {name: self.cleaned_data[name] for name in M2M_FIELDS if name in self.cleaned_data}


class SiteForm(SitePracticalForm):
    """The whole identity of a site, kept by the regional coordination."""

    class Meta(SitePracticalForm.Meta):
        fields = [
            "name",
            "kind",
            "host",
            "parent",
            "departement",
            "territories",
            "latitude",
            "longitude",
            *PRACTICAL_FIELDS,
        ]
        widgets = {
            **SitePracticalForm.Meta.widgets,
            "territories": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        kind_id = [self.instance.kind_id] if self.instance.kind_id else []
        self.fields["kind"].queryset = _active_or_selected(SiteKind.objects.all(), kind_id)
        self.fields["host"].queryset = Organisation.objects.order_by("name")
        self.fields["departement"].queryset = Territory.objects.of_kind("departement").order_by("code")
        self.fields["territories"].queryset = Territory.objects.exclude(kind__code="departement").order_by(
            "kind__order", "name"
        )
        parents = Site.objects.order_by("name")
        if self.instance.pk:
            parents = parents.exclude(pk=self.instance.pk)
        self.fields["parent"].queryset = parents
        self.fields["parent"].empty_label = _("Aucun (site autonome)")


class LabelStatusForm(forms.Form):
    """One step of the label life cycle; sites.services decides whether the step is allowed."""

    status = forms.ChoiceField(
        label=_("Nouveau statut"), choices=[("", _("Choisir un statut")), *LabelStatus.choices]
    )
    effective_on = forms.DateField(label=_("Date d'effet"), widget=DateInput, initial=timezone.localdate)
    renewal_due_on = forms.DateField(
        label=_("Date de renouvellement du label"),
        widget=DateInput,
        required=False,
        help_text=_("Obligatoire quand le site est labellisé (ou que son label est renouvelé)."),
    )
    comment = forms.CharField(
        label=_("Commentaire"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("Référence de l'avis de la commission ou de la décision de la Région, motif…"),
    )

    def __init__(self, *args, site: Site, **kwargs):
        super().__init__(*args, **kwargs)
        current = LabelStatus(site.label_status)
        allowed = sorted(LABEL_TRANSITIONS[current], key=lambda s: LabelStatus.values.index(s))
        self.fields["status"].help_text = _(
            "Depuis le statut « %(current)s », statuts possibles : %(allowed)s."
        ) % {
            "current": current.label,
            "allowed": ", ".join(str(LabelStatus(s).label) for s in allowed),
        }
        if site.label_renewal_due_on:
            self.fields["renewal_due_on"].initial = site.label_renewal_due_on


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.get_full_name() or obj.username} ({obj.username})"


class CoordinatorAssignForm(forms.Form):
    user = UserChoiceField(label=_("Personne"), queryset=get_user_model().objects.none())
    position = forms.ChoiceField(
        label=_("Fonction"), choices=CoordinatorPosition.choices, initial=CoordinatorPosition.CTEM
    )
    start_date = forms.DateField(label=_("Début"), widget=DateInput, initial=timezone.localdate)
    end_date = forms.DateField(
        label=_("Fin"),
        widget=DateInput,
        required=False,
        help_text=_("Laisser vide si l'affectation n'a pas de fin prévue."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = (
            get_user_model().objects.filter(is_active=True).order_by("last_name", "first_name", "username")
        )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("La date de fin ne peut pas précéder la date de début."))
        return cleaned


class CoordinatorEndForm(forms.Form):
    end_date = forms.DateField(
        label=_("Dernier jour de coordination"),
        widget=DateInput,
        initial=timezone.localdate,
        help_text=_("La personne perd l'accès au site le lendemain de cette date."),
    )
