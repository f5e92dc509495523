from django.urls import path

from . import learning_urls, views

app_name = "groups"

C = "citizens/<int:citizen_id>"
M = f"{C}/meetings/<int:meeting_id>"
R = f"{C}/minutes/<int:minutes_id>"

urlpatterns = [
    path(f"{C}/group/", views.group, name="group"),
    path(f"{C}/group/propose/", views.propose, name="propose"),
    path(f"{C}/group/agreement/", views.revise, name="revise"),
    path(f"{C}/group/answer/", views.answer, name="answer"),
    path(f"{C}/group/end/", views.end, name="end"),
    path(f"{C}/meetings/new/", views.meeting_new, name="meeting_new"),
    path(f"{M}/", views.meeting, name="meeting"),
    path(f"{M}/answer/", views.meeting_answer, name="meeting_answer"),
    path(f"{M}/points/", views.agenda_add, name="agenda_add"),
    path(f"{M}/points/<int:item_id>/", views.agenda_edit, name="agenda_edit"),
    path(f"{M}/points/<int:item_id>/remove/", views.agenda_remove, name="agenda_remove"),
    path(f"{M}/invite/", views.invite, name="invite"),
    path(f"{M}/move/", views.move, name="move"),
    path(f"{M}/cancel/", views.cancel, name="cancel"),
    path(f"{M}/attendance/", views.attendance, name="attendance"),
    path(f"{M}/actions/", views.task_add, name="task_add"),
    path(f"{M}/plan-change/", views.plan_change, name="plan_change"),
    path(f"{M}/minutes/", views.minutes_start, name="minutes_start"),
    path(f"{R}/", views.minutes, name="minutes"),
    path(f"{R}/edit/", views.minutes_edit, name="minutes_edit"),
    path(f"{R}/autosave/", views.minutes_autosave, name="minutes_autosave"),
    path(f"{R}/sign/", views.minutes_sign, name="minutes_sign"),
    path(f"{R}/correct/", views.minutes_correct, name="minutes_correct"),
    path(f"{R}/comment/", views.minutes_comment, name="minutes_comment"),
    path(f"{R}/pdf/", views.minutes_pdf, name="minutes_pdf"),
    path(f"{C}/actions/<int:task_id>/", views.task, name="task"),
]
urlpatterns += learning_urls.urlpatterns
