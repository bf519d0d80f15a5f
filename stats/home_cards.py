"""The statistics' cards of the home page (registered with sites.home_cards in StatsConfig.ready):
the periods to validate and the late ones, the year's reports to build for the coordination; each
site's visit desk, the month to hand in and its deadline, the months sent back for a site coordinator;
the dashboards for those who read them."""

import datetime

import rules
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from sites.home_cards import READ, HomeCard, HomeLine
from sites.models import Site

from .enums import PeriodStatus
from .models import Period, first_of_month


def stats_cards(request) -> list[HomeCard]:
    user = request.user
    roles = user.roles
    cards: list[HomeCard] = []
    if roles.is_regional_coordinator:
        cards.append(_coordination_periods())
        reports = _reports_card()
        if reports is not None:
            cards.append(reports)
    if roles.is_site_coordinator:
        cards.extend(_site_card(site) for site in _coordinated_sites(user))
    read = []
    if rules.test_rule("stats.read_region", user):
        read.append(HomeLine(_("Tableau de bord régional des passages"), reverse("stats:region_dashboard")))
    if rules.test_rule("stats.read_periods", user) and not roles.is_regional_coordinator:
        read.append(HomeLine(_("Périodes de statistiques"), reverse("stats:period_list")))
    if read:
        cards.append(HomeCard(_("Statistiques"), read, kind=READ))
    return cards


def _coordinated_sites(user):
    return Site.objects.editable_by(user).filter(pk__in=user.roles.coordinated_site_ids).order_by("name")


def _coordination_periods() -> HomeCard:
    periods = Period.objects.all()
    submitted = periods.filter(status=PeriodStatus.SUBMITTED).count()
    validated = periods.filter(status=PeriodStatus.VALIDATED).count()
    late = periods.late().count()
    url = reverse("stats:period_list")
    return HomeCard(
        _("Périodes de statistiques"),
        [
            HomeLine(_("en attente de validation"), f"{url}?status={PeriodStatus.SUBMITTED}", submitted),
            HomeLine(_("en retard (non soumises après l'échéance)"), f"{url}?late=on", late, tone="warning"),
            HomeLine(_("validées, à verrouiller"), f"{url}?status={PeriodStatus.VALIDATED}", validated),
        ],
        order=10,
        slug="periodes",
        more_url=url,
        more_label=_("Toutes les périodes"),
    )


def _reports_card() -> HomeCard | None:
    """The last year's reports not built yet: each labelled site's, the region's and the governance's."""
    try:
        from .reports.enums import ReportKind
        from .reports.models import ReportFile
    except ImportError:  # pragma: no cover - the reports app is not there
        return None
    year = timezone.localdate().year - 1
    built = ReportFile.objects.filter(year=year, provisional=False, is_current=True)
    labelled = Site.objects.labelled()
    missing_sites = labelled.exclude(pk__in=built.filter(kind=ReportKind.SITE).values("site_id")).count()
    missing_network = [
        kind.label
        for kind in (ReportKind.REGION, ReportKind.GOVERNANCE)
        if not built.filter(kind=kind).exists()
    ]
    url = reverse("stats:report_list")
    lines = []
    if missing_sites:
        lines.append(
            HomeLine(
                ngettext(
                    "bilan de site %(year)s à produire", "bilans de sites %(year)s à produire", missing_sites
                )
                % {"year": year},
                f"{url}?year={year}",
                missing_sites,
            )
        )
    for label in missing_network:
        lines.append(HomeLine(_("%(label)s %(year)s à produire") % {"label": label, "year": year}, url, 1))
    return HomeCard(
        _("Bilans de l'année %(year)s") % {"year": year},
        lines,
        order=80,
        slug="bilans",
        empty=_("Tous les bilans de l'année sont produits."),
        more_url=url,
        more_label=_("Tous les bilans"),
    )


def _site_card(site: Site) -> HomeCard:
    """One site's statistics: its desk, the month to hand in, the months late or sent back."""
    today = timezone.localdate()
    lines = [
        HomeLine(_("Saisir les passages du jour"), reverse("stats:visit_desk", kwargs={"slug": site.slug}))
    ]
    periods = Period.objects.filter(site=site)
    # The month to hand in: the last month over, while it is still open.
    month = first_of_month(first_of_month(today) - datetime.timedelta(days=1))
    period = periods.filter(month=month).first() or Period(site=site, month=month)
    if period.is_open:
        deadline = period.deadline
        url = (
            reverse("stats:period_detail", kwargs={"pk": period.pk})
            if period.pk
            else reverse("stats:site_periods", kwargs={"slug": site.slug, "year": month.year})
        )
        lines.append(
            HomeLine(
                _("%(month)s à soumettre") % {"month": date_format(month, "F Y")},
                url,
                detail=(_("échéance dépassée le %(date)s") if today > deadline else _("avant le %(date)s"))
                % {"date": date_format(deadline, "j F Y")},
                tone="warning" if today > deadline else "",
            )
        )
    late = periods.late(today).exclude(month=month).count()
    if late:
        lines.append(
            HomeLine(
                ngettext("mois en retard", "mois en retard", late),
                reverse("stats:site_periods", kwargs={"slug": site.slug, "year": today.year}),
                late,
                tone="warning",
            )
        )
    for reopened in periods.filter(status=PeriodStatus.OPEN).exclude(reopen_reason="").order_by("month"):
        lines.append(
            HomeLine(
                _("%(month)s renvoyée par la coordination") % {"month": date_format(reopened.month, "F Y")},
                reverse("stats:period_detail", kwargs={"pk": reopened.pk}),
                detail=_("motif : %(reason)s") % {"reason": reopened.reopen_reason},
                tone="warning",
            )
        )
    return HomeCard(
        _("Passages — %(site)s") % {"site": site.name},
        lines,
        order=10,
        slug=f"passages-{site.slug}",
        more_url=reverse("stats:site_periods", kwargs={"slug": site.slug, "year": today.year}),
        more_label=_("Les mois de l'année"),
    )
