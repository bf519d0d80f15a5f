"""Open data: the page of datasets and the statistics files, mounted under /donnees-ouvertes/ by
spro/urls.py (the directory's files come from sites/opendata/urls.py, under the same prefix)."""

from django.urls import path

from . import opendata_views as views

app_name = "opendata"

urlpatterns = [
    path("", views.index, name="index"),
    path("passages.csv", views.visits_csv, name="visits_csv"),
    path("dictionnaire-passages.csv", views.visits_dictionary_csv, name="visits_dictionary"),
]
