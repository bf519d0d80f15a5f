from django.urls import path

from ..governance import views as governance_views
from ..sessions import urls as sessions_urls
from . import views

app_name = "strategy"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("tableau-de-bord/", views.dashboard, name="dashboard"),
    path("nouvelle/", views.strategy_create, name="strategy_create"),
    path("<int:pk>/modifier/", views.strategy_edit, name="strategy_edit"),
    path("<int:strategy_pk>/priorites/nouvelle/", views.priority_create, name="priority_create"),
    path("priorites/<int:pk>/modifier/", views.priority_edit, name="priority_edit"),
    path("priorites/<int:priority_pk>/defis/nouveau/", views.challenge_create, name="challenge_create"),
    path("defis/<int:pk>/modifier/", views.challenge_edit, name="challenge_edit"),
    path("defis/<int:challenge_pk>/actions/nouvelle/", views.action_create, name="action_create"),
    path("actions/<int:pk>/", views.action_detail, name="action_detail"),
    path("actions/<int:pk>/modifier/", views.action_edit, name="action_edit"),
    path("actions/<int:action_pk>/jalons/nouveau/", views.milestone_create, name="milestone_create"),
    path("jalons/<int:pk>/modifier/", views.milestone_edit, name="milestone_edit"),
    path("actions/<int:action_pk>/indicateurs/nouveau/", views.indicator_create, name="indicator_create"),
    path("indicateurs-de-resultat/<int:pk>/modifier/", views.indicator_edit, name="indicator_edit"),
    path("indicateurs-de-resultat/<int:pk>/valeur/", views.indicator_value, name="indicator_value"),
    path("<int:strategy_pk>/bilans/nouveau/", views.review_create, name="review_create"),
    path("bilans/<int:pk>/modifier/", views.review_edit, name="review_edit"),
    # The professionalisation sessions (network/sessions/) keep their addresses and names here.
    *sessions_urls.urlpatterns,
    # The governance indicators, kept at their address under the strategy.
    path("indicateurs/", governance_views.governance_indicators, name="indicators"),
]
