"""Writes of the label life cycle, the self-evaluation and the coordination visits, each in one
transaction. Views call these functions; they never orchestrate several writes themselves.

Every function records `_history_user` on the label application so that its history (kept by
django-simple-history) says who did each step. The states in which a step may be taken are the
predicates of sites/labels/rules.py (the pages show a button under the same rule); a step in the
wrong state is refused with a French ValidationError. Who may act is checked by the views, and
again here against the same rules when an author is given (PermissionDenied); without one (the
demo loader, a task) the step is the platform's own.
"""

import datetime
import os

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from network.enums import DecisionKind
from network.models.governance import Decision, Meeting
from spro.web.access import require

from ..enums import ApplicationStatus, AssessmentStatus, LabelStatus, RegionDecision
from ..models import Site
from ..models.evaluation import AssessmentAnswer, EvaluationGrid, EvaluationItem, SelfAssessment
from ..models.labels import ApplicationDocument, LabelApplication, RequiredPiece
from ..models.visits import CoordinationVisit, CoordinationVisitFollowUp
from ..services import site_change_label_status
from .rules import (
    awaits_decision,
    awaits_instruction,
    awaits_opinion,
    has_no_open_application,
    holds_label,
    in_state,
    is_draft,
    is_open,
)

# The kinds of Decision that are an avis of the regional commission on an application.
OPINION_KINDS = (DecisionKind.FAVOURABLE, DecisionKind.UNFAVOURABLE)
# Bodies whose kind code starts with this are regional commissions (commission régionale des EM…).
COMMISSION_KIND_PREFIX = "commission"


def _save(application: LabelApplication, author) -> LabelApplication:
    application._history_user = author
    application.save()
    return application


def _lock(application: LabelApplication) -> LabelApplication:
    # Two coordinators working on the same file at once must not skip or repeat a step.
    return LabelApplication.objects.select_for_update().get(pk=application.pk)


def _require_author(rule: str, author, obj) -> None:
    """Refuse an author whom the rule refuses (what the views already check, said once more)."""
    if author is not None:
        require(rule, author, obj)


def _require_state(state, obj, message: str) -> None:
    """Refuse the step unless the object is in the state (a predicate of sites/labels/rules.py)."""
    if not in_state(state, obj):
        raise ValidationError(message)


# Label applications.


@transaction.atomic
def label_application_create(*, site: Site, is_renewal: bool = False, author=None) -> LabelApplication:
    """Open a (renewal) application file for a site; one open file per site at a time."""
    _require_author("labels.create_application", author, site)
    # Lock the site row: two clicks on "préparer le renouvellement" must create one file.
    site = Site.objects.select_for_update().get(pk=site.pk)
    _require_state(has_no_open_application, site, _("Ce site a déjà une candidature en cours."))
    if is_renewal:
        _require_state(
            holds_label, site, _("Seul un site labellisé ou suspendu peut demander un renouvellement.")
        )
    elif in_state(holds_label, site):
        raise ValidationError(_("Ce site est déjà labellisé : préparez plutôt un renouvellement."))
    application = LabelApplication(site=site, is_renewal=is_renewal)
    return _save(application, author)


@transaction.atomic
def label_application_submit(
    *, application: LabelApplication, submitted_on: datetime.date | None = None, author=None
) -> LabelApplication:
    """Deposit the file; a first application puts the site in "candidature"."""
    _require_author("labels.write", author, application)
    application = _lock(application)
    _require_state(is_draft, application, _("Cette candidature a déjà été déposée."))
    if missing := application.missing_pieces():
        raise ValidationError(
            _("Le dossier est incomplet : ajoutez %(pieces)s avant de déposer la candidature.")
            % {"pieces": pieces_list(missing)}
        )
    application.status = ApplicationStatus.SUBMITTED
    application.submitted_on = submitted_on or timezone.localdate()
    site = application.site
    if not application.is_renewal and site.label_status == LabelStatus.PROJECT:
        site_change_label_status(
            site=site,
            status=LabelStatus.APPLICATION,
            effective_on=application.submitted_on,
            comment=_("Dépôt de la candidature au label."),
            author=author,
        )
    return _save(application, author)


def pieces_list(pieces) -> str:
    """« la pièce A », « les pièces A et B », « les pièces A, B et C »: the missing pieces named."""
    labels = [f"« {piece.label} »" for piece in pieces]
    if len(labels) == 1:
        return _("la pièce %(piece)s") % {"piece": labels[0]}
    return _("les pièces %(pieces)s et %(last)s") % {"pieces": ", ".join(labels[:-1]), "last": labels[-1]}


