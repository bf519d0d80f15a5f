from django.conf import settings


def absolute_url(path: str) -> str:
    """A full address for a path of the platform, for e-mails sent outside any request."""
    return f"{settings.SPRO_BASE_URL}{path}"
