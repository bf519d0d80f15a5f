"""Forms of the action plan pages. They validate; sites.plans.services persists.

The action form offers only what a draft may change; once the plan is validated, the results form
offers only the realisation of each action and the result of each indicator.
"""

from django import forms
from django.forms import inlineformset_factory
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from network.models import Organisation
from network.models.strategy import Challenge
from spro.web.forms import preselect_single_choice

from ..enums import ActionStatus, Arbitration, PlanStatus
from ..forms import DateInput
from ..models import Site
from ..models.plans import ActionIndicator, ActionPlan, PlanAction


class PlanFilterForm(forms.Form):
    site = forms.ModelChoiceField(
        queryset=Site.objects.none(),
        required=False,
        to_field_name="slug",
        label=_("Site"),
        empty_label=_("Tous les sites"),
    )
    year = forms.IntegerField(required=False, label=_("Année"), min_value=2000, max_value=2100)
    status = forms.ChoiceField(
        choices=[("", _("Tous les états")), *PlanStatus.choices], required=False, label=_("État")
    )

    def __init__(self, *args, sites, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites


class PlanCreateForm(forms.Form):
    site = forms.ModelChoiceField(queryset=Site.objects.none(), label=_("Site"), to_field_name="slug")
    year = forms.IntegerField(label=_("Année"), min_value=2000, max_value=2100)
    summary = forms.CharField(
        label=_("Orientations de l'année"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )

    def __init__(self, *args, sites, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites
        preselect_single_choice(self, "site")
        self.fields["year"].initial = timezone.localdate().year + 1


class PlanSummaryForm(forms.ModelForm):
    class Meta:
        model = ActionPlan
        fields = ["summary"]
        widgets = {"summary": forms.Textarea(attrs={"rows": 4})}


class ProgressRuleForm(forms.ModelForm):
    class Meta:
        model = ActionPlan
        fields = ["progress_rule"]


class PlanActionForm(forms.ModelForm):
    """What a draft action holds. Budget granted, arbitration and realisation are not offered."""

    class Meta:
        model = PlanAction
        fields = [
            "title",
            "regional_axis",
            "description",
            "target_publics",
            "partners",
            "start_date",
            "end_date",
            "budget_requested",
        ]
        widgets = {
            "start_date": DateInput(),
            "end_date": DateInput(),
            "description": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["regional_axis"].queryset = Challenge.objects.all()
        self.fields["regional_axis"].empty_label = _("Aucun axe")
        self.fields["partners"].queryset = Organisation.objects.order_by("name")

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("La fin doit suivre le début."))
        return data


IndicatorFormSet = inlineformset_factory(
    PlanAction,
    ActionIndicator,
    fields=["label", "unit", "target"],
    extra=2,
    can_delete=True,
)


class TransitionForm(forms.Form):
    comment = forms.CharField(
        label=_("Commentaire"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


def _result_field_name(indicator) -> str:
    return f"result_{indicator.pk}"


class ResultsForm(forms.Form):
    """One realisation per kept action, one result per indicator: nothing else."""

    def __init__(self, *args, actions, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = []
        for action in actions:
            status_name = f"status_{action.pk}"
            self.fields[status_name] = forms.ChoiceField(
                choices=ActionStatus.choices,
                initial=action.status,
                label=_("Réalisation de « %(title)s »") % {"title": action.title},
            )
            indicator_names = []
            for indicator in action.indicators.all():
                name = _result_field_name(indicator)
                self.fields[name] = forms.DecimalField(
                    required=False,
                    min_value=0,
                    max_digits=12,
                    decimal_places=2,
                    initial=indicator.result,
                    label=_("%(label)s (cible : %(target)s %(unit)s)")
                    % {
                        "label": indicator.label,
                        "target": indicator.target.normalize(),
                        "unit": indicator.unit,
                    },
                )
                indicator_names.append(name)
            self.rows.append((action, self[status_name], [self[n] for n in indicator_names]))

    def action_statuses(self) -> dict[int, str]:
        return {
            int(name.removeprefix("status_")): value
            for name, value in self.cleaned_data.items()
            if name.startswith("status_")
        }

    def indicator_results(self) -> dict:
        return {
            int(name.removeprefix("result_")): value
            for name, value in self.cleaned_data.items()
            if name.startswith("result_")
        }


class ArbitrationForm(forms.Form):
    """The steering committee's arbitration, action by action."""

    comment = forms.CharField(
        label=_("Commentaire du comité de pilotage"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, actions, **kwargs):
        super().__init__(*args, **kwargs)
        self.actions = list(actions)
        self.rows = []
        for action in self.actions:
            names = (f"arbitration_{action.pk}", f"comment_{action.pk}", f"budget_{action.pk}")
            self.fields[names[0]] = forms.ChoiceField(
                choices=[("", "—"), *Arbitration.choices],
                initial=action.arbitration,
                label=_("Arbitrage"),
            )
            self.fields[names[1]] = forms.CharField(
                required=False,
                initial=action.arbitration_comment,
                label=_("Commentaire"),
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text=_("Obligatoire pour une action modifiée ou rejetée."),
            )
            self.fields[names[2]] = forms.DecimalField(
                required=False,
                min_value=0,
                max_digits=12,
                decimal_places=2,
                initial=action.budget_granted
                if action.budget_granted is not None
                else action.budget_requested,
                label=_("Budget accordé (€)"),
                help_text=_(
                    "Pris en compte pour une action modifiée ; une action retenue reçoit le budget demandé."
                ),
            )
            self.rows.append((action, [self[name] for name in names]))

    def clean(self):
        data = super().clean()
        for action in self.actions:
            arbitration = data.get(f"arbitration_{action.pk}")
            if (
                arbitration in (Arbitration.MODIFIED, Arbitration.REJECTED)
                and not (data.get(f"comment_{action.pk}") or "").strip()
            ):
                self.add_error(f"comment_{action.pk}", _("Expliquez cet arbitrage."))
        return data

    def decisions(self) -> dict[int, dict]:
        data = self.cleaned_data
        return {
            action.pk: {
                "arbitration": data.get(f"arbitration_{action.pk}"),
                "comment": data.get(f"comment_{action.pk}", ""),
                "budget_granted": data.get(f"budget_{action.pk}"),
            }
            for action in self.actions
        }
