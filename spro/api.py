"""Shared pieces of the REST API: pagination and the one error format."""

from rest_framework.pagination import PageNumberPagination
from rest_framework.views import exception_handler as drf_exception_handler


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500


def exception_handler(exc, context):
    """Every API error has the same shape: {"error": {"status", "code", "detail", "fields"}}."""
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    fields = {}
    detail = ""
    code = getattr(exc, "default_code", "error")
    if isinstance(data, dict):
        if "detail" in data:
            detail = str(data["detail"])
            code = getattr(data["detail"], "code", code)
        else:
            fields = {
                key: [str(m) for m in (value if isinstance(value, list) else [value])]
                for key, value in data.items()
            }
            detail = "Les données envoyées ne sont pas valides."
    elif isinstance(data, list):
        detail = " ".join(str(m) for m in data)
    response.data = {
        "error": {"status": response.status_code, "code": code, "detail": detail, "fields": fields}
    }
    return response
