"""Satisfaction questionnaires: record one anonymous response, and erase a comment holding personal data."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sites.models import Site
from spro.web.access import require

from .. import rollups
from ..models import SATISFACTION_SCALE, SatisfactionAnswer, SatisfactionQuestion, SatisfactionResponse


@transaction.atomic
def satisfaction_record(
    *, site: Site, answers: dict[int, int], comment: str = "", day: datetime.date | None = None
):
    """Save one anonymous questionnaire: the day (no time), scale answers by question id, the comment."""
    day = day or timezone.localdate()
    comment = (comment or "").strip()
    if not site.is_public:
        raise ValidationError(_("Ce site ne propose pas de questionnaire de satisfaction."))
    active = set(SatisfactionQuestion.objects.active_on(day).values_list("pk", flat=True))
    values = {value for value, _label in SATISFACTION_SCALE}
    for question_id, value in answers.items():
        if question_id not in active or value not in values:
            raise ValidationError(_("Réponse invalide."))
    if not answers and not comment:
        raise ValidationError(_("Répondez à au moins une question ou laissez un commentaire."))
    if len(comment) > SatisfactionResponse._meta.get_field("comment").max_length:
        raise ValidationError({"comment": _("Le commentaire est trop long.")})
    response = SatisfactionResponse.objects.create(site=site, answered_on=day, comment=comment)
    SatisfactionAnswer.objects.bulk_create(
        SatisfactionAnswer(response=response, question_id=question_id, value=value)
        for question_id, value in sorted(answers.items())
    )
    rollups.apply_satisfaction(site_id=site.pk, day=day, answers=answers)
    return response


@transaction.atomic
def satisfaction_comment_delete(*, response, author):
    """Erase a free comment that holds personal data; the scale answers stay in the statistics."""
    require(
        "stats.moderate_comments",
        author,
        response.site,
        _("Seule la coordination régionale peut faire cette action."),
    )
    response.comment = ""
    response.save(update_fields=["comment"])
    return response
