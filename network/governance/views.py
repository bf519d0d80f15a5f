"""Pages of the steering bodies (instances): bodies, members, meetings, minutes and decisions, and
the governance indicators.

Access: every object is fetched through a scoped queryset (Body/Meeting/Decision.objects.visible_to),
so a stranger gets 404; writes then ask the object rules of network/governance/rules.py
(governance.manage_body, governance.edit_meeting…), so a reader gets 403, and so does an organiser
trying to change a meeting whose minutes are adopted.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from network.enums import AttendanceStatus
from network.models.governance import (
    AgendaItem,
    Attendance,
    Body,
    BodyMember,
    Decision,
    Meeting,
    Minutes,
    MinutesRemark,
)
from spro.http import query_year
from spro.web.access import require, rule_required
from spro.web.forms import attach_service_errors

from . import indicators, pdf, selectors, services
from .forms import (
    AgendaItemForm,
    AttendanceForm,
    BodyFilter,
    BodyForm,
    BodyMemberForm,
    DecisionFilter,
    DecisionForm,
    DecisionStatusForm,
    MandateEndForm,
    MeetingForm,
    MinutesAdoptForm,
    MinutesForm,
    MinutesRemarkForm,
)
from .rules import (
    COORDINATION_ONLY,
    MEETING_FROZEN,
    MINUTES_ALREADY_ADOPTED,
    MINUTES_FROZEN,
    MINUTES_NOT_FOR_REMARKS,
    NOT_HELD_YET,
    ORGANISERS_ONLY,
    REMARKS_CLOSED,
    day_reached,
)

PAGE_SIZE = 25
NAV = "governance"


NO_MINUTES_YET = gettext_lazy("Cette réunion n'a pas encore de compte rendu.")


# Access helpers: one per object kind, 404 for strangers, 403 for readers who try to write.


def _visible_body(request, pk) -> Body:
    return get_object_or_404(
        Body.objects.visible_to(request.user).select_related("kind", "site", "territory"), pk=pk
    )


def _managed_body(request, pk) -> Body:
    body = _visible_body(request, pk)
    require("governance.manage_body", request.user, body, ORGANISERS_ONLY)
    return body


def _visible_meeting(request, pk) -> Meeting:
    return get_object_or_404(Meeting.objects.visible_to(request.user).select_related("body__kind"), pk=pk)


def _managed_meeting(request, pk) -> Meeting:
    meeting = _visible_meeting(request, pk)
    require("governance.manage_meeting", request.user, meeting, ORGANISERS_ONLY)
    return meeting


def _editable_meeting(request, pk) -> Meeting:
    """A meeting whose record its organiser may still change: a crafted request on a frozen meeting
    gets a refusal page, not a form."""
    meeting = _managed_meeting(request, pk)
    require("governance.edit_meeting", request.user, meeting, MEETING_FROZEN)
    return meeting


def _minutes_of(meeting) -> Minutes | None:
    minutes = Minutes.objects.filter(meeting=meeting).select_related("adopted_in").first()
    if minutes is not None:
        minutes.meeting = meeting  # the minutes' rules ask about its body: no query again
    return minutes


def _form_page(request, context):
    context.setdefault("nav", NAV)
    return render(request, "network/governance/form.html", context)


# Bodies


def body_list(request):
    # Explicit order: the meeting count groups rows, and Meta.ordering is dropped with a GROUP BY.
    year = timezone.localdate().year
    bodies = (
        Body.objects.visible_to(request.user)
        .select_related("kind", "site", "territory")
        .annotate(
            meetings_this_year=Count("meetings", filter=Q(meetings__starts_at__year=year), distinct=True)
        )
        .order_by("kind__order", "name", "pk")
    )
    filterset = BodyFilter(request.GET, queryset=bodies)
    return render(
        request,
        "network/governance/body_list.html",
        {
            "nav": NAV,
            "filterset": filterset,
            "page_obj": Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page")),
            "is_filtered": any(request.GET.get(name) for name in filterset.form.fields),
            "year": year,
        },
    )


def body_detail(request, pk):
    body = _visible_body(request, pk)
    today = timezone.localdate()
    by_year = selectors.meetings_by_year(body)
    return render(
        request,
        "network/governance/body_detail.html",
        {
            "nav": NAV,
            "body": body,
            "members": body.members.current().select_related("organisation", "user"),
            "past_members": body.members.filter(mandate_end__lt=today).select_related("organisation"),
            "meetings_by_year": sorted(by_year.items(), reverse=True),
            # Past meetings still "prévue", whatever their year: the organiser has to confirm them.
            "to_confirm_count": sum(m.is_to_confirm for meetings in by_year.values() for m in meetings),
            "year": today.year,
            **selectors.body_rhythm(body, by_year.get(today.year, []), today.year),
        },
    )


@rule_required("governance.manage_bodies", COORDINATION_ONLY)
def body_create(request):
    return _body_form(request, Body())


@rule_required("governance.manage_bodies", COORDINATION_ONLY)
def body_edit(request, pk):
    return _body_form(request, get_object_or_404(Body.objects.managed_by(request.user), pk=pk))


def _body_form(request, body):
    creating = body.pk is None
    form = BodyForm(request.POST or None, instance=body)
    if request.method == "POST" and form.is_valid():
        try:
            body = services.body_save(body=form.instance, author=request.user)
        except ValidationError as error:
            attach_service_errors(form, error)
        else:
            messages.success(request, _("L'instance « %(name)s » est enregistrée.") % {"name": body})
            return redirect("governance:body_detail", pk=body.pk)
    return _form_page(
        request,
        {
            "form": form,
            "title": _("Nouvelle instance") if creating else _("Modifier l'instance"),
            "body": None if creating else body,
        },
    )


# Members


def member_add(request, body_pk):
    body = _managed_body(request, body_pk)
    return _member_form(request, body, BodyMember(body=body))


def member_edit(request, pk):
    member = get_object_or_404(
        BodyMember.objects.filter(body__in=Body.objects.visible_to(request.user)), pk=pk
    )
    body = _managed_body(request, member.body_id)
    return _member_form(request, body, member)


def _member_form(request, body, member):
    form = BodyMemberForm(request.POST or None, instance=member)
    if request.method == "POST" and form.is_valid():
        try:
            services.body_member_save(member=form.instance, author=request.user)
        except ValidationError as error:
            attach_service_errors(form, error)
        else:
            messages.success(
                request, _("%(name)s est enregistré·e parmi les membres.") % {"name": member.full_name}
            )
            return redirect("governance:body_detail", pk=body.pk)
    return _form_page(
        request,
        {
            "form": form,
            "title": _("Nouveau membre") if member.pk is None else _("Modifier le membre"),
            "body": body,
        },
    )


def member_end(request, pk):
    member = get_object_or_404(
        BodyMember.objects.filter(body__in=Body.objects.visible_to(request.user)), pk=pk
    )
    body = _managed_body(request, member.body_id)
    form = MandateEndForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.body_member_end(
                member=member, end_date=form.cleaned_data["end_date"], author=request.user
            )
        except ValidationError as error:
            attach_service_errors(form, error)
        else:
            messages.success(request, _("Le mandat de %(name)s prend fin.") % {"name": member.full_name})
            return redirect("governance:body_detail", pk=body.pk)
    return _form_page(
        request,
        {"form": form, "title": _("Fin du mandat de %(name)s") % {"name": member.full_name}, "body": body},
    )


# Meetings


def meeting_create(request, body_pk):
    body = _managed_body(request, body_pk)
    form = MeetingForm(request.POST or None, instance=Meeting(body=body), initial={"title": body.name})
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.meeting_save(meeting=form.instance, author=request.user)
        except ValidationError as error:
            attach_service_errors(form, error)
        else:
            messages.success(request, _("La réunion est créée ; ajoutez son ordre du jour."))
            return redirect("governance:meeting_detail", pk=meeting.pk)
    return _form_page(request, {"form": form, "title": _("Nouvelle réunion"), "body": body})


def meeting_edit(request, pk):
    meeting = _editable_meeting(request, pk)
    form = MeetingForm(request.POST or None, instance=meeting)
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_save(meeting=form.instance, author=request.user)
        except ValidationError as error:
            attach_service_errors(form, error)
        else:
            messages.success(request, _("La réunion est modifiée."))
            return redirect("governance:meeting_detail", pk=meeting.pk)
    return _form_page(
        request, {"form": form, "title": _("Modifier la réunion"), "body": meeting.body, "meeting": meeting}
    )


def meeting_detail(request, pk):
    meeting = _visible_meeting(request, pk)
    minutes = _minutes_of(meeting)
    attendances = list(_attendance_lines(meeting))
    return render(
        request,
        "network/governance/meeting_detail.html",
        {
            "nav": NAV,
            "meeting": meeting,
            "body": meeting.body,
            "agenda": meeting.agenda.select_related("subject_type"),
            "attendances": attendances,
            # Who was convened, when and to which address: the lines opened by the convocation.
            "invited": [line for line in attendances if line.invited_at],
            "not_emailed": [line for line in attendances if not line.invited_at],
            "day_reached": day_reached(meeting),
            "quorum": services.meeting_quorum(meeting),
            "minutes": minutes,
            "remarks": _remarks_of(request.user, minutes),
            "decisions": meeting.decisions.select_related("owner", "subject_type"),
        },
    )


def _remarks_of(user, minutes) -> list:
    """The remarks on the minutes the user reads: all of them for the organisers and, once adopted,
    for every reader; before that a member reads their own."""
    if minutes is None:
        return []
    return list(MinutesRemark.objects.visible_to(user).filter(minutes=minutes).select_related("member"))


@require_POST
def meeting_confirm(request, pk):
    """A meeting still "prévue" after its start: the organiser says it was held or cancelled."""
    meeting = _editable_meeting(request, pk)
    try:
        meeting = services.meeting_confirm(
            meeting=meeting, status=request.POST.get("status", ""), author=request.user
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("La réunion est enregistrée comme « %(status)s ».")
            % {"status": meeting.get_status_display().lower()},
        )
    return redirect("governance:meeting_detail", pk=meeting.pk)


def _attendance_lines(meeting):
    return (
        Attendance.objects.filter(meeting=meeting)
        .select_related("member__organisation")
        .order_by("member__organisation__name", "member__full_name")
    )


def agenda_item_add(request, pk):
    meeting = _editable_meeting(request, pk)
    form = AgendaItemForm(request.POST or None, instance=AgendaItem(meeting=meeting), user=request.user)
    if request.method == "POST" and form.is_valid():
        form.apply_subject(form.instance)
        form.instance.order = form.cleaned_data.get("order") or 0
        try:
            services.agenda_item_save(item=form.instance, author=request.user)
        except ValidationError as error:
            attach_service_errors(form, error)
        else:
            messages.success(request, _("Le point est ajouté à l'ordre du jour."))
            return redirect("governance:meeting_detail", pk=meeting.pk)
    return _form_page(
        request,
        {
            "form": form,
            "title": _("Ajouter un point à l'ordre du jour"),
            "body": meeting.body,
            "meeting": meeting,
        },
    )


@require_POST
def agenda_item_delete(request, pk):
    item = get_object_or_404(
        AgendaItem.objects.filter(meeting__in=Meeting.objects.visible_to(request.user)), pk=pk
    )
    meeting = _editable_meeting(request, item.meeting_id)
    services.agenda_item_delete(item=item, author=request.user)
    messages.success(request, _("Le point est retiré de l'ordre du jour."))
    return redirect("governance:meeting_detail", pk=meeting.pk)


@require_POST
def meeting_invite(request, pk):
    meeting = _editable_meeting(request, pk)
    try:
        sent = services.meeting_invite(meeting=meeting, author=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Convocation envoyée à %(count)d membre(s).") % {"count": sent})
    return redirect("governance:meeting_detail", pk=meeting.pk)


def attendance_edit(request, pk):
    meeting = _editable_meeting(request, pk)
    require("governance.record_attendance", request.user, meeting, NOT_HELD_YET)
    attendances = list(Attendance.objects.filter(meeting=meeting))
    # The sheet lists the members convened plus those in office on the day (late additions).
    day = timezone.localdate(meeting.starts_at)
    members = list(
        BodyMember.objects.filter(body=meeting.body)
        .filter(
            Q(pk__in=[a.member_id for a in attendances])
            | Q(pk__in=BodyMember.objects.current(day).values("pk"))
        )
        .select_related("organisation")
        .order_by("organisation__name", "full_name")
    )
    form = AttendanceForm(request.POST or None, members=members, attendances=attendances)
    if request.method == "POST" and form.is_valid():
        try:
            services.attendance_record(meeting=meeting, lines=form.lines(), author=request.user)
        except ValidationError as error:
            attach_service_errors(form, error)
        else:
            messages.success(request, _("La feuille d'émargement est enregistrée."))
            return redirect("governance:meeting_detail", pk=meeting.pk)
    return render(
        request,
        "network/governance/attendance_form.html",
        {
            "nav": NAV,
            "form": form,
            "meeting": meeting,
            "body": meeting.body,
            "quorum": services.meeting_quorum(meeting),
            "statuses": AttendanceStatus,
        },
    )


def attendance_sheet(request, pk):
    """The printable feuille d'émargement, with a blank column for signatures."""
    meeting = _visible_meeting(request, pk)
    lines = list(_attendance_lines(meeting))
    if not lines:
        lines = [
            {"member": member}
            for member in BodyMember.objects.current(timezone.localdate(meeting.starts_at))
            .filter(body=meeting.body)
            .select_related("organisation")
            .order_by("organisation__name", "full_name")
        ]
    return render(
        request,
        "network/governance/attendance_sheet.html",
        {"nav": NAV, "meeting": meeting, "body": meeting.body, "lines": lines},
    )


