from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from network.forms import InvitationPasswordResetForm
from network.strategy import urls as strategy_urls
from sites.calendar import urls as calendar_urls
from sites.home import home

from . import views
from .api import ApiNotFoundView

api_v1 = [
    path("", include("network.api_urls")),
    path("", include("sites.api_urls")),
    path("", include("stats.api_urls")),
    path("", include("network.governance.api_urls")),
    path("", include("sites.plans.api_urls")),
    path("", include("events.api_urls")),
    path("schema/", login_not_required(SpectacularAPIView.as_view()), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file: the page has no inline script.
    path(
        "docs/",
        login_not_required(SpectacularSwaggerSplitView.as_view(url_name="api-schema")),
        name="api-docs",
    ),
]

api = [
    path("v1/", include(api_v1)),
    # Last: any other address under /api/ (ending with a slash; Django appends it first) answers
    # the API's JSON 404, not the site's HTML page. [\s\S] rather than ".": an encoded newline (%0A)
    # is part of a path (and reverse() cannot read the inline flag "(?s)").
    re_path(r"^(?:[\s\S]*/)?$", ApiNotFoundView.as_view(), name="api-not-found"),
]

urlpatterns = [
    path("", home, name="home"),
    path("reseau/", include("network.urls")),
    path("sites/", include("sites.urls")),
    path("statistiques/", include("stats.urls")),
    # Before events/: the events' dashboards and exports have their own namespace.
    path("evenements/statistiques/", include("events.dashboards.urls")),
    path("evenements/", include("events.urls")),
    # The public regional agenda (no login).
    path("agenda/", include("events.public.urls")),
    # Open data (no login): the datasets' page and the statistics files, then the directory's files.
    path("donnees-ouvertes/", include("stats.opendata_urls")),
    path("donnees-ouvertes/", include("sites.opendata.urls")),
    path("instances/", include("network.governance.urls")),
    # The calendar (sites/calendar/, above labels) keeps its addresses and names under the strategy's
    # namespace: /strategie/calendrier/, strategy:calendar and strategy:ical_feed.
    path(
        "strategie/",
        include((strategy_urls.urlpatterns + calendar_urls.urlpatterns, strategy_urls.app_name)),
    ),
    path("plans/", include("sites.plans.urls")),
    path("labels/", include("sites.labels.urls")),
    # Before the auth URLs: people created without a password choose their first one here.
    path(
        "comptes/password_reset/",
        auth_views.PasswordResetView.as_view(
            form_class=InvitationPasswordResetForm,
            extra_email_context={"platform_name": settings.SPRO_PLATFORM_NAME},
        ),
        name="password_reset",
    ),
    path("comptes/", include("django.contrib.auth.urls")),
    path("api/", include(api)),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
]
