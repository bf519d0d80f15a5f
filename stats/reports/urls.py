"""The reports' pages, under /statistiques/bilans/ (included by stats/urls.py, namespace "stats")."""

from django.urls import path

from . import views

urlpatterns = [
    path("bilans/", views.report_list, name="report_list"),
    path("bilans/fichiers/<int:pk>/", views.report_detail, name="report_detail"),
    path("bilans/fichiers/<int:pk>/telecharger/", views.report_download, name="report_download"),
    path("bilans/generer/", views.run_start, name="report_run_start"),
    path("bilans/generations/<int:pk>/", views.run_detail, name="report_run"),
    path("bilans/generations/<int:pk>/progression/", views.run_progress, name="report_run_progress"),
    path("bilans/textes/<year:year>/", views.narrative_list, name="report_narratives"),
    path("bilans/textes/<year:year>/<slug:slug>/", views.narrative_edit, name="report_narrative"),
    path(
        "bilans/textes/<year:year>/<slug:slug>/rouvrir/",
        views.narrative_reopen,
        name="report_narrative_reopen",
    ),
]
