from django.urls import path

from . import views

app_name = "notify"

urlpatterns = [
    path("me/calendar/", views.calendar, name="calendar"),
    path("me/calendar/new/", views.calendar_create, name="calendar_create"),
    path("me/calendar/stop/", views.calendar_stop, name="calendar_stop"),
    path("calendar/<str:token>.ics", views.feed, name="feed"),
]
