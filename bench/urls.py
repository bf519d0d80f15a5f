"""The platform's URLs and /bench/bare/ (see bench/wsgi.py)."""

from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.urls import path

from spro.urls import urlpatterns as platform_urlpatterns

DOCUMENT = {"count": 2, "results": [{"slug": "reims", "name": "Reims"}, {"slug": "troyes", "name": "Troyes"}]}


@login_not_required
def bare(request):
    return JsonResponse(DOCUMENT)


urlpatterns = [path("bench/bare/", bare), *platform_urlpatterns]
