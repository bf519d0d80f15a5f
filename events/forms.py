"""Forms of the organisers' event pages. They validate what was typed; events.services decides and
persists. Times are typed in Europe/Paris (the project's TIME_ZONE) and stored as aware datetimes."""

import datetime

from django import forms
from django.db.models import Q
from django.forms import formset_factory
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from network.models import Organisation, Territory
from network.models.governance import Meeting
from sites.forms import DateInput, formfield_for_dbfield
from sites.models import Site, Theme
from sites.models.plans import PlanAction
from stats.models import AgeBand, Sex, Situation

from .models import Event, EventKind, MonthlyTheme, TerritorialProgramme
from .services import MAX_COUNT

CONCERTATION_KIND = "concertation-territoriale"
PROGRAMME_TERRITORY_KINDS = ("agence-territoriale", "departement")
COUNT_ERRORS = {
    "invalid": _("Saisissez un nombre entier."),
    "min_value": _("Saisissez un nombre positif ou nul."),
    "max_value": _("Saisissez un nombre d'au plus 100 000 : au-delà, vérifiez votre saisie."),
}


def count_field(label, **kwargs) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=0,
        max_value=MAX_COUNT,
        error_messages=COUNT_ERRORS,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "input-count"}),
        **kwargs,
    )


def _active_or_selected(queryset, selected_ids):
    """Reference items valid today, plus those the object already carries."""
    return queryset.filter(Q(pk__in=queryset.active_on().values("pk")) | Q(pk__in=list(selected_ids)))


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%H:%M")


class MonthInput(forms.DateInput):
    """A native month picker (YYYY-MM)."""

    input_type = "month"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m")


class MonthField(forms.DateField):
    """A month typed as YYYY-MM (or MM/YYYY), read as its first day."""

    widget = MonthInput
    input_formats = ["%Y-%m", "%m/%Y", "%Y-%m-%d"]
    default_error_messages = {"invalid": _("Indiquez un mois, par exemple 2026-06.")}

    def to_python(self, value):
        day = super().to_python(value)
        return day.replace(day=1) if day else day


# --- Events ----------------------------------------------------------------------------------


