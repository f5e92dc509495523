from django.urls import path

from . import views

app_name = "measures"

urlpatterns = [
    path("citizens/<int:citizen_id>/measures/", views.overview, name="overview"),
    path("citizens/<int:citizen_id>/measures/start/<int:questionnaire_id>/", views.start, name="start"),
    path("citizens/<int:citizen_id>/responses/<int:response_id>/", views.response_page, name="response"),
    path("citizens/<int:citizen_id>/responses/<int:response_id>/autosave/", views.autosave, name="autosave"),
    path("citizens/<int:citizen_id>/goals/", views.goals, name="goals"),
    path("citizens/<int:citizen_id>/goals/<int:goal_id>/close/", views.goal_close, name="goal_close"),
    path("me/checkin/", views.checkin, name="checkin"),
]
