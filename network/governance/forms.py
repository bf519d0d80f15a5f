"""Forms of the steering bodies' pages. They validate; network.governance.services persists."""

import django_filters
from django import forms
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils import timezone
from django.utils.dates import MONTHS
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from network.enums import AttendanceStatus, BodyScope, DecisionKind, DecisionStatus, MeetingStatus
from network.forms import DateInput
from network.models import Organisation, Territory, User
from network.models.governance import (
    AgendaItem,
    Body,
    BodyKind,
    BodyMember,
    Decision,
    Meeting,
    RemarkOutcome,
)

from .subjects import subject_sources


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


# What an agenda item or a decision is about: the label applications and action plans the user reads,
# offered by those apps (network/governance/subjects.py).


def subject_choices(user) -> list:
    """Grouped choices "<content type id>:<pk>" built only from objects visible to the user."""
    groups = []
    for source in subject_sources():
        queryset = source.visible_to(user)
        model = queryset.model
        content_type = ContentType.objects.get_for_model(model)
        options = [(f"{content_type.pk}:{obj.pk}", str(obj)) for obj in queryset]
        if options:
            groups.append((capfirst(model._meta.verbose_name_plural), options))
    return [("", _("Aucun"))] + groups


def subject_value(obj) -> str:
    if obj.subject_type_id and obj.subject_id:
        return f"{obj.subject_type_id}:{obj.subject_id}"
    return ""


class SubjectMixin:
    """Adds a "subject" select to a form; cleaned to (content type, id) or (None, None)."""

    def add_subject_field(self, user, instance):
        self.fields["subject"] = forms.ChoiceField(
            label=_("Objet"),
            required=False,
            choices=subject_choices(user),
            help_text=_("Candidature au label ou plan d'actions concerné, le cas échéant."),
        )
        self.initial.setdefault("subject", subject_value(instance))

    def clean_subject(self):
        value = self.cleaned_data.get("subject") or ""
        if not value:
            return (None, None)
        type_id, _sep, object_id = value.partition(":")
        return ContentType.objects.get_for_id(int(type_id)), int(object_id)

    def apply_subject(self, instance):
        subject_type, subject_id = self.cleaned_data["subject"]
        instance.subject_type = subject_type
        instance.subject_id = subject_id


# Bodies


