from django.urls import path

from . import views

app_name = "people"

urlpatterns = [
    path("citizens/", views.citizen_list, name="citizen_list"),
    path("citizens/new/", views.citizen_create, name="citizen_create"),
    path("citizens/<int:citizen_id>/", views.citizen_overview, name="citizen"),
    path("citizens/<int:citizen_id>/team/add/", views.member_add, name="member_add"),
    path("citizens/<int:citizen_id>/team/<int:member_id>/end/", views.member_end, name="member_end"),
    path("citizens/<int:citizen_id>/team/<int:member_id>/sections/", views.member_sections, name="member_sections"),
    path("citizens/<int:citizen_id>/team/<int:member_id>/block/", views.member_block, name="member_block"),
    path("citizens/<int:citizen_id>/blocks/new/", views.block_someone, name="block_someone"),
    path("citizens/<int:citizen_id>/blocks/<int:block_id>/lift/", views.block_lift, name="block_lift"),
    path("citizens/<int:citizen_id>/access-log/", views.access_log, name="access_log"),
    path("citizens/<int:citizen_id>/access-code/", views.access_code, name="access_code"),
    path("me/", views.citizen_home, name="citizen_home"),
    path("emergency/", views.emergency_start, name="emergency_start"),
    path("emergency/review/", views.emergency_review_list, name="emergency_review_list"),
    path("emergency/review/<int:access_id>/", views.emergency_review, name="emergency_review"),
    path("activate/", views.activate, name="activate"),
]
