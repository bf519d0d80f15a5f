"""Demo coordination visits: about five a year per labelled site, each in its season.

Moved from the strategy's demo (the visits belong to the sites' layer, above the strategy). Idempotent:
a visit is found by its site, purpose and date, so running it twice creates nothing the second time.
Run after `sites.demo.load_demo` and the demo accounts (the "coordination" account visits).
"""

import datetime
import zlib

from django.db import transaction
from django.utils import timezone

from network.models import User

from ..enums import VisitPurpose
from ..models import Site
from ..models.visits import CoordinationVisit

# About five coordination visits a year per site, each in its season: (purpose, first month, last month).
VISIT_SEASONS = [
    (VisitPurpose.YEARLY_REVIEW, 1, 2),
    (VisitPurpose.FUNDING_FILE, 3, 4),
    (VisitPurpose.PROGRAMME_REVIEW, 5, 6),
    (VisitPurpose.COMMITTEE_PREPARATION, 9, 10),
    (VisitPurpose.CONFORMITY, 11, 12),
]
VISIT_NOTES = {
    VisitPurpose.YEARLY_REVIEW: "Aide à la rédaction du bilan d'activité et contrôle des statistiques.",
    VisitPurpose.FUNDING_FILE: "Relecture du dossier de financement avant dépôt à la Région.",
    VisitPurpose.PROGRAMME_REVIEW: "Point sur le programme de l'année et les événements du second semestre.",
    VisitPurpose.COMMITTEE_PREPARATION: "Préparation du comité technique local de programmation.",
    VisitPurpose.CONFORMITY: "Visite de suivi du cahier des charges.",
}


def _day_in(year: int, first_month: int, last_month: int, seed: str) -> datetime.date:
    """A stable working day in the season, different per site (no randomness: idempotent)."""
    spread = zlib.crc32(seed.encode())
    month = first_month + spread % (last_month - first_month + 1)
    day = datetime.date(year, month, 3 + (spread // 7) % 22)
    while day.weekday() >= 5:  # the coordination visits on working days
        day += datetime.timedelta(days=1)
    return day


@transaction.atomic
def load_visits_demo(*, today: datetime.date | None = None) -> dict[str, int]:
    """This year's and last year's visits of every labelled site; returns {kind: rows created}."""
    today = today or timezone.localdate()
    created = 0
    visitor = User.objects.filter(username="coordination").first()
    for site in Site.objects.labelled().order_by("slug"):
        for year in (today.year - 1, today.year):
            for purpose, first, last in VISIT_SEASONS:
                visited_on = _day_in(year, first, last, f"{site.slug}-{purpose}")
                _visit, was = CoordinationVisit.objects.get_or_create(
                    site=site,
                    purpose=purpose,
                    visited_on=visited_on,
                    defaults={
                        "visitor": visitor,
                        "notes": VISIT_NOTES[purpose] if visited_on <= today else "",
                    },
                )
                created += was
    return {"visites sur site": created} if created else {}