# Minutes


def minutes_edit(request, pk):
    meeting = _managed_meeting(request, pk)
    require("governance.write_minutes", request.user, meeting, MINUTES_FROZEN)
    minutes = _minutes_of(meeting)
    form = MinutesForm(request.POST or None, initial={"text": minutes.text if minutes else ""})
    if request.method == "POST" and form.is_valid():
        try:
            services.minutes_save(meeting=meeting, text=form.cleaned_data["text"], author=request.user)
        except ValidationError as error:
            attach_service_errors(form, error)
        else:
            messages.success(request, _("Le compte rendu est enregistré."))
            return redirect("governance:meeting_detail", pk=meeting.pk)
    return _form_page(
        request,
        {"form": form, "title": _("Compte rendu"), "body": meeting.body, "meeting": meeting},
    )


@require_POST
def minutes_send(request, pk):
    meeting = _managed_meeting(request, pk)
    minutes = get_object_or_404(Minutes.objects.managed_by(request.user), meeting=meeting)
    minutes.meeting = meeting
    require(
        "governance.send_minutes", request.user, minutes, _minutes_refusal(minutes, MINUTES_NOT_FOR_REMARKS)
    )
    try:
        sent = services.minutes_send_for_remarks(minutes=minutes, author=request.user)
    except ValidationError as error:
        raise PermissionDenied(" ".join(error.messages)) from error
    messages.success(
        request, _("Compte rendu envoyé pour remarques à %(count)d membre(s).") % {"count": sent}
    )
    return redirect("governance:meeting_detail", pk=meeting.pk)


