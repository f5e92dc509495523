"""The gatherings pages, under /evaluations/."""

from django.urls import path

from . import views

app_name = "gatherings"
urlpatterns = [
    path("", views.gathering_list, name="list"),
    path("new/", views.gathering_create, name="create"),
    path("compare/", views.compare, name="compare"),
    path("<int:gathering_id>/", views.gathering_page, name="gathering"),
    path("<int:gathering_id>/cards/", views.gathering_cards, name="cards"),
    path("answer/", views.answer, name="answer"),
    path("answer/<str:code>/", views.answer, name="answer_code"),
    path("rounds/", views.round_list, name="rounds"),
    path("rounds/summary/", views.round_summary, name="round_summary"),
    path("rounds/<int:round_id>/interview/", views.round_interview, name="round_interview"),
]
