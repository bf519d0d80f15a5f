"""The public directory as open data, mounted under /donnees-ouvertes/ by spro/urls.py."""

from django.urls import path

from . import views

app_name = "opendata_sites"

urlpatterns = [
    path("structures.json", views.structures_json, name="structures_json"),
    path("structures.csv", views.structures_csv, name="structures_csv"),
    path("services.json", views.services_json, name="services_json"),
    path("services.csv", views.services_csv, name="services_csv"),
    path("dictionnaire-structures.csv", views.structures_dictionary_csv, name="structures_dictionary"),
    path("dictionnaire-services.csv", views.services_dictionary_csv, name="services_dictionary"),
]
