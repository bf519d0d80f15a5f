"""Pages of the professionalisation sessions: the trainings of the network's counsellors.

Their URLs and names stay under the strategy's (/strategie/professionnalisation/…,
strategy:session_list…): network/strategy/urls.py includes network/sessions/urls.py.
"""

import rules
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from spro.http import query_year
from spro.web.access import rule_required
from spro.web.forms import attach_service_errors

from ..models.governance import ProfessionalisationSession
from . import selectors, services
from .forms import ParticipationFormSet, SessionForm

MEMBERS_ONLY = gettext_lazy("Cette page est réservée aux membres du réseau.")
COORDINATION_ONLY = gettext_lazy("Cette page est réservée à la coordination régionale.")


@rule_required("strategy.read_sessions", MEMBERS_ONLY)
def session_list(request):
    today = timezone.localdate()
    year = query_year(request, "year", default=today.year)
    return render(
        request,
        "network/sessions/list.html",
        {
            "nav": "sessions",
            "year": year,
            "sessions": selectors.sessions_of_year(year),
            "totals": selectors.session_yearly_totals(),
            "can_edit": rules.test_rule("strategy.manage_sessions", request.user),
        },
    )


@rule_required("strategy.read_sessions", MEMBERS_ONLY)
def session_detail(request, pk):
    session = get_object_or_404(ProfessionalisationSession.objects.visible_to(request.user), pk=pk)
    participations = session.participations.select_related("organisation").order_by("organisation__name")
    total = sum(p.participants for p in participations)
    return render(
        request,
        "network/sessions/detail.html",
        {
            "nav": "sessions",
            "session": session,
            "participations": participations,
            "total": total,
            "participant_days": total * session.days,
            "can_edit": rules.test_rule("strategy.manage_sessions", request.user),
        },
    )


@rule_required("strategy.manage_sessions", COORDINATION_ONLY)
def session_create(request):
    return _session_form(request, ProfessionalisationSession())


@rule_required("strategy.manage_sessions", COORDINATION_ONLY)
def session_edit(request, pk):
    return _session_form(
        request, get_object_or_404(ProfessionalisationSession.objects.editable_by(request.user), pk=pk)
    )


def _session_form(request, session):
    creating = session.pk is None
    initial = (
        []
        if creating
        else [
            {"organisation": p.organisation_id, "participants": p.participants}
            for p in session.participations.order_by("organisation__name")
        ]
    )
    form = SessionForm(request.POST or None, instance=session)
    formset = ParticipationFormSet(request.POST or None, initial=initial, prefix="participants")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            session = services.session_save(session=form.instance, participations=formset.lines())
        except ValidationError as error:
            attach_service_errors(form, error)
        else:
            messages.success(request, _("La session « %(name)s » est enregistrée.") % {"name": session.theme})
            return redirect("strategy:session_detail", pk=session.pk)
    return render(
        request,
        "network/sessions/form.html",
        {"nav": "sessions", "form": form, "formset": formset, "session": session, "creating": creating},
    )
