"""Rendering a page of one area of the platform."""

from collections.abc import Callable

from django.http import HttpResponse
from django.shortcuts import render


def page_renderer(folder: str, *, nav: str) -> Callable[..., HttpResponse]:
    """A `render` for the templates of one folder, with the menu entry `nav` marked as current.

    _render = page_renderer("sites/plans", nav="plans")
    _render(request, "plan_form.html", {"form": form}, status=400)
    """
    folder = folder.rstrip("/")

    def render_page(request, template: str, context: dict, status: int = 200) -> HttpResponse:
        return render(request, f"{folder}/{template}", {"nav": nav, **context}, status=status)

    return render_page
