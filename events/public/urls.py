"""The public regional agenda (no login): list, month calendar, event pages, iCalendar feeds."""

from django.urls import path

from . import views

app_name = "agenda"

urlpatterns = [
    path("", views.agenda_list, name="list"),
    path("calendrier/", views.agenda_calendar, name="calendar"),
    path("<int:pk>/", views.event_page, name="event"),
    path("<int:pk>.ics", views.event_ics, name="event_ics"),
    path("agenda.ics", views.feed, name="feed"),
    path("selection.ics", views.filtered_feed, name="filtered_feed"),
    path("site/<slug:slug>.ics", views.site_feed, name="site_feed"),
    path("territoire/<int:pk>.ics", views.territory_feed, name="territory_feed"),
]
