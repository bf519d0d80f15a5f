"""Each satisfaction question is worded for the scale it is answered on."""

import pytest
from django.urls import reverse

from stats.demo import SATISFACTION_QUESTIONS
from stats.models import SATISFACTION_SCALE, SatisfactionQuestion
from tests.helpers import soup

pytestmark = pytest.mark.django_db


def test_demo_questions_are_things_one_is_satisfied_with(client_for, site_a):
    # The scale says how satisfied one is: a yes-or-no question (« Recommanderiez-vous … ? ») does not fit.
    assert all(not label.rstrip().endswith("?") for _code, label in SATISFACTION_QUESTIONS)
    for order, (code, label) in enumerate(SATISFACTION_QUESTIONS, start=1):
        SatisfactionQuestion.objects.create(code=code, label=label, order=order)

    html = soup(client_for(None).get(reverse("stats:satisfaction_form", kwargs={"slug": site_a.slug})))

    scales = html.select("div.scale")
    assert len(scales) == len(SATISFACTION_QUESTIONS)
    wording = [str(text) for _value, text in SATISFACTION_SCALE]
    for scale in scales:
        assert [label.get_text(" ", strip=True) for label in scale.select("label")] == wording
