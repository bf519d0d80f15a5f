"""The reports' charts: vector SVG drawn from the figures, readable once printed in black and white.

Horizontal bars come from the dashboards' charts (stats/charts.py), which write each value at the
end of its bar. The month-by-month comparison is drawn here: two bars per month told apart by a
fill pattern (solid for the year, hatched for the year before), not by colour alone, with a legend
showing both. Every chart carries a <title> and a <desc> that reads out its values, and the
document puts the table of the same figures beside it.

Chart ids are prefixed by the section they belong to (`site-12-mois`), so that a regional report
holding fifty sites' charts keeps each id unique in the document.
"""

from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from stats import charts

WIDTH = charts.WIDTH
INK = charts.INK
GRID = charts.GRID


def bars(*, chart_id: str, title: str, items: Sequence[tuple[str, float]], **options) -> SafeString:
    """Horizontal bars with their values written beside them (stats.charts.bar_chart)."""
    return charts.bar_chart(chart_id=chart_id, title=title, items=list(items), **options)


def _patterns(chart_id: str) -> str:
    hatch = escape(f"{chart_id}-hachures")
    return (
        "<defs>"
        f'<pattern id="{hatch}" patternUnits="userSpaceOnUse" width="6" height="6" '
        'patternTransform="rotate(45)">'
        '<rect width="6" height="6" fill="#ffffff"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="{INK}" stroke-width="2.2"/>'
        "</pattern>"
        "</defs>"
    )


def compared_bars(
    *,
    chart_id: str,
    title: str,
    labels: Sequence[str],
    current: tuple[str, Sequence[int | None]],
    previous: tuple[str, Sequence[int | None]],
) -> SafeString:
    """Two vertical bars per label: the current series solid, the previous one hatched."""
    left, right, top, bottom, legend = 56, 12, 12, 34, 28
    plot_height = 200
    height = top + plot_height + bottom + legend
    plot_width = WIDTH - left - right
    current_name, current_values = current
    previous_name, previous_values = previous
    values = [v for v in (*current_values, *previous_values) if v is not None]
    step = charts._axis_step(max(values, default=0))
    ceiling = step * 4
    slot = plot_width / max(len(labels), 1)
    bar = slot * 0.36

    def y_of(value: float) -> float:
        return top + plot_height - plot_height * value / ceiling

    def read_out(name, points) -> str:
        shown = [
            f"{label} {charts.format_number(v)}"
            for label, v in zip(labels, points, strict=True)
            if v is not None
        ]
        return f"{name} : " + " ; ".join(shown) + "." if shown else ""

    description = _("Barres groupées. %(values)s") % {
        "values": " ".join(
            part
            for part in (read_out(current_name, current_values), read_out(previous_name, previous_values))
            if part
        )
    }
    hatch = f"url(#{escape(chart_id)}-hachures)"
    parts = charts._svg_open(chart_id, title, description, height)
    parts.append(_patterns(chart_id))
    for n in range(5):
        value = step * n
        y = y_of(value)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{WIDTH - right}" y2="{y:.1f}" stroke="{GRID}"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" fill="{INK}">'
            f"{escape(charts.format_number(value))}</text>"
        )
    for index, label in enumerate(labels):
        x = left + index * slot + slot * 0.14
        for offset, (name, points, fill) in enumerate(
            ((current_name, current_values, INK), (previous_name, previous_values, hatch))
        ):
            value = points[index]
            if value is None:
                continue
            y = y_of(value)
            parts.append(
                f"<g><title>{escape(name)}, {escape(label)} : {escape(charts.format_number(value))}</title>"
                f'<rect x="{x + offset * bar:.1f}" y="{y:.1f}" width="{bar:.1f}" '
                f'height="{top + plot_height - y:.1f}" fill="{fill}" stroke="{INK}" stroke-width="0.8"/></g>'
            )
        parts.append(
            f'<text x="{left + index * slot + slot / 2:.1f}" y="{top + plot_height + 16}" '
            f'text-anchor="middle" font-size="11" fill="{INK}">{escape(label)}</text>'
        )
    legend_y = top + plot_height + bottom
    for offset, (name, fill) in enumerate(((current_name, INK), (previous_name, hatch))):
        x = left + offset * 220
        parts.append(
            f'<rect x="{x}" y="{legend_y}" width="18" height="12" fill="{fill}" stroke="{INK}" '
            'stroke-width="0.8"/>'
            f'<text x="{x + 24}" y="{legend_y + 11}" font-size="12" fill="{INK}">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # Every piece of text above is escaped.


def line(*, chart_id: str, title: str, labels: Sequence[str], series) -> SafeString:
    """Lines told apart by their dash and markers (stats.charts.line_chart)."""
    return charts.line_chart(chart_id=chart_id, title=title, labels=list(labels), series=list(series))