def _minutes_refusal(minutes, otherwise):
    """Why the minutes may not be sent or adopted: the meeting is still to come, or ``otherwise``."""
    return otherwise if day_reached(minutes.meeting) else NOT_HELD_YET


def minutes_adopt(request, pk):
    meeting = _managed_meeting(request, pk)
    minutes = get_object_or_404(Minutes.objects.managed_by(request.user), meeting=meeting)
    minutes.meeting = meeting
    require(
        "governance.adopt_minutes", request.user, minutes, _minutes_refusal(minutes, MINUTES_ALREADY_ADOPTED)
    )
    remarks = list(minutes.remarks.order_by("created_at", "pk"))
    form = MinutesAdoptForm(request.POST or None, meeting=meeting, remarks=remarks)
    if request.method == "POST" and form.is_valid():
        try:
            services.minutes_adopt(
                minutes=minutes,
                adopted_in=form.cleaned_data["adopted_in"],
                outcomes=form.outcomes(),
                author=request.user,
            )
        except ValidationError as error:
            attach_service_errors(form, error)
        else:
            messages.success(request, _("Le compte rendu est adopté ; il ne pourra plus être modifié."))
            return redirect("governance:meeting_detail", pk=meeting.pk)
    return _form_page(
        request,
        {
            "form": form,
            "title": _("Adopter le compte rendu"),
            "body": meeting.body,
            "meeting": meeting,
            "warning": _(
                "Une fois adopté, le compte rendu, l'ordre du jour, l'émargement et les décisions "
                "de cette réunion ne peuvent plus être modifiés."
            ),
            "lead": (
                _(
                    "Indiquez pour chaque remarque reçue si la version adoptée la retient ; "
                    "le compte rendu adopté et son PDF le mentionnent."
                )
                if remarks
                else _("Aucune remarque n'a été reçue sur ce compte rendu.")
            ),
        },
    )