@transaction.atomic
def application_document_add(
    *, application: LabelApplication, piece: RequiredPiece, file, title: str = "", author=None
):
    """Attach a document to the file as one of its pieces (the form has checked its type and size).
    The piece must be one that the site's kind asks for; its title defaults to the file's name."""
    _require_author("labels.write", author, application)
    application = _lock(application)
    _require_state(is_open, application, _("Le dossier est clos : on ne peut plus y ajouter de pièce."))
    if not application.expected_pieces().filter(pk=piece.pk).exists():
        raise ValidationError({"piece": _("Cette pièce n'est pas demandée pour ce type de site.")})
    title = (title or "").strip() or os.path.basename(file.name or "")
    document = ApplicationDocument(
        application=application, piece=piece, title=title[:200], file=file, uploaded_by=author
    )
    document.save()
    # Touch the application so that its history shows the new piece.
    application.save(update_fields=["updated_at"])
    return document


@transaction.atomic
def label_application_instruct(
    *, application: LabelApplication, notes: str, instructed_on: datetime.date | None, author=None
) -> LabelApplication:
    """Record the coordination's technical review; with a done date the file is "en instruction"
    completed and ready for the commission."""
    _require_author("labels.coordinate", author, application)
    application = _lock(application)
    _require_state(awaits_instruction, application, _("Seule une candidature déposée peut être instruite."))
    if instructed_on and application.submitted_on and instructed_on < application.submitted_on:
        raise ValidationError({"instructed_on": _("L'instruction ne peut pas précéder le dépôt.")})
    application.instruction_notes = notes
    application.instructed_on = instructed_on
    application.instructed_by = author
    application.status = ApplicationStatus.INSTRUCTION
    return _save(application, author)


@transaction.atomic
def label_application_record_opinion(
    *, application: LabelApplication, decision: Decision, author=None
) -> LabelApplication:
    """Link the commission's avis (a Decision taken in a meeting) to the application."""
    _require_author("labels.coordinate", author, application)
    application = _lock(application)
    _require_state(
        awaits_opinion, application, _("L'avis de la commission suit l'instruction de la candidature.")
    )
    if application.instructed_on is None:
        raise ValidationError(_("Terminez d'abord l'instruction (date de fin d'instruction)."))
    if decision.kind not in OPINION_KINDS:
        raise ValidationError({"decision": _("Choisissez un avis favorable ou défavorable.")})
    if not Decision.objects.about(application).filter(pk=decision.pk).exists():
        raise ValidationError({"decision": _("Cet avis ne porte pas sur cette candidature.")})
    application.opinion = decision
    application.status = ApplicationStatus.OPINION_GIVEN
    return _save(application, author)


@transaction.atomic
def label_application_create_opinion(
    *, application: LabelApplication, meeting: Meeting, kind: str, summary: str, author=None
) -> LabelApplication:
    """Create the avis in a commission meeting, about this application, and record it."""
    _require_author("labels.coordinate", author, application)
    if not meeting.body.kind.code.startswith(COMMISSION_KIND_PREFIX):
        raise ValidationError({"meeting": _("Choisissez une réunion de la commission régionale.")})
    if kind not in OPINION_KINDS:
        raise ValidationError({"kind": _("Choisissez un avis favorable ou défavorable.")})
    decision = Decision(meeting=meeting, kind=kind, summary=summary, subject=application, owner=author)
    decision._history_user = author
    decision.save()
    return label_application_record_opinion(application=application, decision=decision, author=author)


@transaction.atomic
def label_application_decide(
    *,
    application: LabelApplication,
    decision: str,
    decided_on: datetime.date,
    label_start_on: datetime.date | None = None,
    label_renewal_due_on: datetime.date | None = None,
    author=None,
) -> LabelApplication:
    """Record the Région's decision and apply it to the site in the same transaction: if the
    site's status cannot change, nothing is recorded."""
    _require_author("labels.coordinate", author, application)
    application = _lock(application)
    _require_state(
        awaits_decision, application, _("La décision de la Région suit l'avis de la commission régionale.")
    )
    site = application.site
    application.region_decision = decision
    application.region_decision_on = decided_on
    application.status = ApplicationStatus.DECIDED
    if decision == RegionDecision.GRANTED:
        if not label_start_on or not label_renewal_due_on:
            raise ValidationError(
                {"label_start_on": _("Indiquez la date de début du label et celle de son renouvellement.")}
            )
        application.label_start_on = label_start_on
        application.label_renewal_due_on = label_renewal_due_on
        comment = _("Label accordé par la Région le %(date)s.") % {"date": decided_on.strftime("%d/%m/%Y")}
        if site.label_status == LabelStatus.PROJECT:
            # A file opened before the site was in "candidature": walk the cycle step by step.
            site = site_change_label_status(
                site=site, status=LabelStatus.APPLICATION, effective_on=decided_on, author=author
            )
        site_change_label_status(
            site=site,
            status=LabelStatus.LABELLED,
            effective_on=label_start_on,
            renewal_due_on=label_renewal_due_on,
            comment=comment,
            author=author,
        )
    elif decision == RegionDecision.REFUSED:
        application.label_start_on = None
        application.label_renewal_due_on = None
        # A refused first application sends the site back to "projet" (it may apply again later).
        # A refused renewal keeps the site as it is: its label runs until its renewal date, and
        # suspending or withdrawing it is a separate step the coordination takes on the site's page.
        if site.label_status == LabelStatus.APPLICATION:
            site_change_label_status(
                site=site,
                status=LabelStatus.PROJECT,
                effective_on=decided_on,
                comment=_("Label refusé par la Région le %(date)s.")
                % {"date": decided_on.strftime("%d/%m/%Y")},
                author=author,
            )
    else:
        raise ValidationError({"decision": _("Décision inconnue.")})
    return _save(application, author)