class EventForm(forms.ModelForm):
    """An event's own fields and its links. Status, sequence and attendance are not offered here."""

    confirm_duplicate = forms.BooleanField(
        label=_("Ce n'est pas un doublon : enregistrer quand même"), required=False
    )

    class Meta:
        model = Event
        fields = [
            "title",
            "kind",
            "description",
            "sites",
            "partners",
            "themes",
            "publics",
            "mode",
            "place_name",
            "address",
            "postcode",
            "commune",
            "online_url",
            "capacity",
            "registration",
            "registration_url",
            "plan_action",
            "programme",
            "published",
        ]
        formfield_callback = formfield_for_dbfield
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "sites": forms.CheckboxSelectMultiple,
            "themes": forms.CheckboxSelectMultiple,
            "publics": forms.CheckboxSelectMultiple,
            "mode": forms.RadioSelect,
            "registration": forms.RadioSelect,
        }
        help_texts = {
            "description": _(
                "Publiée dans l'agenda si l'événement l'est. N'y écrivez aucune donnée personnelle."
            ),
            "partners": _("Les partenaires co-organisateurs voient l'événement et sa fréquentation."),
            "plan_action": _(
                "L'action du plan d'actions d'un des sites organisateurs que l'événement réalise."
            ),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        event = self.instance
        current_sites = list(event.sites.values_list("pk", flat=True)) if event.pk else []
        editable = Site.objects.editable_by(user)
        sites = Site.objects.filter(Q(pk__in=editable.values("pk")) | Q(pk__in=current_sites)).order_by(
            "name"
        )
        self.fields["sites"].queryset = sites
        if not event.pk and not self.initial.get("sites") and sites.count() == 1:
            # ModelForm puts an empty list for a new event: a coordinator of one site gets it ticked.
            self.initial["sites"] = [sites.get()]
        kind_ids = [event.kind_id] if event.kind_id else []
        self.fields["kind"].queryset = _active_or_selected(EventKind.objects.all(), kind_ids)
        self.fields["partners"].queryset = Organisation.objects.order_by("name")
        themes = event.themes.values_list("pk", flat=True) if event.pk else []
        publics = event.publics.values_list("pk", flat=True) if event.pk else []
        self.fields["themes"].queryset = _active_or_selected(Theme.objects.all(), themes)
        self.fields["publics"].queryset = _active_or_selected(Situation.objects.all(), publics)
        # The actions of the plans of the sites the person may choose (checked against the chosen sites).
        self.fields["plan_action"].queryset = (
            PlanAction.objects.filter(plan__site__in=sites)
            .select_related("plan__site")
            .order_by("plan__site__name", "-plan__year", "order", "pk")
        )
        self.fields["plan_action"].label_from_instance = lambda a: (
            f"{a.plan.site.name} {a.plan.year} — {a.title}"
        )
        self.fields["plan_action"].empty_label = _("Aucune action")
        self.fields["programme"].queryset = TerritorialProgramme.objects.select_related("territory")
        self.fields["programme"].empty_label = _("Aucun programme")
        self.fields["title"].widget.attrs["autocomplete"] = "off"

    def clean(self):
        data = super().clean()
        action, sites = data.get("plan_action"), data.get("sites")
        if action and sites is not None and action.plan.site_id not in {site.pk for site in sites}:
            self.add_error(
                "plan_action",
                _("L'action choisie n'appartient pas au plan d'actions d'un des sites organisateurs."),
            )
        return data


class EventDateForm(forms.Form):
    """One date of an event: the day and the times, in Paris time."""

    day = forms.DateField(label=_("Jour"), widget=DateInput())
    start_time = forms.TimeField(label=_("Début"), widget=TimeInput())
    end_time = forms.TimeField(label=_("Fin"), widget=TimeInput())

    def clean(self):
        data = super().clean()
        start, end = data.get("start_time"), data.get("end_time")
        if start and end and end <= start:
            self.add_error("end_time", _("L'heure de fin doit suivre l'heure de début."))
        return data

    def as_datetimes(self) -> tuple[datetime.datetime, datetime.datetime]:
        zone = timezone.get_default_timezone()
        data = self.cleaned_data
        return (
            datetime.datetime.combine(data["day"], data["start_time"], tzinfo=zone),
            datetime.datetime.combine(data["day"], data["end_time"], tzinfo=zone),
        )


class BaseEventDateFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        pairs = self.datetimes()
        if not pairs:
            raise forms.ValidationError(_("Indiquez au moins une date."))
        if len(set(pairs)) != len(pairs):
            raise forms.ValidationError(_("La même date est indiquée deux fois."))

    def datetimes(self) -> list[tuple[datetime.datetime, datetime.datetime]]:
        return sorted(
            form.as_datetimes()
            for form in self.forms
            if form.cleaned_data.get("day") and not form.cleaned_data.get("DELETE")
        )


EventDateFormSet = formset_factory(
    EventDateForm, formset=BaseEventDateFormSet, extra=1, can_delete=True, max_num=30, validate_max=True
)


def date_initial(event: Event) -> list[dict]:
    """The event's dates as the formset's initial rows, in Paris time."""
    rows = []
    for date in event.dates.order_by("start"):
        start, end = timezone.localtime(date.start), timezone.localtime(date.end)
        rows.append({"day": start.date(), "start_time": start.time(), "end_time": end.time()})
    return rows


def date_formset(data=None, *, event: Event | None = None, prefix="dates") -> BaseEventDateFormSet:
    # Initial rows only for display: a posted row equal to them must still count as a date.
    initial = date_initial(event) if data is None and event is not None and event.pk else None
    formset = EventDateFormSet(data, initial=initial, prefix=prefix)
    if initial:
        formset.extra = 0
    return formset


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif de l'annulation"),
        max_length=250,
        help_text=_("Affiché dans l'agenda public avec la mention « annulé »."),
    )


# --- Attendance ------------------------------------------------------------------------------


