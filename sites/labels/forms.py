"""Forms of the label life cycle, the self-evaluation and the coordination visits. They validate;
sites.labels.services persists."""

import os

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from network.models.governance import Decision, Meeting
from spro.uploads import validate_document
from spro.web.forms import preselect_single_choice

from ..enums import ApplicationStatus, Judgement, RegionDecision
from ..forms import DateInput
from ..models import Site
from ..models.evaluation import MAX_EVIDENCE_LINES
from ..models.labels import RequiredPiece
from ..models.visits import CoordinationVisit, CoordinationVisitFollowUp
from .services import COMMISSION_KIND_PREFIX, OPINION_KINDS

MAX_DOCUMENT_SIZE = 10 * 1024 * 1024  # 10 Mo
# Accepted pieces, by extension. spro.uploads checks that the content is a sound file of that
# format, not only its name or first bytes: an HTML page starting with "%PDF" or any ZIP renamed
# .docx is refused.
DOCUMENT_EXTENSIONS = (".pdf", ".odt", ".docx", ".png", ".jpg", ".jpeg")


class ApplicationFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("État"), required=False, choices=[("", _("Tous")), *ApplicationStatus.choices]
    )
    site = forms.ModelChoiceField(
        label=_("Site"),
        required=False,
        queryset=Site.objects.none(),
        empty_label=_("Tous"),
        to_field_name="slug",
    )
    renewal = forms.ChoiceField(
        label=_("Nature"),
        required=False,
        choices=[("", _("Toutes")), ("0", _("Première candidature")), ("1", _("Renouvellement"))],
    )

    def __init__(self, *args, sites, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites

    def filter(self, queryset):
        if not self.is_valid():
            return queryset
        data = self.cleaned_data
        if data["status"]:
            queryset = queryset.filter(status=data["status"])
        if data["site"]:
            queryset = queryset.filter(site=data["site"])
        if data["renewal"]:
            queryset = queryset.filter(is_renewal=data["renewal"] == "1")
        return queryset


class ApplicationCreateForm(forms.Form):
    site = forms.ModelChoiceField(label=_("Site"), queryset=Site.objects.none(), to_field_name="slug")

    def __init__(self, *args, sites, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites
        preselect_single_choice(self, "site")
        self.fields["site"].help_text = _(
            "Pour un site déjà labellisé, la candidature est une demande de renouvellement."
        )


class PieceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, piece):
        return f"{piece.label} ({_('obligatoire') if piece.required else _('facultative')})"


class DocumentForm(forms.Form):
    """A document for one of the pieces the site's kind asks for (`pieces`: the application's
    expected pieces), with an optional title shown instead of the file's name."""

    piece = PieceChoiceField(
        label=_("Pièce du dossier"),
        queryset=RequiredPiece.objects.none(),
        empty_label=_("Choisissez la pièce"),
    )
    title = forms.CharField(
        label=_("Titre"),
        max_length=200,
        required=False,
        help_text=_("Facultatif : par défaut, le nom du fichier."),
    )
    file = forms.FileField(
        label=_("Fichier"),
        help_text=_("PDF, ODT, DOCX ou image (PNG, JPEG), 10 Mo au plus."),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(DOCUMENT_EXTENSIONS)}),
    )

    def __init__(self, *args, pieces, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["piece"].queryset = pieces

    def clean_file(self):
        file = self.cleaned_data["file"]
        extension = os.path.splitext(file.name)[1].lower()
        if extension not in DOCUMENT_EXTENSIONS:
            raise ValidationError(
                _("Format non accepté : déposez un PDF, un ODT, un DOCX ou une image (PNG, JPEG).")
            )
        validate_document(file, extension, max_size=MAX_DOCUMENT_SIZE)
        return file


class InstructionForm(forms.Form):
    notes = forms.CharField(
        label=_("Avis technique de la coordination"), widget=forms.Textarea(attrs={"rows": 6})
    )
    instructed_on = forms.DateField(
        label=_("Instruction terminée le"),
        widget=DateInput,
        required=False,
        help_text=_("Laissez vide tant que l'instruction est en cours."),
    )


class OpinionChoiceForm(forms.Form):
    decision = forms.ModelChoiceField(label=_("Avis de la commission"), queryset=Decision.objects.none())

    def __init__(self, *args, application, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decision"].queryset = (
            Decision.objects.about(application).filter(kind__in=OPINION_KINDS).select_related("meeting__body")
        )
        self.fields["decision"].label_from_instance = lambda d: (
            f"{d.meeting} — {d.get_kind_display()} : {d.summary[:80]}"
        )


def commission_meetings():
    """Meetings of the regional commission, most recent first."""
    return Meeting.objects.filter(body__kind__code__startswith=COMMISSION_KIND_PREFIX).select_related("body")


class OpinionCreateForm(forms.Form):
    meeting = forms.ModelChoiceField(label=_("Réunion de la commission"), queryset=Meeting.objects.none())
    kind = forms.ChoiceField(
        label=_("Avis"), choices=[(k.value, k.label) for k in OPINION_KINDS], widget=forms.RadioSelect
    )
    summary = forms.CharField(label=_("Énoncé de l'avis"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meeting"].queryset = commission_meetings()


class RegionDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Décision de la Région"), choices=RegionDecision.choices, widget=forms.RadioSelect
    )
    decided_on = forms.DateField(label=_("Décision du"), widget=DateInput, initial=timezone.localdate)
    label_start_on = forms.DateField(label=_("Label à compter du"), widget=DateInput, required=False)
    label_renewal_due_on = forms.DateField(
        label=_("Renouvellement le"),
        widget=DateInput,
        required=False,
        help_text=_("Obligatoire quand le label est accordé."),
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == RegionDecision.GRANTED:
            start, renewal = data.get("label_start_on"), data.get("label_renewal_due_on")
            if not start:
                self.add_error("label_start_on", _("Indiquez la date de début du label."))
            if not renewal:
                self.add_error("label_renewal_due_on", _("Indiquez la date de renouvellement du label."))
            if start and renewal and renewal <= start:
                self.add_error("label_renewal_due_on", _("Le renouvellement doit suivre le début du label."))
        return data


def validate_evidence(value: str) -> None:
    lines = [line for line in value.splitlines() if line.strip()]
    if len(lines) > MAX_EVIDENCE_LINES:
        raise ValidationError(
            _("%(max)d lignes au plus (vous en avez écrit %(count)d)."),
            params={"max": MAX_EVIDENCE_LINES, "count": len(lines)},
        )


class AssessmentForm(forms.Form):
    """One judgement and one evidence field per item of the grid."""

    def __init__(self, *args, items, disabled: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(items)
        for item in self.items:
            self.fields[f"judgement_{item.pk}"] = forms.ChoiceField(
                label=item.text,
                choices=Judgement.choices,
                widget=forms.RadioSelect,
                required=False,
                disabled=disabled,
            )
            self.fields[f"evidence_{item.pk}"] = forms.CharField(
                label=_("Éléments de preuve"),
                widget=forms.Textarea(attrs={"rows": MAX_EVIDENCE_LINES}),
                required=False,
                disabled=disabled,
                validators=[validate_evidence],
                help_text=_("Cinq lignes au plus."),
            )

    def answers(self) -> dict[int, tuple[str, str]]:
        return {
            item.pk: (
                self.cleaned_data.get(f"judgement_{item.pk}") or "",
                (self.cleaned_data.get(f"evidence_{item.pk}") or "").strip(),
            )
            for item in self.items
        }

    def check_complete(self) -> bool:
        """Before transmitting: every item needs a judgement."""
        complete = True
        for item in self.items:
            if not self.cleaned_data.get(f"judgement_{item.pk}"):
                self.add_error(f"judgement_{item.pk}", _("Choisissez une appréciation."))
                complete = False
        return complete

    def check_evidence_has_judgement(self) -> None:
        for item in self.items:
            if self.cleaned_data.get(f"evidence_{item.pk}") and not self.cleaned_data.get(
                f"judgement_{item.pk}"
            ):
                self.add_error(
                    f"judgement_{item.pk}", _("Choisissez une appréciation pour ces éléments de preuve.")
                )


class CoordinationVisitForm(forms.ModelForm):
    class Meta:
        model = CoordinationVisit
        fields = ["site", "visited_on", "purpose", "notes"]
        widgets = {"visited_on": DateInput, "notes": forms.Textarea(attrs={"rows": 6})}

    def __init__(self, *args, sites, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites
        preselect_single_choice(self, "site")


FollowUpFormSet = forms.inlineformset_factory(
    CoordinationVisit,
    CoordinationVisitFollowUp,
    fields=["action", "owner", "due_on", "done_on"],
    widgets={"due_on": DateInput, "done_on": DateInput},
    extra=2,
    can_delete=True,
)
