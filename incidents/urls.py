"""Incidents under the citizen's address, and the leaders' run chart (incidents.views)."""

from django.urls import path

from . import views

app_name = "incidents"

C = "citizens/<int:citizen_id>/incidents"
ONE = f"{C}/<int:incident_id>"

urlpatterns = [
    path(f"{C}/", views.incident_list, name="list"),
    path(f"{C}/new/", views.incident_new, name="new"),
    path(f"{ONE}/", views.incident, name="incident"),
    path(f"{ONE}/follow-up/", views.conversation_new, {"kind": "follow_up"}, name="follow_up"),
    path(f"{ONE}/debrief/", views.conversation_new, {"kind": "debrief"}, name="debrief"),
    path(f"{ONE}/learning-log/", views.learning_log_new, name="learning_log"),
    path(f"{ONE}/crisis-plan/", views.crisis_plan_proposal, name="crisis_plan"),
    path("insights/incidents/", views.incident_report, name="report"),
]
