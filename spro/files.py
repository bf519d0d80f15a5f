"""Stored files leave the platform only through views that fetched them through a scoped queryset.

No URL maps to MEDIA_ROOT, in any mode: a view checks who may read the file, then hands it out here.
Behind nginx or Apache the view can leave the sending to the web server (`SPRO_SENDFILE_HEADER`):
the response then carries only a header naming an internal location, which the server alone can
read, so a large file never ties up a Python worker.
"""

from urllib.parse import quote

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse
from django.utils.http import content_disposition_header


def file_response(field_file, *, filename: str | None = None) -> HttpResponse:
    """The stored file of a FileField as a download; 404 when it is missing from the storage."""
    filename = filename or field_file.name.rsplit("/", 1)[-1]
    header = settings.SPRO_SENDFILE_HEADER
    if header:
        if not field_file.storage.exists(field_file.name):
            raise Http404
        response = HttpResponse(content_type="application/octet-stream")
        # The server maps this internal prefix to MEDIA_ROOT (see the README's nginx section).
        response[header] = settings.SPRO_SENDFILE_PREFIX.rstrip("/") + "/" + quote(field_file.name)
        response["Content-Disposition"] = content_disposition_header(True, filename)
        return response
    try:
        handle = field_file.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    return FileResponse(handle, as_attachment=True, filename=filename)
