from django.urls import path

from . import views

app_name = "plans"

urlpatterns = [
    path("citizens/<int:citizen_id>/plan/", views.plan, name="plan"),
    path("citizens/<int:citizen_id>/plan/start/", views.start, name="start"),
    path("citizens/<int:citizen_id>/plan/compare/", views.compare, name="compare"),
    path("citizens/<int:citizen_id>/plan/<int:version_id>/text/<slug:key>/", views.edit_text, name="edit_text"),
    path(
        "citizens/<int:citizen_id>/plan/<int:version_id>/text/<slug:key>/autosave/",
        views.autosave_text,
        name="autosave_text",
    ),
    path("citizens/<int:citizen_id>/plan/<int:version_id>/add/<slug:kind>/", views.add_row, name="add_row"),
    path(
        "citizens/<int:citizen_id>/plan/<int:version_id>/<slug:kind>/<int:row_id>/",
        views.edit_row,
        name="edit_row",
    ),
    path(
        "citizens/<int:citizen_id>/plan/<int:version_id>/<slug:kind>/<int:row_id>/remove/",
        views.delete_row,
        name="delete_row",
    ),
    path("citizens/<int:citizen_id>/plan/<int:version_id>/period/", views.period, name="period"),
    path("citizens/<int:citizen_id>/plan/<int:version_id>/approve/", views.approve, name="approve"),
    path("citizens/<int:citizen_id>/plan/<int:version_id>/activate/", views.activate, name="activate"),
    path("citizens/<int:citizen_id>/plan/<int:version_id>/comment/", views.comment, name="comment"),
    path(
        "citizens/<int:citizen_id>/plan/comments/<int:comment_id>/resolve/",
        views.resolve_comment,
        name="resolve_comment",
    ),
    path("citizens/<int:citizen_id>/plan/<int:version_id>/pdf/", views.plan_pdf, name="plan_pdf"),
    path("citizens/<int:citizen_id>/plan/medication/", views.medication_words, name="medication_words"),
    path("citizens/<int:citizen_id>/crisis-plan/", views.crisis_plan, name="crisis_plan"),
    path("citizens/<int:citizen_id>/crisis-plan/pdf/", views.crisis_plan_pdf, name="crisis_plan_pdf"),
]
