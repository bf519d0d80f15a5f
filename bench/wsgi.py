"""The platform's WSGI application plus a bare view, for the API benchmark (manage.py bench_api).

The bare view answers a constant JSON document through the same middleware as every page: the
ceiling the API's endpoints are compared with. Served by gunicorn: `gunicorn bench.wsgi`.
"""

import os

import django
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spro.settings")
django.setup()
settings.ROOT_URLCONF = "bench.urls"

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()
