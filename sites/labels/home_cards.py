"""The label's cards of the home page (registered with sites.home_cards in SitesConfig.ready): the
applications to instruct, the avis awaiting the Région's decision and the renewals due for the
coordination; each site's file in progress and self-assessment of the year for its coordinators."""

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from ..enums import ApplicationStatus, AssessmentStatus
from ..home_cards import HomeCard, HomeLine
from ..models import Site
from ..models.evaluation import SelfAssessment
from ..models.labels import LabelApplication
from .selectors import assessment_grid

OPEN_STATUSES = (
    ApplicationStatus.DRAFT,
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.INSTRUCTION,
    ApplicationStatus.OPINION_GIVEN,
)


def label_cards(request) -> list[HomeCard]:
    user = request.user
    roles = user.roles
    cards = []
    if roles.is_regional_coordinator:
        cards.append(_coordination_card())
    if roles.is_site_coordinator:
        sites = list(
            Site.objects.editable_by(user).filter(pk__in=roles.coordinated_site_ids).order_by("name")
        )
        if sites:
            cards.append(_sites_card(sites))
    return cards


def _coordination_card() -> HomeCard:
    url = reverse("labels:application_list")
    by_status = dict.fromkeys(ApplicationStatus, 0)
    for status in LabelApplication.objects.values_list("status", flat=True):
        by_status[status] = by_status.get(status, 0) + 1
    renewals = Site.objects.due_for_renewal().count()
    overdue_renewals = Site.objects.labelled().filter(label_renewal_due_on__lt=timezone.localdate()).count()
    lines = [
        HomeLine(
            _("candidatures déposées, à instruire"),
            f"{url}?status={ApplicationStatus.SUBMITTED}",
            by_status[ApplicationStatus.SUBMITTED],
        ),
        HomeLine(
            _("candidatures en instruction (avis de la commission à recueillir)"),
            f"{url}?status={ApplicationStatus.INSTRUCTION}",
            by_status[ApplicationStatus.INSTRUCTION],
        ),
        HomeLine(
            _("avis rendus, décision de la Région à enregistrer"),
            f"{url}?status={ApplicationStatus.OPINION_GIVEN}",
            by_status[ApplicationStatus.OPINION_GIVEN],
        ),
        HomeLine(
            _("labels à renouveler"),
            "#labels-a-renouveler",
            renewals,
            detail=_("dont %(n)s dépassés") % {"n": overdue_renewals} if overdue_renewals else "",
            tone="warning" if overdue_renewals else "",
        ),
    ]
    return HomeCard(
        _("Labels"), lines, order=20, slug="labels", more_url=url, more_label=_("Toutes les candidatures")
    )


def _sites_card(sites: list[Site]) -> HomeCard:
    year = timezone.localdate().year
    assessments = {a.site_id: a for a in SelfAssessment.objects.filter(site__in=sites, year=year)}
    applications = {
        a.site_id: a
        for a in LabelApplication.objects.filter(site__in=sites, status__in=OPEN_STATUSES).order_by(
            "created_at"
        )
    }
    several = len(sites) > 1
    lines = []
    for site in sites:
        suffix = f" — {site.name}" if several else ""
        assessment = assessments.get(site.pk)
        if assessment is None and assessment_grid(None, site) is None:
            # A self-assessment starts on the grid in force for the site's kind: none, nothing to start.
            state, tone = None, ""
        elif assessment is None:
            state, tone = _("à commencer"), "warning"
        elif assessment.status == AssessmentStatus.SUBMITTED:
            state, tone = (
                _("transmise le %(date)s")
                % {"date": date_format(timezone.localtime(assessment.submitted_at), "j F Y")}
                if assessment.submitted_at
                else _("transmise"),
                "",
            )
        else:
            state, tone = _("brouillon à transmettre"), "warning"
        if state is not None:
            lines.append(
                HomeLine(
                    _("Auto-évaluation %(year)s") % {"year": year} + suffix,
                    reverse("labels:assessment_edit", kwargs={"slug": site.slug, "year": year}),
                    detail=state,
                    tone=tone,
                )
            )
        application = applications.get(site.pk)
        if application is not None:
            lines.append(
                HomeLine(
                    (_("Dossier de renouvellement") if application.is_renewal else _("Candidature au label"))
                    + suffix,
                    reverse("labels:application_detail", kwargs={"pk": application.pk}),
                    detail=application.get_status_display(),
                )
            )
    return HomeCard(_("Label et auto-évaluation"), lines, order=30, slug="label-sites")
