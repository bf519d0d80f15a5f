"""Demo avis of the steering bodies on the label applications: the June commission's favourable avis
on the latest application.

Loaded after network.governance.demo (the commission and its meeting), by stats' seed_demo: the
governance layer does not read the label applications, which sit above it. Idempotent: the avis is
found by its meeting and summary.
"""

import datetime

from django.db import transaction
from django.utils import timezone

from network.enums import DecisionKind
from network.governance.demo import june_commission
from network.models.governance import Decision

from ..models.labels import LabelApplication


@transaction.atomic
def load_commission_avis_demo(*, today: datetime.date | None = None) -> dict[str, int]:
    """The commission's avis on the latest label application; returns {kind: rows created}."""
    meeting = june_commission(today or timezone.localdate())
    application = LabelApplication.objects.select_related("site").order_by("-submitted_on", "pk").first()
    if meeting is None or application is None:
        return {}
    _decision, created = Decision.objects.get_or_create(
        meeting=meeting,
        summary=f"La commission émet un avis favorable à la candidature de {application.site.name} au label.",
        defaults={"kind": DecisionKind.FAVOURABLE, "subject": application},
    )
    return {"décisions": 1} if created else {}
