"""The attendance sheet's fields look like every form field, and its hidden labels are hidden on screen."""

import re
from pathlib import Path

from django.conf import settings
from django.urls import reverse

from tests.helpers import soup

from .conftest import held_meeting

CSS = (Path(settings.BASE_DIR) / "static" / "css" / "spro.css").read_text()


def _rule_selectors(css: str) -> list[str]:
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    return [selector.strip() for block in re.findall(r"([^{}]+)\{", css) for selector in block.split(",")]


def test_attendance_fields_are_styled_and_their_hidden_labels_hidden(
    client_for, coordinator_a, copil_a, meetings
):
    meeting = held_meeting(meetings["copil_a"])
    member = copil_a.members.get()

    response = client_for(coordinator_a).get(reverse("governance:attendance_edit", kwargs={"pk": meeting.pk}))

    html = soup(response)
    table = html.select_one("table.attendance-grid")
    assert table is not None
    assert table.select_one(f"select[name=status_{member.pk}]") is not None
    assert table.select_one(f"input[type=text][name=represented_by_{member.pk}]") is not None
    hidden_label = table.select_one(f"label[for=id_represented_by_{member.pk}]")
    hidden_classes = set(hidden_label["class"])
    selectors = _rule_selectors(CSS)
    # The class of the screen-reader-only label is one the style sheet hides.
    assert hidden_classes & {s.removeprefix(".") for s in selectors if s in (".sr-only", ".visually-hidden")}
    # Its select and text box are styled as the platform's other fields.
    assert ".attendance-grid select" in selectors
    assert ".attendance-grid input[type=text]" in selectors