def minutes_remark(request, pk):
    """A member of the body (or an organiser) records a remark on minutes sent for remarks."""
    meeting = _visible_meeting(request, pk)
    minutes = get_object_or_404(Minutes.objects.visible_to(request.user), meeting=meeting)
    minutes.meeting = meeting
    require("governance.remark_minutes", request.user, minutes, REMARKS_CLOSED)
    form = MinutesRemarkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.minutes_remark_add(minutes=minutes, text=form.cleaned_data["text"], author=request.user)
        except ValidationError as error:
            attach_service_errors(form, error)
        else:
            messages.success(request, _("Votre remarque est transmise au secrétariat de l'instance."))
            return redirect(f"{reverse('governance:meeting_detail', args=[meeting.pk])}#remarques")
    return _form_page(
        request,
        {
            "form": form,
            "title": _("Remarque sur le compte rendu"),
            "body": meeting.body,
            "meeting": meeting,
            "lead": _("Compte rendu envoyé pour remarques le %(date)s.")
            % {"date": date_format(timezone.localtime(minutes.sent_at), "j F Y")}
            if minutes.sent_at
            else "",
        },
    )


def minutes_context(meeting) -> dict:
    """What the PDF shows; the remarks received, with what the adopted version did with them, once
    the minutes are adopted (before, they are the secretary's working material)."""
    minutes = _minutes_of(meeting)
    return {
        "meeting": meeting,
        "body": meeting.body,
        "minutes": minutes,
        "remarks": list(minutes.remarks.all()) if minutes is not None and minutes.is_adopted else [],
        "agenda": meeting.agenda.all(),
        "attendances": _attendance_lines(meeting),
        "quorum": services.meeting_quorum(meeting),
        "decisions": meeting.decisions.select_related("owner"),
    }


