from django.urls import path

from . import views

app_name = "event_stats"

urlpatterns = [
    path("", views.region_dashboard, name="region"),
    path("territoires/<int:pk>/", views.territory_dashboard, name="territory"),
    path("sites/<slug:slug>/", views.site_dashboard, name="site"),
    path("export/", views.export, name="export"),
]
