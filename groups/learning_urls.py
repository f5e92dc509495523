"""Learning logs and the leaders' summary (groups.learning_views)."""

from django.urls import path

from . import learning_views as views

urlpatterns = [
    path("citizens/<int:citizen_id>/group/learning/", views.learning_list, name="learning_list"),
    path("citizens/<int:citizen_id>/group/learning/new/", views.learning_new, name="learning_new"),
    path("citizens/<int:citizen_id>/group/learning/<int:log_id>/", views.learning_log, name="learning_log"),
    path("citizens/<int:citizen_id>/group/learning/<int:log_id>/edit/", views.learning_edit, name="learning_edit"),
    path("learning-summary/", views.learning_summary, name="learning_summary"),
]
