"""The log of API calls made with a token: which token, which address, the status and the time.

Never a body nor a query string: a call is logged, not what it carried. Recorded after the answer,
for every call under /api/ whose principal is an organisation token (see network.api_auth), through
network.calllog (buffered in Redis, moved to the table in batches).
"""

import time

from . import calllog

LOGGED_PREFIX = "/api/"


class ApiCallLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(LOGGED_PREFIX):
            return self.get_response(request)
        started = time.perf_counter()
        response = self.get_response(request)
        # DRF puts its principal on the Django request: an ApiClient carries its token.
        token = getattr(getattr(request, "user", None), "token", None)
        if token is not None:
            calllog.record(
                token_id=token.pk,
                method=request.method,
                path=request.path,
                status=response.status_code,
                duration_ms=round((time.perf_counter() - started) * 1000),
            )
        return response