class BodyForm(forms.ModelForm):
    required_months = forms.TypedMultipleChoiceField(
        label=_("Mois où elle doit se réunir"),
        choices=list(MONTHS.items()),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Body
        fields = [
            "name",
            "kind",
            "scope",
            "territory",
            "site",
            "min_meetings_per_year",
            "required_months",
            "quorum",
            "description",
            "is_active",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        kinds = Q(pk__in=BodyKind.objects.active_on().values("pk"))
        if self.instance.kind_id:
            kinds |= Q(pk=self.instance.kind_id)
        self.fields["kind"].queryset = BodyKind.objects.filter(kinds)
        self.fields["territory"].queryset = Territory.objects.select_related("kind").order_by("kind", "code")

    def clean(self):
        cleaned = super().clean()
        scope = cleaned.get("scope")
        if scope == BodyScope.SITE and not cleaned.get("site"):
            self.add_error("site", _("Une instance de site est rattachée à un site."))
        if scope == BodyScope.TERRITORY and not cleaned.get("territory"):
            self.add_error("territory", _("Une instance territoriale est rattachée à un territoire."))
        return cleaned


class BodyFilter(django_filters.FilterSet):
    kind = django_filters.ModelChoiceFilter(
        label=_("Type"), queryset=BodyKind.objects.all(), empty_label=_("Tous les types")
    )
    scope = django_filters.ChoiceFilter(
        label=_("Périmètre"), choices=BodyScope.choices, empty_label=_("Tous")
    )
    is_active = django_filters.BooleanFilter(
        label=_("Active"),
        widget=forms.Select(choices=[("", _("Indifférent")), ("true", _("Oui")), ("false", _("Non"))]),
    )

    class Meta:
        model = Body
        fields = ["kind", "scope", "is_active"]


class BodyMemberForm(forms.ModelForm):
    class Meta:
        model = BodyMember
        fields = [
            "full_name",
            "email",
            "organisation",
            "position",
            "user",
            "is_voting",
            "mandate_start",
            "mandate_end",
        ]
        widgets = {"mandate_start": DateInput(), "mandate_end": DateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.order_by("name")
        self.fields["user"].queryset = User.objects.filter(is_active=True).order_by("last_name", "first_name")

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("mandate_start"), cleaned.get("mandate_end")
        if start and end and end < start:
            self.add_error("mandate_end", _("La fin du mandat ne peut pas précéder son début."))
        return cleaned


class MandateEndForm(forms.Form):
    end_date = forms.DateField(
        label=_("Fin du mandat"),
        initial=timezone.localdate,
        widget=DateInput(),
        help_text=_("Le membre reste dans l'historique des réunions auxquelles il a été convoqué."),
    )


# Meetings


class MeetingForm(forms.ModelForm):
    # Declared for assume_scheme: a bare "visio.exemple.fr/abc" becomes https://…
    video_link = forms.URLField(
        label=capfirst(Meeting._meta.get_field("video_link").verbose_name),
        required=False,
        assume_scheme="https",
    )
    starts_at = forms.DateTimeField(label=_("Début"), widget=DateTimeInput())
    ends_at = forms.DateTimeField(label=_("Fin"), widget=DateTimeInput(), required=False)

    class Meta:
        model = Meeting
        fields = ["title", "starts_at", "ends_at", "place", "video_link", "status"]
        help_texts = {
            "status": _(
                "« Prévue » tant que la réunion est à venir ; une fois son heure passée, indiquez si "
                "elle s'est tenue ou si elle a été annulée."
            )
        }

    def clean(self):
        cleaned = super().clean()
        starts_at, ends_at = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts_at and ends_at and ends_at <= starts_at:
            self.add_error("ends_at", _("La fin doit suivre le début."))
        return cleaned


class AgendaItemForm(SubjectMixin, forms.ModelForm):
    class Meta:
        model = AgendaItem
        fields = ["order", "title", "duration_minutes", "presenter"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["order"].required = False
        self.fields["order"].help_text = _("Laissez vide pour ajouter le point à la fin.")
        self.add_subject_field(user, self.instance)


class AttendanceForm(forms.Form):
    """One status and one "represented by" per member of the sheet."""

    def __init__(self, *args, members, attendances, **kwargs):
        super().__init__(*args, **kwargs)
        self.members = members
        current = {attendance.member_id: attendance for attendance in attendances}
        for member in members:
            attendance = current.get(member.pk)
            self.fields[f"status_{member.pk}"] = forms.ChoiceField(
                label=str(member),
                choices=AttendanceStatus.choices,
                initial=attendance.status if attendance else AttendanceStatus.INVITED,
            )
            self.fields[f"represented_by_{member.pk}"] = forms.CharField(
                label=_("Représenté·e par"),
                required=False,
                max_length=150,
                initial=attendance.represented_by if attendance else "",
            )

    def rows(self):
        for member in self.members:
            yield member, self[f"status_{member.pk}"], self[f"represented_by_{member.pk}"]

    def clean(self):
        cleaned = super().clean()
        for member in self.members:
            if (
                cleaned.get(f"status_{member.pk}") == AttendanceStatus.REPRESENTED
                and not cleaned.get(f"represented_by_{member.pk}", "").strip()
            ):
                self.add_error(f"represented_by_{member.pk}", _("Indiquez qui représente ce membre."))
        return cleaned

    def lines(self):
        return [
            (
                member,
                self.cleaned_data[f"status_{member.pk}"],
                self.cleaned_data.get(f"represented_by_{member.pk}", ""),
            )
            for member in self.members
        ]


# Minutes


class MinutesForm(forms.Form):
    text = forms.CharField(label=_("Compte rendu"), widget=forms.Textarea(attrs={"rows": 18}))


class MinutesRemarkForm(forms.Form):
    text = forms.CharField(
        label=_("Votre remarque"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "Citez le passage concerné et proposez une rédaction. Le secrétariat de l'instance lit "
            "votre remarque et indique, à l'adoption, si elle est retenue."
        ),
    )


class MinutesAdoptForm(forms.Form):
    """The meeting that adopts the minutes, and for each remark received whether it is retained."""

    adopted_in = forms.ModelChoiceField(
        label=_("Adopté lors de la réunion"),
        queryset=Meeting.objects.none(),
        required=False,
        empty_label=_("Sans réunion (adoption par voie électronique)"),
        help_text=_("Une réunion ultérieure de l'instance, déjà tenue."),
    )

    def __init__(self, *args, meeting, remarks=(), **kwargs):
        super().__init__(*args, **kwargs)
        # Later meetings of the body whose day has come and that were not cancelled.
        self.fields["adopted_in"].queryset = (
            Meeting.objects.filter(body_id=meeting.body_id, starts_at__gt=meeting.starts_at)
            .filter(starts_at__date__lte=timezone.localdate())
            .exclude(status=MeetingStatus.CANCELLED)
            .order_by("starts_at")
        )
        self.remarks = list(remarks)
        for remark in self.remarks:
            when = date_format(timezone.localtime(remark.created_at), "j F Y")
            self.fields[f"outcome_{remark.pk}"] = forms.ChoiceField(
                label=_("Remarque de %(name)s (%(date)s)") % {"name": remark.author_name, "date": when},
                choices=RemarkOutcome.choices,
                widget=forms.RadioSelect,
                help_text=remark.text,
                initial=remark.outcome or None,
            )
            self.fields[f"response_{remark.pk}"] = forms.CharField(
                label=_("Réponse (facultatif)"),
                required=False,
                max_length=500,
                initial=remark.response,
            )

    def outcomes(self) -> dict:
        return {
            remark.pk: (
                self.cleaned_data[f"outcome_{remark.pk}"],
                self.cleaned_data.get(f"response_{remark.pk}", ""),
            )
            for remark in self.remarks
        }


# Decisions


class DecisionForm(SubjectMixin, forms.ModelForm):
    class Meta:
        model = Decision
        fields = ["kind", "summary", "owner", "due_date"]
        widgets = {"due_date": DateInput(), "summary": forms.Textarea(attrs={"rows": 4})}
        help_texts = {"due_date": _("Au plus tôt le jour de la réunion.")}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = User.objects.filter(is_active=True).order_by(
            "last_name", "first_name"
        )
        self.add_subject_field(user, self.instance)


class DecisionStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Suivi"), choices=DecisionStatus.choices)
    done_on = forms.DateField(label=_("Réalisée le"), required=False, widget=DateInput())


YES, NO = "oui", "non"


class DecisionFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Suivi"), choices=DecisionStatus.choices, empty_label=_("Tous")
    )
    overdue = django_filters.ChoiceFilter(
        label=_("En retard"),
        choices=[(YES, _("Oui")), (NO, _("Non"))],
        empty_label=_("Indifférent"),
        method="filter_overdue",
    )
    body = django_filters.ModelChoiceFilter(
        label=_("Instance"), field_name="meeting__body", queryset=Body.objects.none(), empty_label=_("Toutes")
    )
    owner = django_filters.ModelChoiceFilter(
        label=_("Responsable"), queryset=User.objects.none(), empty_label=_("Tous")
    )
    kind = django_filters.ChoiceFilter(
        label=_("Nature"), choices=DecisionKind.choices, empty_label=_("Toutes")
    )

    class Meta:
        model = Decision
        fields = ["status", "overdue", "body", "owner", "kind"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["body"].queryset = Body.objects.visible_to(user).order_by("name")
        self.filters["owner"].queryset = (
            User.objects.filter(owned_decisions__isnull=False).distinct().order_by("last_name", "first_name")
        )

    def filter_overdue(self, queryset, name, value):
        overdue = Decision.objects.overdue().values("pk")
        if value == YES:
            return queryset.filter(pk__in=overdue)
        return queryset.exclude(pk__in=overdue)
