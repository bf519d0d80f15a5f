from django.urls import path

from . import views

app_name = "labels"

urlpatterns = [
    path("candidatures/", views.application_list, name="application_list"),
    path("candidatures/nouvelle/", views.application_create, name="application_create"),
    path("candidatures/<int:pk>/", views.application_detail, name="application_detail"),
    path("candidatures/<int:pk>/deposer/", views.application_submit, name="application_submit"),
    path("candidatures/<int:pk>/retirer/", views.application_withdraw, name="application_withdraw"),
    path("candidatures/<int:pk>/pieces/", views.document_upload, name="document_upload"),
    path("candidatures/<int:pk>/instruction/", views.application_instruct, name="application_instruct"),
    path("candidatures/<int:pk>/avis/", views.application_opinion, name="application_opinion"),
    path("candidatures/<int:pk>/decision/", views.application_decide, name="application_decide"),
    path("pieces/<int:pk>/", views.document_download, name="document_download"),
    path(
        "sites/<slug:slug>/renouvellement/",
        views.application_prepare_renewal,
        name="application_prepare_renewal",
    ),
    path("auto-evaluations/<slug:slug>/", views.assessment_list, name="assessment_list"),
    path("auto-evaluations/<slug:slug>/<year:year>/", views.assessment_edit, name="assessment_edit"),
    path(
        "auto-evaluations/<slug:slug>/<year:year>/rouvrir/",
        views.assessment_reopen,
        name="assessment_reopen",
    ),
    path("visites/", views.visit_list, name="visit_list"),
    path("visites/nouvelle/", views.visit_create, name="visit_create"),
    path("visites/<int:pk>/", views.visit_detail, name="visit_detail"),
    path("visites/<int:pk>/modifier/", views.visit_edit, name="visit_edit"),
]
