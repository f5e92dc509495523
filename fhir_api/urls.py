from django.urls import path

from accounts import smart

from . import bulk, capability, cohorts, groups, measures, plans, relatives, views

app_name = "fhir"

urlpatterns = [
    path("", views.root, name="root"),
    path("metadata", capability.metadata, name="metadata"),
    path(".well-known/smart-configuration", smart.smart_configuration, name="smart_configuration"),
    # Bulk Data Access: kick-off at three levels, then the export's status and files.
    path("$export", bulk.system_export, name="system_export"),
    path("Patient/$export", bulk.patient_export, name="patient_export"),
    path("Group/<str:group_id>/$export", bulk.group_export, name="group_export"),
    path("bulk/<uuid:export_id>", bulk.bulk_status, name="bulk_status"),
    path("bulk/<uuid:export_id>/<str:name>", bulk.bulk_file, name="bulk_file"),
    path("Patient", views.patient_search, name="patient_search"),
    path("Patient/_search", views.patient_search, name="patient_search_post"),
    path("Patient/<int:citizen_id>", views.patient_read, name="patient_read"),
    path("Questionnaire", measures.questionnaire_search, name="questionnaire_search"),
    path("Questionnaire/<int:questionnaire_id>", measures.questionnaire_read, name="questionnaire_read"),
    path("QuestionnaireResponse", measures.questionnaire_response_create, name="questionnaire_response_create"),
    path(
        "QuestionnaireResponse/<int:response_id>",
        measures.questionnaire_response_read,
        name="questionnaire_response_read",
    ),
    path("Observation", measures.observation_search, name="observation_search"),
    path("Observation/<int:score_id>", measures.observation_read, name="observation_read"),
    path("CareTeam", plans.care_team_search, name="care_team_search"),
    path("CareTeam/<int:citizen_id>", plans.care_team_read, name="care_team_read"),
    path("Goal", plans.goal_search, name="goal_search"),
    path("Goal/<int:goal_id>", plans.goal_read, name="goal_read"),
    path("CarePlan", plans.care_plan_search, name="care_plan_search"),
    path("CarePlan/<int:version_id>", plans.care_plan_read, name="care_plan_read"),
    # The kwargs name Samplan's rows (a meeting, minutes, an action), not the FHIR types.
    path("Appointment", groups.appointment_search, name="appointment_search"),
    path("Appointment/<int:meeting_id>", groups.appointment_read, name="appointment_read"),
    path("Composition", groups.composition_search, name="composition_search"),
    path("Composition/<int:minutes_id>", groups.composition_read, name="composition_read"),
    # A unit's citizens or a coordinator's caseload (not a responsibility group).
    path("Group", cohorts.group_search, name="group_search"),
    path("Group/<str:group_id>", cohorts.group_read, name="group_read"),
    path("Task", groups.task_search, name="task_search"),
    path("Task/<int:task_id>", groups.task_read, name="task_read"),
    # A citizen's relatives, and what each may know.
    path("RelatedPerson", relatives.related_person_search, name="related_person_search"),
    path("RelatedPerson/<int:relative_id>", relatives.related_person_read, name="related_person_read"),
    path("Consent", relatives.consent_search, name="consent_search"),
    path("Consent/<int:consent_id>", relatives.consent_read, name="consent_read"),
]
