"""The improvement pages: the teams a staff member leads or is in, and each team's aim, run charts,
PDSA cycles and checklist."""

from django.urls import path

from . import views

app_name = "improvement"
urlpatterns = [
    path("", views.team_list, name="teams"),
    path("teams/new/", views.team_new, name="team_new"),
    path("teams/<int:team_id>/", views.team, name="team"),
    path("teams/<int:team_id>/edit/", views.team_edit, name="team_edit"),
    path("teams/<int:team_id>/cycles/new/", views.cycle_new, name="cycle_new"),
    path("teams/<int:team_id>/cycles/<int:cycle_id>/", views.cycle, name="cycle"),
    path("teams/<int:team_id>/checklist/", views.checklist, name="checklist"),
]
