"""The minutes as a PDF document, rendered by WeasyPrint from an HTML template."""

from django.conf import settings
from django.template.loader import render_to_string

TEMPLATE = "network/governance/minutes_pdf.html"


def minutes_html(context: dict) -> str:
    """The HTML that becomes the PDF: tested on its own, since the PDF text is harder to read."""
    return render_to_string(TEMPLATE, context)


def minutes_pdf(context: dict) -> bytes:
    # Imported here: WeasyPrint loads Pango at import time, which only this page needs.
    from weasyprint import HTML

    return HTML(string=minutes_html(context), base_url=settings.SPRO_BASE_URL).write_pdf()
