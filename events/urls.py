from django.urls import path

from . import views

app_name = "events"

urlpatterns = [
    path("", views.event_list, name="list"),
    path("nouveau/", views.event_create, name="create"),
    path("<int:pk>/", views.event_detail, name="detail"),
    path("<int:pk>/modifier/", views.event_edit, name="edit"),
    path("<int:pk>/supprimer/", views.event_delete, name="delete"),
    path("<int:pk>/confirmer/", views.event_confirm, name="confirm"),
    path("<int:pk>/annuler/", views.event_cancel, name="cancel"),
    path("<int:pk>/reporter/", views.event_postpone, name="postpone"),
    path("<int:pk>/realise/", views.event_mark_held, name="mark_held"),
    path("<int:pk>/frequentation/", views.event_attendance, name="attendance"),
    path("programmes/", views.programme_list, name="programme_list"),
    path("programmes/nouveau/", views.programme_create, name="programme_create"),
    path("programmes/<int:pk>/", views.programme_detail, name="programme_detail"),
    path("programmes/<int:pk>/modifier/", views.programme_edit, name="programme_edit"),
    path("themes-du-mois/", views.theme_sites, name="theme_sites"),
    path("themes-du-mois/<slug:slug>/", views.site_themes, name="site_themes"),
    path("themes-du-mois/<slug:slug>/ajouter/", views.theme_create, name="theme_create"),
    path("themes-du-mois/theme/<int:pk>/modifier/", views.theme_edit, name="theme_edit"),
    path("themes-du-mois/theme/<int:pk>/supprimer/", views.theme_delete, name="theme_delete"),
]
