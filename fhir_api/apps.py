from django.apps import AppConfig


class FhirConfig(AppConfig):
    name = "fhir_api"
    verbose_name = "FHIR R4"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from audit import sections

        from .export import EXPORT_SECTION

        # Logged, never granted: one event per citizen in a bulk export, naming the types taken.
        sections.register(EXPORT_SECTION, _("Bulk export (FHIR)"), grantable=False)
