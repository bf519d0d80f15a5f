"""What the open data of the sites reads: the public directory, whoever asks."""

from django.contrib.auth.models import AnonymousUser
from django.db.models import OuterRef, Prefetch, QuerySet, Subquery

from network.models import Territory

from ..models import ServiceLevel, Site, Theme


def published_sites() -> QuerySet:
    """The sites of the public directory (labelled or suspended), the same for every reader: what an
    anonymous visitor sees, even when the request comes from someone logged in who sees more.

    Each site carries `history_latest`, the date of its latest history record (django-simple-history
    writes one at every save), in the same query.
    """
    latest = (
        Site.history.model.objects.filter(id=OuterRef("pk"))
        .order_by("-history_date")
        .values("history_date")[:1]
    )
    return (
        Site.objects.visible_to(AnonymousUser())
        .select_related("kind", "host__kind", "departement")
        .prefetch_related(
            Prefetch("themes", queryset=Theme.objects.order_by("order", "label")),
            Prefetch("service_levels", queryset=ServiceLevel.objects.order_by("order", "label")),
            Prefetch("territories", queryset=Territory.objects.select_related("kind")),
        )
        .annotate(history_latest=Subquery(latest))
        .order_by("slug")
    )
