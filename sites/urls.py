from django.urls import path

from . import views

app_name = "sites"

urlpatterns = [
    path("", views.directory, name="directory"),
    # Before "<slug:slug>/": "nouveau" would otherwise be read as a site's slug.
    path("nouveau/", views.create, name="create"),
    path("coordination/<int:pk>/terminer/", views.coordinator_end, name="coordinator_end"),
    path("<slug:slug>/", views.detail, name="detail"),
    path("<slug:slug>/modifier/", views.edit, name="edit"),
    path("<slug:slug>/infos-pratiques/", views.edit_practical, name="edit_practical"),
    path("<slug:slug>/label/", views.label_status, name="label_status"),
    path("<slug:slug>/coordination/ajouter/", views.coordinator_add, name="coordinator_add"),
    path("<slug:slug>/historique/", views.history, name="history"),
]
