"""Reads of the professionalisation sessions pages that span several models (sessions, participations)."""

from django.db.models import Count, DecimalField, F, Sum
from django.db.models.functions import ExtractYear

from ..models.governance import ProfessionalisationSession, SessionParticipation


def sessions_of_year(year: int) -> list[ProfessionalisationSession]:
    """The professionalisation sessions of a year, newest first, with their participants and organisations."""
    sessions = (
        ProfessionalisationSession.objects.filter(starts_on__year=year)
        .annotate(participants=Sum("participations__participants"), organisations=Count("participations"))
        .order_by("-starts_on")
    )
    return list(sessions)


def session_yearly_totals() -> list[dict]:
    """Per year, newest first: the sessions, their days, participants and participant-days."""
    # Sessions and days from one grouped query, participants and participant-days (participants ×
    # duration of their session) from another.
    totals = list(
        ProfessionalisationSession.objects.annotate(y=ExtractYear("starts_on"))
        .values("y")
        .annotate(sessions=Count("pk"), days=Sum("days"))
        .order_by("-y")
    )
    people = {
        row["y"]: row
        for row in SessionParticipation.objects.annotate(y=ExtractYear("session__starts_on"))
        .values("y")
        .annotate(
            # Not named "participants": F("participants") below must mean the column.
            total_participants=Sum("participants"),
            participant_days=Sum(
                F("participants") * F("session__days"),
                output_field=DecimalField(max_digits=10, decimal_places=1),
            ),
        )
        .order_by()
    }
    for row in totals:
        row["participants"] = people.get(row["y"], {}).get("total_participants") or 0
        row["participant_days"] = people.get(row["y"], {}).get("participant_days") or 0
    return totals
