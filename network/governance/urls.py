from django.urls import path

from . import views

app_name = "governance"

urlpatterns = [
    path("", views.body_list, name="body_list"),
    path("nouvelle/", views.body_create, name="body_create"),
    path("<int:pk>/", views.body_detail, name="body_detail"),
    path("<int:pk>/modifier/", views.body_edit, name="body_edit"),
    path("<int:body_pk>/membres/nouveau/", views.member_add, name="member_add"),
    path("membres/<int:pk>/modifier/", views.member_edit, name="member_edit"),
    path("membres/<int:pk>/fin-de-mandat/", views.member_end, name="member_end"),
    path("<int:body_pk>/reunions/nouvelle/", views.meeting_create, name="meeting_create"),
    path("reunions/<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("reunions/<int:pk>/modifier/", views.meeting_edit, name="meeting_edit"),
    path("reunions/<int:pk>/confirmation/", views.meeting_confirm, name="meeting_confirm"),
    path("reunions/<int:pk>/ordre-du-jour/", views.agenda_item_add, name="agenda_item_add"),
    path("ordre-du-jour/<int:pk>/retirer/", views.agenda_item_delete, name="agenda_item_delete"),
    path("reunions/<int:pk>/convocations/", views.meeting_invite, name="meeting_invite"),
    path("reunions/<int:pk>/emargement/", views.attendance_edit, name="attendance_edit"),
    path("reunions/<int:pk>/feuille-d-emargement/", views.attendance_sheet, name="attendance_sheet"),
    path("reunions/<int:pk>/compte-rendu/", views.minutes_edit, name="minutes_edit"),
    path("reunions/<int:pk>/compte-rendu/envoi/", views.minutes_send, name="minutes_send"),
    path("reunions/<int:pk>/compte-rendu/remarques/", views.minutes_remark, name="minutes_remark"),
    path("reunions/<int:pk>/compte-rendu/adoption/", views.minutes_adopt, name="minutes_adopt"),
    path("reunions/<int:pk>/compte-rendu.pdf", views.minutes_pdf, name="minutes_pdf"),
    path("reunions/<int:pk>/decisions/nouvelle/", views.decision_create, name="decision_create"),
    path("decisions/", views.decision_list, name="decision_list"),
    path("decisions/<int:pk>/modifier/", views.decision_edit, name="decision_edit"),
    path("decisions/<int:pk>/suivi/", views.decision_status, name="decision_status"),
]
