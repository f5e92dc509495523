"""The outcome report (insights.views), under /insights/."""

from django.urls import path

from . import views

app_name = "insights"
urlpatterns = [
    path("", views.outcome_report, name="report"),
    path("outcomes.json", views.outcomes_json, name="outcomes_json"),
    path("outcomes.csv", views.outcomes_csv, name="outcomes_csv"),
    path("outcomes.pdf", views.outcomes_pdf, name="outcomes_pdf"),
]