def minutes_pdf(request, pk):
    meeting = _visible_meeting(request, pk)
    require("governance.print_minutes", request.user, meeting, NO_MINUTES_YET)
    response = HttpResponse(pdf.minutes_pdf(minutes_context(meeting)), content_type="application/pdf")
    filename = f"compte-rendu-{timezone.localtime(meeting.starts_at):%Y-%m-%d}-{meeting.pk}.pdf"
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


# Decisions


def decision_create(request, pk):
    meeting = _editable_meeting(request, pk)
    return _decision_form(request, meeting, Decision(meeting=meeting))


def decision_edit(request, pk):
    decision = get_object_or_404(Decision.objects.visible_to(request.user), pk=pk)
    meeting = _editable_meeting(request, decision.meeting_id)
    return _decision_form(request, meeting, decision)


def _decision_form(request, meeting, decision):
    form = DecisionForm(request.POST or None, instance=decision, user=request.user)
    if request.method == "POST" and form.is_valid():
        form.apply_subject(form.instance)
        try:
            services.decision_save(decision=form.instance, author=request.user)
        except ValidationError as error:
            attach_service_errors(form, error)
        else:
            messages.success(request, _("La décision est enregistrée."))
            return redirect("governance:meeting_detail", pk=meeting.pk)
    return _form_page(
        request,
        {
            "form": form,
            "title": _("Nouvelle décision") if decision.pk is None else _("Modifier la décision"),
            "body": meeting.body,
            "meeting": meeting,
        },
    )


