"""The calendar's URLs. They keep the addresses and names they had under the strategy
(/strategie/calendrier/, strategy:calendar, strategy:ical_feed): spro/urls.py mounts them in the
strategy's namespace, so bookmarks and subscribed feeds keep working."""

from django.urls import path

from . import views

urlpatterns = [
    path("calendrier/", views.calendar_page, name="calendar"),
    path("calendrier/<str:token>.ics", views.ical_feed, name="ical_feed"),
]
