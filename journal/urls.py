from django.urls import path

from . import views

app_name = "journal"

urlpatterns = [
    path("citizens/<int:citizen_id>/notes/", views.note_list, name="list"),
    path("citizens/<int:citizen_id>/notes/new/", views.new_note, name="new"),
    path("citizens/<int:citizen_id>/notes/<int:note_id>/", views.note_detail, name="note"),
    path("citizens/<int:citizen_id>/notes/<int:note_id>/edit/", views.edit_note, name="edit"),
    path("citizens/<int:citizen_id>/notes/<int:note_id>/autosave/", views.autosave, name="autosave"),
    path("citizens/<int:citizen_id>/notes/<int:note_id>/sign/", views.sign, name="sign"),
    path("citizens/<int:citizen_id>/notes/<int:note_id>/correct/", views.correct, name="correct"),
]
