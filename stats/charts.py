"""Accessible charts drawn on the server as inline SVG: no JavaScript, no CDN, printable.

Each chart is an image with a <title> and an aria-label; the page always puts the data table next
to it, so the chart only illustrates what the table says. Series are told apart by the line style
and the markers, not by colour alone.
"""

import datetime
import functools
import math
from collections.abc import Callable, Sequence
from decimal import ROUND_HALF_UP, Decimal

from django.utils import formats, timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

# French formatting: narrow grouping ("12 345"), decimal comma, a non-breaking space before "%".


@functools.lru_cache(maxsize=32)
def _number_format(language: str | None) -> tuple[str, str, object]:
    """The active language's decimal separator, thousands separator and grouping."""
    return (
        formats.get_format("DECIMAL_SEPARATOR"),
        formats.get_format("THOUSAND_SEPARATOR"),
        formats.get_format("NUMBER_GROUPING"),
    )


def format_number(value, decimals: int = 0) -> str:
    """A number the French way, grouped by thousands, rounded half up (2/3 → "66,7", not "66,6").

    The same text as Django's number_format (tests/stats/test_charts.py), written with Python's own
    grouping: a ten-year dashboard formats a few thousand numbers, and number_format, which looks
    its settings up on every call, took a third of the page's time (bench/README.md).
    """
    if value is None:
        return "—"
    decimal_separator, thousand_separator, grouping = _number_format(get_language())
    if isinstance(value, int) and decimals == 0:
        rounded = value
    else:
        # Round first, exactly, in decimal (number_format would truncate a float).
        rounded = Decimal(str(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    if grouping != 3:
        return formats.number_format(rounded, decimal_pos=decimals, use_l10n=True, force_grouping=True)
    text = f"{rounded:,}" if isinstance(rounded, int) else f"{rounded:,.{decimals}f}"
    return text.replace(",", "\0").replace(".", decimal_separator).replace("\0", thousand_separator)


def format_percent(fraction, decimals: int = 1) -> str:
    """A share (0.125) as a French percentage ("12,5 %")."""
    if fraction is None:
        return "—"
    return f"{format_number(fraction * 100, decimals)}\xa0%"


def format_change(fraction) -> str:
    """A relative change with its sign ("+12,5 %", "−3,0 %")."""
    if fraction is None:
        return "—"
    sign = "+" if fraction > 0 else ("−" if fraction < 0 else "")
    return f"{sign}{format_percent(abs(fraction))}"


def format_year(year: int, today: datetime.date | None = None) -> str:
    """A year as a trend shows it: the year not yet over says it is partial."""
    if year == (today or timezone.localdate()).year:
        return _("%(year)s (année en cours)") % {"year": year}
    return str(year)


def format_month_in_progress(label: str, in_progress: bool) -> str:
    """A month's label in a file: the month not yet over says it is partial."""
    return _("%(month)s (mois en cours)") % {"month": label} if in_progress else label


MONTH_ABBREVIATIONS = (
    "janv.",
    "févr.",
    "mars",
    "avr.",
    "mai",
    "juin",
    "juil.",
    "août",
    "sept.",
    "oct.",
    "nov.",
    "déc.",
)


def format_month(month: datetime.date, short: bool = False) -> str:
    """The month in words ("mars 2026"), or abbreviated for a chart axis ("mars 26")."""
    if short:
        return f"{MONTH_ABBREVIATIONS[month.month - 1]} {month:%y}"
    return formats.date_format(month, "YEAR_MONTH_FORMAT")


# Drawing.

WIDTH = 640
INK = "#161616"
GRID = "#dddddd"
BAR = "#000091"
SERIES_STYLES = (
    {"stroke": "#000091", "dash": "", "marker": "circle"},
    {"stroke": "#666666", "dash": "6 4", "marker": "square"},
    {"stroke": "#b34000", "dash": "2 3", "marker": "diamond"},
)


def _truncate(text: str, length: int) -> str:
    text = str(text)
    return text if len(text) <= length else text[: length - 1] + "…"


def _svg_open(chart_id: str, title: str, description: str, height: float) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{escape(chart_id)}" '
        f'viewBox="0 0 {WIDTH} {height:.0f}" width="100%" role="img" aria-label="{escape(title)}" '
        f'aria-describedby="{escape(chart_id)}-desc" preserveAspectRatio="xMinYMin meet">',
        f"<title>{escape(title)}</title>",
        f'<desc id="{escape(chart_id)}-desc">{escape(description)}</desc>',
    ]


def _axis_step(largest: float, steps: int = 4) -> int:
    """A round whole step for an axis of `steps` intervals reaching at least `largest` (60, 250, 3 000)."""
    raw = largest / steps
    if raw <= 1:
        return 1
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        step = factor * magnitude
        if step >= raw and float(step).is_integer():
            return int(step)
    return int(10 * magnitude)


def bar_chart(
    *,
    chart_id: str,
    title: str,
    items: Sequence[tuple[str, float]],
    max_value: float | None = None,
    value_format: Callable[[float], str] = format_number,
) -> SafeString:
    """Horizontal bars, one per (label, value), with the value written at the end of each bar."""
    label_width, value_width, bar_height, gap, top = 220, 80, 20, 8, 8
    plot_width = WIDTH - label_width - value_width
    height = top * 2 + len(items) * (bar_height + gap)
    largest = max_value if max_value is not None else max((v or 0 for _l, v in items), default=0)
    description = _("Diagramme en barres : %(items)s.") % {
        "items": " ; ".join(f"{label} : {value_format(value)}" for label, value in items)
    }
    parts = _svg_open(chart_id, title, description, height)
    for n, (label, value) in enumerate(items):
        y = top + n * (bar_height + gap)
        length = (plot_width * (value or 0) / largest) if largest else 0
        text_y = y + bar_height * 0.72
        parts.append(
            "<g>"
            f"<title>{escape(label)} : {escape(value_format(value))}</title>"
            f'<text x="{label_width - 8}" y="{text_y:.1f}" text-anchor="end" font-size="13" '
            f'fill="{INK}">{escape(_truncate(label, 30))}</text>'
            f'<rect x="{label_width}" y="{y}" width="{max(length, 1 if value else 0):.1f}" '
            f'height="{bar_height}" fill="{BAR}"/>'
            f'<text x="{label_width + length + 6:.1f}" y="{text_y:.1f}" font-size="13" '
            f'fill="{INK}">{escape(value_format(value))}</text>'
            "</g>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # Every piece of text above is escaped.


def _marker(kind: str, x: float, y: float, colour: str) -> str:
    if kind == "square":
        return f'<rect x="{x - 3.5:.1f}" y="{y - 3.5:.1f}" width="7" height="7" fill="{colour}"/>'
    if kind == "diamond":
        return (
            f'<polygon points="{x:.1f},{y - 4.5:.1f} {x + 4.5:.1f},{y:.1f} {x:.1f},{y + 4.5:.1f} '
            f'{x - 4.5:.1f},{y:.1f}" fill="{colour}"/>'
        )
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}"/>'


def line_chart(
    *,
    chart_id: str,
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    value_format: Callable[[float], str] = format_number,
) -> SafeString:
    """One line per series over shared x labels; a missing value (None) breaks the line."""
    left, right, top, bottom, legend_height = 64, 32, 16, 40, 24 * len(series)
    plot_height = 220
    height = top + plot_height + bottom + legend_height
    plot_width = WIDTH - left - right
    values = [v for _name, points in series for v in points if v is not None]
    step = _axis_step(max(values, default=0))
    ceiling = step * 4
    step_x = plot_width / max(len(labels) - 1, 1)

    def x_of(index: int) -> float:
        return left + (index * step_x if len(labels) > 1 else plot_width / 2)

    def y_of(value: float) -> float:
        return top + plot_height - plot_height * value / ceiling

    description = " ".join(
        f"{name} : "
        + " ; ".join(
            f"{label} {value_format(v)}" for label, v in zip(labels, points, strict=True) if v is not None
        )
        + "."
        for name, points in series
    )
    parts = _svg_open(chart_id, title, _("Courbes. %(values)s") % {"values": description}, height)
    # Horizontal grid with four steps, labelled on the left.
    for n in range(5):
        value = step * n
        y = y_of(value)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{WIDTH - right}" y2="{y:.1f}" stroke="{GRID}"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" fill="{INK}">'
            f"{escape(value_format(value))}</text>"
        )
    # X labels: every label when they fit (13), else one in two or three, else one a year for months.
    every = 1 if len(labels) <= 13 else 2 if len(labels) <= 24 else 3 if len(labels) <= 36 else 12
    for index, label in enumerate(labels):
        if index % every:
            continue
        parts.append(
            f'<text x="{x_of(index):.1f}" y="{top + plot_height + 18}" text-anchor="middle" font-size="11" '
            f'fill="{INK}">{escape(label)}</text>'
        )
    for number, (name, points) in enumerate(series):
        style = SERIES_STYLES[number % len(SERIES_STYLES)]
        segments, current = [], []
        for index, value in enumerate(points):
            if value is None:
                if current:
                    segments.append(current)
                current = []
                continue
            current.append((x_of(index), y_of(value)))
        if current:
            segments.append(current)
        dash = f' stroke-dasharray="{style["dash"]}"' if style["dash"] else ""
        for segment in segments:
            if len(segment) > 1:
                points_attr = " ".join(f"{x:.1f},{y:.1f}" for x, y in segment)
                parts.append(
                    f'<polyline points="{points_attr}" fill="none" stroke="{style["stroke"]}" '
                    f'stroke-width="2.5"{dash}/>'
                )
        for index, value in enumerate(points):
            if value is None:
                continue
            parts.append(
                "<g>"
                f"<title>{escape(name)}, {escape(labels[index])} : {escape(value_format(value))}</title>"
                + _marker(style["marker"], x_of(index), y_of(value), style["stroke"])
                + "</g>"
            )
        # Legend: the line style and marker, then the series name.
        legend_y = top + plot_height + bottom + 24 * number + 8
        parts.append(
            f'<line x1="{left}" y1="{legend_y}" x2="{left + 32}" y2="{legend_y}" stroke="{style["stroke"]}" '
            f'stroke-width="2.5"{dash}/>'
            + _marker(style["marker"], left + 16, legend_y, style["stroke"])
            + f'<text x="{left + 40}" y="{legend_y + 4}" font-size="12" fill="{INK}">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # Every piece of text above is escaped.
