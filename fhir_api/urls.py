from django.urls import path

from . import views

app_name = "fhir"

urlpatterns = [
    path("", views.root, name="root"),
    path("Patient", views.patient_search, name="patient_search"),
    path("Patient/_search", views.patient_search, name="patient_search_post"),
    path("Patient/<int:citizen_id>", views.patient_read, name="patient_read"),
]
