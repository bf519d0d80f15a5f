"""Forms of the statistics pages. They validate; stats.services persists.

No form here asks for anything that identifies a visitor: a visit is a set of reference-list
choices, and the only free text of the statistics (the satisfaction comment) lives elsewhere.
"""

import datetime

from django import forms
from django.conf import settings
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from sites.models import ServiceLevel, Site, Theme

from .enums import Dimension, HalfDay, PeriodStatus
from .models import (
    DIMENSION_MODELS,
    AgeBand,
    Channel,
    ContactKind,
    EducationLevel,
    ReferralTarget,
    Sex,
    Situation,
    first_of_month,
    next_month,
)
from .services import aggregate_check


class DateInput(forms.DateInput):
    """A native date picker: the value must be ISO whatever the locale's display format."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class FocusRadioSelect(forms.RadioSelect):
    """Radio buttons whose checked option (else the first) carries `autofocus` when asked.

    The desk's first field takes the focus as the page opens (the browser's autofocus) and after
    an htmx swap (htmx focuses [autofocus]), without a script of its own.
    """

    autofocus = False

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        if self.autofocus:
            options = [option for _group, group, _index in context["widget"]["optgroups"] for option in group]
            target = next(
                (option for option in options if option["selected"]), options[0] if options else None
            )
            if target is not None:
                target["attrs"] = {**target["attrs"], "autofocus": True}
        return context


def half_day_now() -> str:
    """The half-day a desk is in right now: the morning ends at 13:00."""
    return HalfDay.MORNING if timezone.localtime().hour < 13 else HalfDay.AFTERNOON


def parse_day(value) -> datetime.date | None:
    """A day typed in a form or a URL (ISO), or None when it is not one."""
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value or "").strip())
    except ValueError:
        return None


def _offered(model, day: datetime.date, selected_ids=()):
    """Items valid on the day, plus those a visit already holds (an old item stays on a correction)."""
    return model.objects.filter(Q(pk__in=model.objects.active_on(day).values("pk")) | Q(pk__in=selected_ids))


# The visit's reference choices: (field name, model, required, several values).
VISIT_CHOICES = (
    ("contact_kind", ContactKind, True, False),
    ("sex", Sex, True, False),
    ("age_band", AgeBand, False, False),
    ("situation", Situation, False, False),
    ("education_level", EducationLevel, False, False),
    ("channel", Channel, False, False),
    ("themes", Theme, False, True),
    ("service_level", ServiceLevel, False, False),
    ("referrals", ReferralTarget, False, True),
)
SCALAR_CHOICES = tuple(name for name, _model, _required, many in VISIT_CHOICES if not many)
MULTI_CHOICES = tuple(name for name, _model, _required, many in VISIT_CHOICES if many)


class VisitForm(forms.Form):
    """One anonymous visit, as radio buttons and checkboxes: quick to fill in with a keyboard or a finger.

    The visitor's choices come first (the first one takes the focus after each save), the date and
    half-day last: at a desk they rarely change.
    """

    contact_kind = forms.ModelChoiceField(
        queryset=ContactKind.objects.none(), label=_("Type de contact"), widget=FocusRadioSelect
    )
    sex = forms.ModelChoiceField(queryset=Sex.objects.none(), label=_("Sexe"), widget=forms.RadioSelect)
    age_band = forms.ModelChoiceField(
        queryset=AgeBand.objects.none(),
        label=_("Tranche d'âge"),
        required=False,
        blank=True,
        empty_label=_("Non renseigné"),
        widget=forms.RadioSelect,
    )
    situation = forms.ModelChoiceField(
        queryset=Situation.objects.none(),
        label=_("Situation"),
        required=False,
        blank=True,
        empty_label=_("Non renseigné"),
        widget=forms.RadioSelect,
    )
    education_level = forms.ModelChoiceField(
        queryset=EducationLevel.objects.none(),
        label=_("Niveau de formation"),
        required=False,
        blank=True,
        empty_label=_("Non renseigné"),
        widget=forms.RadioSelect,
    )
    channel = forms.ModelChoiceField(
        queryset=Channel.objects.none(),
        label=_("Comment avez-vous connu le lieu ?"),
        required=False,
        blank=True,
        empty_label=_("Non renseigné"),
        widget=forms.RadioSelect,
    )
    themes = forms.ModelMultipleChoiceField(
        queryset=Theme.objects.none(),
        label=_("Thèmes de la demande"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Plusieurs choix possibles."),
    )
    service_level = forms.ModelChoiceField(
        queryset=ServiceLevel.objects.none(),
        label=_("Niveau de service rendu"),
        required=False,
        blank=True,
        empty_label=_("Non renseigné"),
        widget=forms.RadioSelect,
    )
    referrals = forms.ModelMultipleChoiceField(
        queryset=ReferralTarget.objects.none(),
        label=_("Orientation vers"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Plusieurs choix possibles ; aucun si la personne n'a pas été orientée."),
    )
    visited_on = forms.DateField(label=_("Date du passage"), widget=DateInput)
    half_day = forms.ChoiceField(
        label=_("Demi-journée"),
        choices=[("", _("Non précisée")), *HalfDay.choices],
        required=False,
        widget=forms.RadioSelect,
    )

    def __init__(
        self,
        *args,
        day: datetime.date | None = None,
        selected: dict | None = None,
        autofocus: bool = False,
        **kwargs,
    ):
        """`day`: the day shown; `selected`: the ids an edited visit holds (kept even if no longer valid);
        `autofocus`: the first field takes the focus when the form is drawn (the visit desk)."""
        super().__init__(*args, **kwargs)
        self.fields["contact_kind"].widget.autofocus = autofocus
        today = timezone.localdate()
        # The lists offered are those valid on the day of the visit: typed, else shown, else today.
        if self.is_bound:
            day = parse_day(self.data.get(self.add_prefix("visited_on"))) or day
        day = min(day or today, today)
        selected = selected or {}
        for name, model, _required, many in VISIT_CHOICES:
            field = self.fields[name]
            ids = selected.get(name) or []
            ids = ids if many else [ids]
            field.queryset = _offered(model, day, [i for i in ids if i])
            field.widget.attrs["class"] = "choices"
        self.fields["visited_on"].widget.attrs.update({"max": today.isoformat(), "class": "desk-date"})
        self.fields["half_day"].widget.attrs["class"] = "choices"

    def clean_visited_on(self):
        day = self.cleaned_data["visited_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("La date du passage ne peut pas être dans le futur."))
        return day

    def service_values(self) -> dict:
        """The cleaned choices as stats.services.visit_record / visit_update take them."""
        data = self.cleaned_data
        values = {name: data.get(name) for name in SCALAR_CHOICES}
        values.update(visited_on=data["visited_on"], half_day=data.get("half_day") or "")
        values.update({name: list(data.get(name) or []) for name in MULTI_CHOICES})
        return values

    def memory(self) -> dict:
        """The choices to offer again on the next visit (ids only: the session stores JSON)."""
        data = self.cleaned_data
        memory = {name: data[name].pk if data.get(name) else None for name in SCALAR_CHOICES}
        memory.update({name: [item.pk for item in data.get(name) or []] for name in MULTI_CHOICES})
        memory["half_day"] = data.get("half_day") or ""
        return memory


def visit_initial(visit) -> dict:
    """A visit's values as the VisitForm's initial data (and the ids it holds, for `selected`)."""
    initial = {name: getattr(visit, f"{name}_id") for name in SCALAR_CHOICES}
    initial.update(
        themes=[t.pk for t in visit.themes.all()],
        referrals=[r.pk for r in visit.referrals.all()],
        visited_on=visit.visited_on,
        half_day=visit.half_day,
    )
    return initial


# --- Aggregate entry -----------------------------------------------------------------------------


def _items_of_month(model, month: datetime.date, used_ids):
    """Items valid at some point of the month, plus those already counted (an old item keeps its count)."""
    month_end = next_month(month) - datetime.timedelta(days=1)
    valid = (Q(valid_from__isnull=True) | Q(valid_from__lte=month_end)) & (
        Q(valid_until__isnull=True) | Q(valid_until__gte=month)
    )
    return list(model.objects.filter(valid | Q(pk__in=used_ids)))


class AggregateForm(forms.Form):
    """A month's totals for a site that keeps its own tool: one grid per breakdown, one column per sex.

    Fields are named `<dimension>__<item id>__<sex id>`; item 0 is the total, or "not given" in a
    breakdown. Empty cells count as 0. The blocking rules are stats.services.aggregate_check: they
    are run here so that the numbers typed stay on screen with the explanation.
    """

    def __init__(self, *args, month: datetime.date, existing: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.month = first_of_month(month)
        self.warnings: list[str] = []
        used = {}
        for dimension, item, _sex in existing:
            used.setdefault(dimension, set()).add(item)
        used_sexes = {sex for (_d, _i, sex) in existing}
        self.sexes = _items_of_month(Sex, self.month, used_sexes)
        # The import's ceiling too (stats.imports): a typo of a few zeros is not a month's visits, and
        # the database's integers end at 2^31.
        ceiling = settings.SPRO_MAX_MONTHLY_COUNT
        too_large = _("Au plus %(max)s passages par mois dans une case : vérifiez ce nombre.") % {
            "max": formats.number_format(ceiling, force_grouping=True)
        }
        self.grids = []
        for dimension in Dimension:
            if dimension == Dimension.TOTAL:
                items = [(0, _("Nombre total de passages"))]
            else:
                model = DIMENSION_MODELS[dimension]
                items = [
                    (item.pk, item.label)
                    for item in _items_of_month(model, self.month, used.get(dimension, ()))
                ]
                not_given = _("Aucune orientation") if dimension == Dimension.REFERRAL else _("Non renseigné")
                items.append((0, not_given))
            rows = []
            for item_id, label in items:
                cells = []
                for sex in self.sexes:
                    name = f"{dimension.value}__{item_id}__{sex.pk}"
                    self.fields[name] = forms.IntegerField(
                        label=f"{label} — {sex.label}",
                        required=False,
                        max_value=ceiling,
                        error_messages={"max_value": too_large},
                        initial=existing.get((dimension.value, item_id, sex.pk)),
                        widget=forms.NumberInput(attrs={"min": 0, "step": 1, "inputmode": "numeric"}),
                    )
                    cells.append(name)
                rows.append({"item_id": item_id, "label": label, "fields": cells})
            self.grids.append({"dimension": dimension, "rows": rows})

    def bound_grids(self):
        """The grids with bound fields, for the template."""
        return [
            {
                "dimension": grid["dimension"],
                "rows": [
                    {"label": row["label"], "fields": [self[name] for name in row["fields"]]}
                    for row in grid["rows"]
                ],
            }
            for grid in self.grids
        ]

    def counts(self) -> dict[tuple[str, int, int], int]:
        """(dimension, item id, sex id) → count, as stats.services.aggregate_set takes them."""
        counts = {}
        for name, value in self.cleaned_data.items():
            dimension, item, sex = name.split("__")
            counts[(dimension, int(item), int(sex))] = value or 0
        return counts

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        check = aggregate_check(self.counts())
        for error in check.errors:
            self.add_error(None, error)
        self.warnings = check.warnings
        return cleaned


# --- Periods -------------------------------------------------------------------------------------


class PeriodFilterForm(forms.Form):
    """Filters of the period list. Sites offered are those the reader may see; bad values are ignored."""

    site = forms.ModelChoiceField(
        queryset=Site.objects.none(),
        to_field_name="slug",
        required=False,
        label=_("Site"),
        empty_label=_("Tous"),
    )
    year = forms.TypedChoiceField(coerce=int, required=False, label=_("Année"), empty_value=None)
    status = forms.ChoiceField(
        choices=[("", _("Tous")), *PeriodStatus.choices], required=False, label=_("État")
    )
    late = forms.BooleanField(required=False, label=_("En retard uniquement"))

    def __init__(self, *args, sites, years, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites
        self.fields["year"].choices = [("", _("Toutes")), *((year, year) for year in years)]


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif de la réouverture"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        help_text=_("Il est gardé dans l'historique de la période et affiché au site."),
    )
