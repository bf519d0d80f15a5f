"""`{% load stats_format %}`: numbers of the statistics pages, formatted the French way."""

from django import template

from stats import charts

register = template.Library()


@register.filter
def nombre(value) -> str:
    """A count grouped by thousands ("12 345"), as `floatformat:"g"` writes it, a few times faster:
    a ten-year dashboard prints a few thousand of them."""
    if value is None or value == "":
        return ""
    return charts.format_number(value)
