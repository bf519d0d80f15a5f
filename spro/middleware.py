"""Response headers that Django and django-csp do not set."""

from django.conf import settings


class PermissionsPolicyMiddleware:
    """Switches off the browser features no page uses (camera, microphone, geolocation…)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response
