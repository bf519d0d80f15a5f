"""Forms of the regional strategy."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import Organisation
from ..models.strategy import (
    Challenge,
    Indicator,
    IndicatorValue,
    Milestone,
    Priority,
    StrategicAction,
    Strategy,
    StrategyReview,
)

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class StrategyForm(forms.ModelForm):
    class Meta:
        model = Strategy
        fields = ["title", "start_year", "end_year", "summary"]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_year"), cleaned.get("end_year")
        if start and end and end < start:
            self.add_error("end_year", _("La dernière année ne peut pas précéder la première."))
        return cleaned


class PriorityForm(forms.ModelForm):
    class Meta:
        model = Priority
        fields = ["code", "title", "order"]


class ChallengeForm(forms.ModelForm):
    class Meta:
        model = Challenge
        fields = ["code", "title", "order"]


class StrategicActionForm(forms.ModelForm):
    class Meta:
        model = StrategicAction
        fields = ["code", "title", "description", "pilot", "partners", "follow_up_method"]
        widgets = {"partners": forms.SelectMultiple(attrs={"size": 8})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        organisations = Organisation.objects.order_by("name")
        self.fields["pilot"].queryset = organisations
        self.fields["partners"].queryset = organisations


class MilestoneForm(forms.ModelForm):
    class Meta:
        model = Milestone
        fields = ["label", "due_on", "done_on"]
        widgets = {"due_on": DATE_INPUT, "done_on": DATE_INPUT}


class IndicatorForm(forms.ModelForm):
    class Meta:
        model = Indicator
        fields = ["code", "label", "unit", "source", "periodicity", "target", "is_active"]
        help_texts = {"code": _("Lettres minuscules, chiffres et tirets : il identifie l'indicateur.")}


class IndicatorValueForm(forms.ModelForm):
    class Meta:
        model = IndicatorValue
        fields = ["year", "value", "comment"]


class StrategyReviewForm(forms.ModelForm):
    class Meta:
        model = StrategyReview
        fields = ["kind", "year", "text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 14})}
