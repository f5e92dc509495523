from django.urls import path

from . import views

app_name = "recovery"

urlpatterns = [
    path("citizens/<int:citizen_id>/development-plan/", views.development_plan, name="development_plan"),
    path(
        "citizens/<int:citizen_id>/development-plan/write/", views.development_plan_edit, name="development_plan_edit"
    ),
    path("citizens/<int:citizen_id>/peer-support/", views.peer_support, name="peer_support"),
    path("citizens/<int:citizen_id>/peer-support/<int:request_id>/answer/", views.peer_answer, name="peer_answer"),
]