class AttendanceForm(forms.Form):
    """Registered, present, the present by sex, age band and situation, and the satisfaction counts.

    Counts only: nothing here identifies a person."""

    registered = count_field(_("Inscrits"))
    present = count_field(_("Présents"))
    satisfied = count_field(_("Satisfaits"))
    neutral = count_field(_("Mitigés"))
    dissatisfied = count_field(_("Insatisfaits"))

    DIMENSIONS = (
        ("sex", Sex, _("Présents par sexe")),
        ("age_band", AgeBand, _("Présents par tranche d'âge")),
        ("situation", Situation, _("Présents par situation")),
    )

    def __init__(self, *args, event: Event, **kwargs):
        existing = {}
        for row in event.attendance_counts.all():
            for dimension in ("sex", "age_band", "situation"):
                item_id = getattr(row, f"{dimension}_id")
                if item_id:
                    existing[(dimension, item_id)] = row.count
        initial = {
            name: getattr(event, name)
            for name in ("registered", "present", "satisfied", "neutral", "dissatisfied")
        }
        initial.update({f"{dim}_{pk}": count for (dim, pk), count in existing.items()})
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        self.groups = []
        day = timezone.localdate(min((d.start for d in event.dates.all()), default=timezone.now()))
        for dimension, model, legend in self.DIMENSIONS:
            used = [pk for (dim, pk) in existing if dim == dimension]
            items = model.objects.filter(Q(pk__in=model.objects.active_on(day).values("pk")) | Q(pk__in=used))
            names = []
            for item in items.order_by("order", "label"):
                name = f"{dimension}_{item.pk}"
                self.fields[name] = count_field(item.label)
                self.fields[name].item = item
                names.append(name)
            self.groups.append({"dimension": dimension, "legend": legend, "names": names})

    def breakdown_fields(self):
        """[(legend, [bound fields])] for the template."""
        return [(group["legend"], [self[name] for name in group["names"]]) for group in self.groups]

    def breakdowns(self) -> dict:
        data = self.cleaned_data
        return {
            group["dimension"]: {
                self.fields[name].item: data.get(name) for name in group["names"] if data.get(name)
            }
            for group in self.groups
        }


# --- Filters of the lists are in filters.py; programmes and monthly themes -------------------


class ProgrammeForm(forms.ModelForm):
    class Meta:
        model = TerritorialProgramme
        fields = ["territory", "year", "title", "notes", "meetings"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 4}), "meetings": forms.CheckboxSelectMultiple}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["territory"].queryset = Territory.objects.filter(
            kind__code__in=PROGRAMME_TERRITORY_KINDS
        ).order_by("kind__order", "code", "name")
        self.fields["territory"].help_text = _("Une agence territoriale ou un département.")
        self.fields["year"].min_value = 2000
        self.fields["year"].widget.attrs.update({"min": 2000, "max": 2100})
        self.fields["meetings"].queryset = (
            Meeting.objects.filter(body__kind__code=CONCERTATION_KIND)
            .select_related("body")
            .order_by("-starts_at")
        )
        self.fields["meetings"].help_text = _(
            "Les réunions de la concertation territoriale dont le programme est issu."
        )
        if not self.instance.pk:
            self.fields["year"].initial = timezone.localdate().year

    def _get_validation_exclusions(self):
        # One programme per territory and year: checked by events.services, with its French message.
        return {*super()._get_validation_exclusions(), "territory"}

    def clean_year(self):
        year = self.cleaned_data["year"]
        if not 2000 <= year <= 2100:
            raise forms.ValidationError(_("Indiquez une année entre 2000 et 2100."))
        return year


class MonthlyThemeForm(forms.ModelForm):
    month = MonthField(label=_("Mois"))

    class Meta:
        model = MonthlyTheme
        fields = ["month", "title", "theme", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        selected = [self.instance.theme_id] if self.instance.theme_id else []
        self.fields["theme"].queryset = _active_or_selected(Theme.objects.all(), selected)
        self.fields["theme"].empty_label = _("Aucun")
