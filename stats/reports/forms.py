"""Forms of the reports' pages: the list's filters, starting a run, the narrative."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sites.models import Site

from .enums import kind_label
from .models import Narrative


class ReportFilterForm(forms.Form):
    """Filters of the reports' list; sites offered are those whose reports the reader sees."""

    year = forms.TypedChoiceField(coerce=int, required=False, label=_("Année"), empty_value=None)
    site = forms.ModelChoiceField(
        queryset=Site.objects.none(),
        to_field_name="slug",
        required=False,
        label=_("Site"),
        empty_label=_("Tous"),
    )
    kind = forms.ChoiceField(required=False, label=_("Type de bilan"))
    provisional = forms.ChoiceField(
        required=False,
        label=_("Statut"),
        choices=[("", _("Tous")), ("non", _("Définitifs")), ("oui", _("Provisoires"))],
    )

    def __init__(self, *args, sites, years, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites
        self.fields["year"].choices = [("", _("Toutes")), *((year, year) for year in years)]
        self.fields["kind"].choices = [("", _("Tous")), *((kind, kind_label(kind)) for kind in kinds)]


class StartRunForm(forms.Form):
    year = forms.IntegerField(label=_("Année du bilan"), min_value=2000, max_value=2199)
    kinds = forms.MultipleChoiceField(
        label=_("Bilans à produire"), widget=forms.CheckboxSelectMultiple, required=True
    )
    provisional = forms.BooleanField(
        label=_("Version provisoire"),
        required=False,
        help_text=_(
            "Compte aussi les mois ni validés ni verrouillés ; chaque page porte la mention « provisoire »."
        ),
    )

    def __init__(self, *args, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kinds"].choices = [(kind, kind_label(kind)) for kind in kinds]
        self.fields["kinds"].initial = list(kinds)
        self.fields["year"].initial = timezone.localdate().year - 1


class NarrativeForm(forms.ModelForm):
    class Meta:
        model = Narrative
        fields = ["narrative", "perspectives"]
        widgets = {
            "narrative": forms.Textarea(attrs={"rows": 12}),
            "perspectives": forms.Textarea(attrs={"rows": 8}),
        }
        help_texts = {
            "narrative": _(
                "Faits marquants de l'année, contexte, réussites et difficultés. Aucune donnée personnelle."
            ),
            "perspectives": _("Ce que le site prévoit pour l'année suivante."),
        }
