"""Forms of the professionalisation sessions: the session and its participants by organisation."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import Organisation
from ..models.governance import ProfessionalisationSession

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class SessionForm(forms.ModelForm):
    class Meta:
        model = ProfessionalisationSession
        fields = ["theme", "starts_on", "days", "place", "trainer", "notes"]
        widgets = {"starts_on": DATE_INPUT}

    def clean_days(self):
        days = self.cleaned_data["days"]
        if days is not None and days <= 0:
            raise forms.ValidationError(_("La durée doit être positive."))
        return days


class ParticipationForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.order_by("name"), required=False
    )
    participants = forms.IntegerField(label=_("Participants"), min_value=1, max_value=999, required=False)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("organisation") and not cleaned.get("participants"):
            self.add_error("participants", _("Indiquez le nombre de participants."))
        if cleaned.get("participants") and not cleaned.get("organisation"):
            self.add_error("organisation", _("Choisissez l'organisation."))
        return cleaned


class BaseParticipationFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        seen = set()
        for form in self.forms:
            organisation = form.cleaned_data.get("organisation")
            if organisation is None:
                continue
            if organisation.pk in seen:
                raise forms.ValidationError(
                    _("L'organisation « %(name)s » figure deux fois.") % {"name": organisation}
                )
            seen.add(organisation.pk)

    def lines(self) -> list[tuple]:
        return [
            (form.cleaned_data["organisation"], form.cleaned_data["participants"])
            for form in self.forms
            if form.cleaned_data.get("organisation")
        ]


ParticipationFormSet = forms.formset_factory(
    ParticipationForm, formset=BaseParticipationFormSet, extra=3, max_num=60, validate_max=True
)
