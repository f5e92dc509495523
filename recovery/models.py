"""The citizen's personal development plan, kept as versions, and their requests for a peer worker.

Seed 001 (the Veiviser project): a personal development plan and a crisis plan as the citizen's
own advance statements, and peer workers ("likeperson", "erfaringskonsulent") beside the
professionals. A version is never changed: writing the plan again adds the next version, so
nothing the citizen wrote is lost and two people cannot overwrite each other (on PostgreSQL the
table refuses UPDATE, DELETE and TRUNCATE: migration 0002, ``audit.append_only``).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from people.models import Citizen

# The parts of the plan, in the order the page shows them: (field, label, a prompt in plain words).
PARTS = (
    ("what_matters", _("What matters to me"), _("What gives my life meaning, and what I want more of.")),
    ("strengths", _("My strengths"), _("What I am good at, and what I have managed before.")),
    ("what_helps", _("What helps me stay well"), _("What I do on an ordinary day to keep well.")),
    ("what_does_not_help", _("What does not help"), _("What makes it worse, or what others should not do.")),
    ("next_steps", _("My goals and next steps"), _("Small steps I want to take, and when.")),
    ("support", _("How others can support me"), _("What I want from my helpers, family and peer worker.")),
)


class DevelopmentPlan(models.Model):
    citizen = models.ForeignKey(Citizen, on_delete=models.CASCADE, related_name="development_plans")
    number = models.PositiveIntegerField()
    what_matters = models.TextField(_("What matters to me"), blank=True, max_length=4000)
    strengths = models.TextField(_("My strengths"), blank=True, max_length=4000)
    what_helps = models.TextField(_("What helps me stay well"), blank=True, max_length=4000)
    what_does_not_help = models.TextField(_("What does not help"), blank=True, max_length=4000)
    next_steps = models.TextField(_("My goals and next steps"), blank=True, max_length=4000)
    support = models.TextField(_("How others can support me"), blank=True, max_length=4000)
    written_at = models.DateTimeField(auto_now_add=True)
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    # Staff write it only with the citizen, in the citizen's words.
    by_citizen = models.BooleanField(default=True)

    class Meta:
        ordering = ["-number"]
        verbose_name = _("personal development plan")
        verbose_name_plural = _("personal development plans")
        constraints = [models.UniqueConstraint(fields=["citizen", "number"], name="one_development_plan_number")]

    def __str__(self):
        return f"development plan {self.number} of {self.citizen_id}"

    def parts(self):
        return [(label, getattr(self, name)) for name, label, _prompt in PARTS]


class PeerRequest(models.Model):
    """The citizen asks for a peer worker; on the coordinator's worklist until a peer worker is on the
    team or the coordinator has answered."""

    citizen = models.ForeignKey(Citizen, on_delete=models.CASCADE, related_name="peer_requests")
    asked_at = models.DateTimeField(auto_now_add=True)
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    wish = models.CharField(_("anything you want us to know"), max_length=500, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answer = models.CharField(_("answer to the citizen"), max_length=500, blank=True)

    class Meta:
        ordering = ["-asked_at"]
        verbose_name = _("request for a peer worker")
        verbose_name_plural = _("requests for a peer worker")

    def __str__(self):
        return f"peer request {self.pk} of {self.citizen_id}"
