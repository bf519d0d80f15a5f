"""The satisfaction questionnaire on a 360 px phone: each question's four answers share one line,
and each answer is a touch target of at least 44 px."""

import pytest
from django.urls import reverse

from stats.models import SatisfactionQuestion
from tests.factories import SiteFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_scale_fits_one_line_of_a_phone_with_large_targets(page, live_server):
    site = SiteFactory(name="Espace métiers de Reims", slug="reims")
    SatisfactionQuestion.objects.create(code="accueil", label="L'accueil qui vous a été réservé", order=1)
    SatisfactionQuestion.objects.create(code="attente", label="Le temps d'attente", order=2)

    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(reverse("stats:satisfaction_form", kwargs={"slug": site.slug}))

    scales = page.locator("div.scale")
    assert scales.count() == 2
    for index in range(2):
        labels = scales.nth(index).locator("label")
        assert labels.count() == 4
        boxes = [labels.nth(i).bounding_box() for i in range(4)]
        # One line: every answer starts at the same height, each right of the previous one, inside the page.
        assert len({round(box["y"]) for box in boxes}) == 1, boxes
        assert all(a["x"] + a["width"] <= b["x"] for a, b in zip(boxes, boxes[1:], strict=False)), boxes
        assert boxes[-1]["x"] + boxes[-1]["width"] <= 360, boxes
        assert all(box["height"] >= 44 and box["width"] >= 44 for box in boxes), boxes
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
