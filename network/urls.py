from django.urls import path

from . import tokens, views

app_name = "network"

urlpatterns = [
    path("organisations/", views.organisation_list, name="organisation_list"),
    path("organisations/nouvelle/", views.organisation_create, name="organisation_create"),
    path("organisations/<int:pk>/", views.organisation_detail, name="organisation_detail"),
    path("organisations/<int:pk>/modifier/", views.organisation_edit, name="organisation_edit"),
    path("personnes/", views.person_list, name="person_list"),
    path("personnes/nouvelle/", views.person_create, name="person_create"),
    path("personnes/<int:pk>/", views.person_detail, name="person_detail"),
    path("personnes/<int:pk>/roles/ajouter/", views.role_add, name="role_add"),
    path("roles/<int:pk>/terminer/", views.role_end, name="role_end"),
    path("jetons/", tokens.token_list, name="token_list"),
    path("jetons/nouveau/", tokens.token_create, name="token_create"),
    path("jetons/<int:pk>/", tokens.token_detail, name="token_detail"),
    path("jetons/<int:pk>/revoquer/", tokens.token_revoke, name="token_revoke"),
]