@transaction.atomic
def label_application_withdraw(*, application: LabelApplication, author=None) -> LabelApplication:
    """The site gives up its application; a first application sends the site back to "projet"."""
    _require_author("labels.write", author, application)
    application = _lock(application)
    _require_state(is_open, application, _("Cette candidature est déjà close."))
    application.status = ApplicationStatus.WITHDRAWN
    if not application.is_renewal and application.site.label_status == LabelStatus.APPLICATION:
        site_change_label_status(
            site=application.site,
            status=LabelStatus.PROJECT,
            comment=_("Candidature retirée."),
            author=author,
        )
    return _save(application, author)


# Self-evaluation.


@transaction.atomic
def self_assessment_save(
    *,
    site: Site,
    year: int,
    grid: EvaluationGrid,
    answers: dict[int, tuple[str, str]],
    submit: bool = False,
    author=None,
) -> SelfAssessment:
    """Save a site's assessment for a year: answers map item ids to (judgement, evidence).
    Items without a judgement are left out of a draft; a transmitted assessment answers all."""
    assessment, _created = SelfAssessment.objects.select_for_update().get_or_create(
        site=site, year=year, defaults={"grid": grid}
    )
    _require_author("labels.write_assessment", author, assessment)
    if _created and grid.site_kinds.exists() and not grid.site_kinds.filter(pk=site.kind_id).exists():
        # A grid given to some kinds assesses those only (grids without a kind serve any).
        raise ValidationError(
            _("La grille « %(grid)s » n'est pas celle des sites de type « %(kind)s ».")
            % {"grid": grid, "kind": site.kind}
        )
    item_ids = set(EvaluationItem.objects.filter(theme__grid=grid).values_list("pk", flat=True))
    if assessment.grid_id != grid.pk:
        raise ValidationError(_("Cette auto-évaluation a été faite sur une autre version de la grille."))
    if set(answers) - item_ids:
        raise ValidationError(_("Critère inconnu dans cette grille."))
    if submit and {pk for pk, (judgement, _e) in answers.items() if judgement} != item_ids:
        raise ValidationError(_("Pour transmettre l'auto-évaluation, répondez à chaque critère."))
    existing = {answer.item_id: answer for answer in assessment.answers.all()}
    to_create, to_update, to_delete = [], [], []
    for item_id, (judgement, evidence) in answers.items():
        answer = existing.get(item_id)
        if not judgement:
            if answer:
                to_delete.append(answer.pk)
            continue
        if answer is None:
            to_create.append(
                AssessmentAnswer(
                    assessment=assessment, item_id=item_id, judgement=judgement, evidence=evidence
                )
            )
        elif (answer.judgement, answer.evidence) != (judgement, evidence):
            answer.judgement, answer.evidence = judgement, evidence
            to_update.append(answer)
    AssessmentAnswer.objects.filter(pk__in=to_delete).delete()
    AssessmentAnswer.objects.bulk_create(to_create)
    AssessmentAnswer.objects.bulk_update(to_update, ["judgement", "evidence"])
    if submit:
        assessment.status = AssessmentStatus.SUBMITTED
        assessment.submitted_at = timezone.now()
        assessment.submitted_by = author
    assessment.save()
    return assessment


@transaction.atomic
def self_assessment_reopen(*, assessment: SelfAssessment) -> SelfAssessment:
    """The coordination gives a transmitted assessment back to the site as a draft."""
    assessment.status = AssessmentStatus.DRAFT
    assessment.submitted_at = None
    assessment.submitted_by = None
    assessment.save()
    return assessment


# Coordination visits.


@transaction.atomic
def coordination_visit_save(
    *,
    visit: CoordinationVisit,
    follow_ups: list[CoordinationVisitFollowUp] = (),
    deleted_follow_ups: list[CoordinationVisitFollowUp] = (),
    author=None,
) -> CoordinationVisit:
    """Create or update a visit with its follow-up actions, all or nothing."""
    _require_author("labels.record_visit", author, visit)
    if visit.visitor_id is None and author is not None:
        visit.visitor = author
    visit.full_clean()
    visit.save()
    for follow_up in deleted_follow_ups:
        if follow_up.pk and follow_up.visit_id == visit.pk:
            follow_up.delete()
    for follow_up in follow_ups:
        follow_up.visit = visit
        follow_up.full_clean()
        follow_up.save()
    return visit
