"""Governance's cards of the home page (registered with sites.home_cards in NetworkConfig.ready): the
decisions overdue and the meetings held whose minutes are not adopted, for those who organise the
bodies; the next meetings of a person's bodies."""

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from network.enums import MeetingStatus, MinutesStatus
from network.models.governance import Body, Decision, Meeting
from sites.home_cards import READ, HomeCard, HomeLine, register_home_card

from .forms import YES

# How many meetings a card lists one by one.
LISTED = 5


def governance_cards(request) -> list[HomeCard]:
    user = request.user
    if not user.is_authenticated:
        return []
    roles = user.roles
    cards = []
    managed = Body.objects.managed_by(user)
    if roles.is_regional_coordinator or roles.is_site_coordinator:
        cards.append(_follow_up_card(user, managed))
    upcoming = _upcoming_card(user)
    if upcoming is not None:
        cards.append(upcoming)
    read = [HomeLine(_("Instances de gouvernance"), reverse("governance:body_list"))]
    read.append(HomeLine(_("Suivi des décisions"), reverse("governance:decision_list")))
    cards.append(HomeCard(_("Gouvernance"), read, kind=READ))
    return cards


def _follow_up_card(user, managed) -> HomeCard:
    """Decisions overdue, and the meetings held without adopted minutes, of the bodies the user runs."""
    decisions_url = reverse("governance:decision_list")
    if user.roles.is_regional_coordinator:
        overdue = Decision.objects.overdue().count()
    else:
        overdue = Decision.objects.overdue().filter(Q(meeting__body__in=managed) | Q(owner=user)).count()
    pending = (
        Meeting.objects.filter(body__in=managed, starts_at__lt=timezone.now())
        .exclude(status=MeetingStatus.CANCELLED)
        .exclude(minutes__status=MinutesStatus.ADOPTED)
        .select_related("body", "minutes")
        .order_by("starts_at")
    )
    pending_count = pending.count()
    lines = [
        HomeLine(_("décisions en retard"), f"{decisions_url}?overdue={YES}", overdue, tone="warning"),
        HomeLine(
            _("réunions tenues sans compte rendu adopté"),
            reverse("governance:body_list"),
            pending_count,
        ),
    ]
    for meeting in pending[:LISTED]:
        minutes = getattr(meeting, "minutes", None)
        lines.append(
            HomeLine(
                f"{meeting.body} — {date_format(timezone.localtime(meeting.starts_at), 'j F Y')}",
                reverse("governance:meeting_detail", kwargs={"pk": meeting.pk}),
                detail=(
                    _("compte rendu à rédiger")
                    if minutes is None
                    else _("compte rendu : %(status)s") % {"status": minutes.get_status_display().lower()}
                ),
            )
        )
    return HomeCard(
        _("Gouvernance"),
        lines,
        order=50,
        slug="gouvernance",
        more_url=decisions_url,
        more_label=_("Toutes les décisions"),
    )


def _upcoming_card(user) -> HomeCard | None:
    """The next meetings of the person's own bodies: their sites', and those they or their
    organisation sit in (every body for the coordination is too many: theirs are those they run)."""
    roles = user.roles
    mine = Q(members__user=user)
    if roles.coordinated_site_ids:
        mine |= Q(site_id__in=roles.coordinated_site_ids)
    if roles.partner_organisation_ids:
        mine |= Q(members__organisation_id__in=roles.partner_organisation_ids)
    if roles.is_regional_coordinator:
        return None
    bodies = Body.objects.visible_to(user).filter(mine).values("pk")
    meetings = list(
        Meeting.objects.filter(body__in=bodies, starts_at__gte=timezone.now(), status=MeetingStatus.PLANNED)
        .select_related("body")
        .order_by("starts_at")[:LISTED]
    )
    if not (roles.is_site_coordinator or meetings):
        return None
    lines = [
        HomeLine(
            str(meeting.body),
            reverse("governance:meeting_detail", kwargs={"pk": meeting.pk}),
            detail=date_format(timezone.localtime(meeting.starts_at), "l j F Y à H:i"),
        )
        for meeting in meetings
    ]
    return HomeCard(
        _("Prochaines réunions de mes instances"),
        lines,
        order=60,
        slug="reunions",
        empty=_("Aucune réunion prévue."),
        more_url=reverse("governance:body_list"),
        more_label=_("Toutes les instances"),
    )


def register() -> None:
    """Called by NetworkConfig.ready (the network core may not import the sites app itself)."""
    register_home_card(governance_cards)
