from django.urls import path

from . import views

app_name = "pathways"

urlpatterns = [
    path("citizens/<int:citizen_id>/pathways/", views.episodes, name="episodes"),
    path("citizens/<int:citizen_id>/pathways/referral/", views.referral, name="referral"),
    path("citizens/<int:citizen_id>/pathways/<int:episode_id>/", views.episode, name="episode"),
    path(
        "citizens/<int:citizen_id>/pathways/<int:episode_id>/first-contact/",
        views.first_contact,
        name="first_contact",
    ),
    path("citizens/<int:citizen_id>/pathways/<int:episode_id>/start/", views.start, name="start"),
    path("citizens/<int:citizen_id>/pathways/<int:episode_id>/end/", views.end, name="end"),
    path(
        "citizens/<int:citizen_id>/pathways/<int:episode_id>/user-card/",
        views.user_card,
        name="user_card",
    ),
    path("citizens/<int:citizen_id>/appointments/new/", views.appointment_new, name="appointment_new"),
    path("citizens/<int:citizen_id>/appointments/<int:appointment_id>/", views.appointment, name="appointment"),
    path(
        "citizens/<int:citizen_id>/appointments/<int:appointment_id>/status/",
        views.appointment_status,
        name="appointment_status",
    ),
    path(
        "citizens/<int:citizen_id>/appointments/<int:appointment_id>/move/",
        views.appointment_move,
        name="appointment_move",
    ),
    path(
        "citizens/<int:citizen_id>/appointments/<int:appointment_id>/follow-up/",
        views.appointment_follow_up,
        name="appointment_follow_up",
    ),
]
