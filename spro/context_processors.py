from django.conf import settings
from django.utils import timezone


def platform(request):
    """Names shown in every page's header."""
    return {
        "platform_name": settings.SPRO_PLATFORM_NAME,
        "region_name": settings.SPRO_REGION_NAME,
        "today": timezone.localdate(),
    }
