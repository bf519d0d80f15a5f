from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from network.forms import InvitationPasswordResetForm
from network.views import home

from . import views

api_v1 = [
    path("", include("network.api_urls")),
    path("", include("sites.api_urls")),
    path("", include("stats.api_urls")),
    path("schema/", login_not_required(SpectacularAPIView.as_view()), name="api-schema"),
    path("docs/", login_not_required(SpectacularSwaggerView.as_view(url_name="api-schema")), name="api-docs"),
]

urlpatterns = [
    path("", home, name="home"),
    path("reseau/", include("network.urls")),
    path("sites/", include("sites.urls")),
    path("statistiques/", include("stats.urls")),
    path("instances/", include("network.governance.urls")),
    path("strategie/", include("network.strategy.urls")),
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
    path("api/v1/", include(api_v1)),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
