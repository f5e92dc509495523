from django.contrib import admin
from django.urls import include, path

from accounts.views import set_language
from people.views import home

admin.site.site_header = "Samplan"
# Under /fhir/ errors are OperationOutcomes in JSON; elsewhere Django's pages (templates/4xx.html, 500.html).
handler400 = "fhir_api.edge.bad_request"
handler404 = "fhir_api.edge.page_not_found"
handler500 = "fhir_api.edge.server_error"

urlpatterns = [
    path("", home, name="home"),
    path("accounts/", include("accounts.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("fhir/", include("fhir_api.urls")),
    path("admin/", admin.site.urls),
    path("", include("people.urls")),
    path("", include("measures.urls")),
    path("", include("plans.urls")),
    path("", include("journal.urls")),
    path("", include("pathways.urls")),
    path("", include("groups.urls")),
    path("", include("notify.urls")),
    path("", include("worklist.urls")),
    path("", include("relatives.urls")),
    path("", include("recovery.urls")),
    path("insights/", include("insights.urls")),
    path("evaluations/", include("gatherings.urls")),
    path("improvement/", include("improvement.urls")),
    path("emergency-contacts/", include("social_emergency.urls")),
    path("", include("incidents.urls")),
]
