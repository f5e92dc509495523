"""The social emergency service's contact register, under /emergency-contacts/."""

from django.urls import path

from . import views

app_name = "social_emergency"
urlpatterns = [
    path("", views.registers, name="registers"),
    path("<int:register_id>/record/", views.record, name="record"),
    path("<int:register_id>/recorded/<int:contact_id>/", views.recorded, name="recorded"),
    path("<int:register_id>/contacts/<int:contact_id>/link/", views.link, name="link"),
    path("<int:register_id>/figures/", views.unit_figures, name="figures"),
]
