"""Addresses of the professionalisation sessions.

Kept at their former place and names under the strategy's namespace (/strategie/professionnalisation/,
strategy:session_list…): network/strategy/urls.py adds these patterns to its own.
"""

from django.urls import path

from . import views

urlpatterns = [
    path("professionnalisation/", views.session_list, name="session_list"),
    path("professionnalisation/nouvelle/", views.session_create, name="session_create"),
    path("professionnalisation/<int:pk>/", views.session_detail, name="session_detail"),
    path("professionnalisation/<int:pk>/modifier/", views.session_edit, name="session_edit"),
]
