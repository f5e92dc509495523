"""API tokens and system clients for machine access; only hashes of tokens are stored."""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
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


def new_client_id():
    return "sc_" + secrets.token_urlsafe(16)


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
    client_id = models.CharField(_("client id"), max_length=40, unique=True, default=new_client_id, editable=False)
    # How it proves who it is (SMART Backend Services, accounts.smart): a JWT signed with a private
    # key whose public half is here, or at an address Samplan fetches it from.
    jwks = models.JSONField(
        _("public key set (JWKS)"),
        default=dict,
        blank=True,
        help_text=_(
            'The client\'s public keys as a JSON Web Key Set: {"keys": [...]} (RSA or EC, for RS384 or ES384).'
        ),
    )
    jwks_url = models.URLField(
        _("public key set address"), blank=True, help_text=_("Or where Samplan fetches the key set (https).")
    )
    scopes = models.CharField(
        _("allowed scopes"),
        max_length=500,
        default="system/*.rs",
        help_text=_("Space-separated SMART scopes it may ask for: system/*.rs, or narrower (system/Observation.rs)."),
    )
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


class SystemTokenQuerySet(models.QuerySet):
    def usable(self, now=None):
        return self.filter(expires_at__gt=now or timezone.now(), client__revoked_at__isnull=True)


class SystemToken(models.Model):
    """An access token issued to a system client by the token endpoint (accounts.smart): short-lived,
    stored as a hash like ApiToken, with the scopes granted."""

    client = models.ForeignKey(SystemClient, on_delete=models.CASCADE, related_name="tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    scopes = models.CharField(max_length=500)
    issued_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()

    objects = SystemTokenQuerySet.as_manager()

    def __str__(self):
        return f"token of {self.client} until {self.expires_at:%Y-%m-%d %H:%M}"


class AssertionSeen(models.Model):
    """A client assertion's ``jti``, kept until the assertion expires: the same one twice is refused."""

    client = models.ForeignKey(SystemClient, on_delete=models.CASCADE, related_name="+")
    jti = models.CharField(max_length=255)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["client", "jti"], name="assertion_once")]

    def __str__(self):
        return f"{self.client_id}: {self.jti}"
