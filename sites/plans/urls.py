from django.urls import path

from . import views

app_name = "plans"

urlpatterns = [
    path("", views.plan_list, name="list"),
    path("nouveau/", views.plan_create, name="create"),
    path("<int:pk>/", views.plan_detail, name="detail"),
    path("<int:pk>/orientations/", views.plan_edit, name="edit"),
    path("<int:pk>/avancement/", views.plan_progress_rule, name="progress_rule"),
    path("<int:pk>/etape/<slug:step>/", views.plan_step, name="step"),
    path("<int:pk>/arbitrage/", views.plan_arbitrate, name="arbitrate"),
    path("<int:pk>/resultats/", views.plan_results, name="results"),
    path("<int:pk>/actions/ajouter/", views.action_create, name="action_create"),
    path("actions/<int:pk>/modifier/", views.action_edit, name="action_edit"),
    path("actions/<int:pk>/supprimer/", views.action_delete, name="action_delete"),
]