def decision_status(request, pk):
    """Follow-up: the owner or the body's organisers; still allowed after the minutes are adopted."""
    decision = get_object_or_404(
        Decision.objects.visible_to(request.user).select_related("meeting__body"), pk=pk
    )
    require("governance.follow_decision", request.user, decision, ORGANISERS_ONLY)
    form = DecisionStatusForm(
        request.POST or None, initial={"status": decision.status, "done_on": decision.done_on}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.decision_update_status(decision=decision, author=request.user, **form.cleaned_data)
        except ValidationError as error:
            attach_service_errors(form, error)
        else:
            messages.success(request, _("Le suivi de la décision est mis à jour."))
            return redirect("governance:meeting_detail", pk=decision.meeting_id)
    return _form_page(
        request,
        {
            "form": form,
            "title": _("Suivi de la décision"),
            "body": decision.meeting.body,
            "meeting": decision.meeting,
            "lead": str(decision),
        },
    )


def decision_list(request):
    # Expected queries: the count, the page of decisions with meeting, body and owner joined,
    # and the filter form's two selects (bodies, owners).
    decisions = (
        Decision.objects.visible_to(request.user)
        .select_related("meeting__body", "owner")
        .order_by("due_date", "-meeting__starts_at", "pk")
    )
    filterset = DecisionFilter(request.GET, queryset=decisions, user=request.user)
    return render(
        request,
        "network/governance/decision_list.html",
        {
            "nav": NAV,
            "filterset": filterset,
            "page_obj": Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page")),
            "is_filtered": any(request.GET.get(name) for name in filterset.form.fields),
        },
    )


# Governance indicators


@rule_required(
    "governance.read_indicators",
    gettext_lazy("Cette page est réservée à la coordination régionale et aux observateurs."),
)
def governance_indicators(request):
    today = timezone.localdate()
    year = query_year(request, "year", default=today.year)
    bodies = indicators.body_indicators(year)
    return render(
        request,
        "network/governance/indicators.html",
        {
            "nav": "indicators",
            "year": year,
            "years": range(today.year - 5, today.year + 2),
            "bodies": bodies,
            "plans": indicators.plan_indicators(year),
            "totals": {
                "held": sum(b.held for b in bodies),
                "to_confirm": sum(b.to_confirm for b in bodies),
                "required": sum(b.required for b in bodies if b.body.is_active),
                "overdue": sum(b.decisions_overdue for b in bodies),
            },
        },
    )
