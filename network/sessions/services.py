"""Writes of the professionalisation sessions. Views call these; they never save sessions themselves."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ..models import Organisation
from ..models.governance import ProfessionalisationSession, SessionParticipation


@transaction.atomic
def session_save(
    *, session: ProfessionalisationSession, participations: Iterable[tuple[Organisation, int]]
) -> ProfessionalisationSession:
    """Save a session and replace its participants by organisation (one line per organisation)."""
    lines = [(organisation, count) for organisation, count in participations if organisation and count]
    seen = set()
    for organisation, _count in lines:
        if organisation.pk in seen:
            raise ValidationError(
                _("L'organisation « %(name)s » figure deux fois dans les participants.")
                % {"name": organisation}
            )
        seen.add(organisation.pk)
    session.full_clean()
    session.save()
    session.participations.all().delete()
    SessionParticipation.objects.bulk_create(
        SessionParticipation(session=session, organisation=organisation, participants=count)
        for organisation, count in lines
    )
    return session
