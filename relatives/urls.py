from django.urls import path

from . import views

app_name = "relatives"

urlpatterns = [
    path("citizens/<int:citizen_id>/relatives/", views.relative_list, name="list"),
    path("citizens/<int:citizen_id>/relatives/new/", views.relative_add, name="add"),
    path("citizens/<int:citizen_id>/relatives/<int:relative_id>/", views.relative_detail, name="relative"),
    path("citizens/<int:citizen_id>/relatives/<int:relative_id>/edit/", views.relative_edit, name="edit"),
    path("citizens/<int:citizen_id>/relatives/<int:relative_id>/consent/", views.consent_give, name="consent"),
    path(
        "citizens/<int:citizen_id>/relatives/<int:relative_id>/consent/<int:consent_id>/revoke/",
        views.consent_revoke,
        name="revoke",
    ),
    path("citizens/<int:citizen_id>/relatives/<int:relative_id>/support/", views.relative_support, name="support"),
    path("citizens/<int:citizen_id>/relatives/<int:relative_id>/remove/", views.relative_remove, name="remove"),
    path("citizens/<int:citizen_id>/relatives/<int:relative_id>/invite/", views.relative_invite, name="invite"),
    path("citizens/<int:citizen_id>/children/", views.children, name="children"),
    path("citizens/<int:citizen_id>/children/<int:child_id>/", views.child_edit, name="child"),
    path("relative/", views.relative_home, name="home"),
    path("relative/activate/", views.activate, name="activate"),
]
