"""API tokens for machine access; only a hash is stored."""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def hash_token(token):
    return hashlib.sha256(token.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def usable(self):
        return self.filter(revoked_at__isnull=True, user__is_active=True)


class ApiToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100, blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self):
        return f"{self.prefix}… ({self.user})"

    @classmethod
    def issue(cls, user, name=""):
        """Make a token for ``user``; the plain token is returned once and never stored."""
        token = "spl_" + secrets.token_urlsafe(32)
        cls.objects.create(user=user, name=name, token_hash=hash_token(token), prefix=token[:8])
        return token


class SystemClientQuerySet(models.QuerySet):
    def usable(self):
        return self.filter(revoked_at__isnull=True)


class SystemClient(models.Model):
    """A registered system (no person) that reads Samplan on its own: a register, a research extract.

    What it may see is the citizens its units serve and the sections it was registered for, under
    ``people.access`` like everyone else; the access log names it. How it authenticates (SMART
    Backend Services: a signed JWT against its key set) comes on top of this.
    """

    is_system_client = True

    name = models.CharField(_("name"), max_length=200, unique=True)
    units = models.ManyToManyField(
        "people.Organisation",
        verbose_name=_("units"),
        related_name="system_clients",
        help_text=_("It may see the citizens these units (and the units under them) serve."),
    )
    sections = models.JSONField(_("may see"), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = SystemClientQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("system client")
        verbose_name_plural = _("system clients")

    def __str__(self):
        return self.name

    # Enough of Django's user interface that code written for request.user works unchanged.
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self):
        return self.revoked_at is None
