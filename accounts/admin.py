"""Administrators register system clients: a name, the units whose citizens it may see, which
sections, the SMART scopes it may ask for (read and search only), and how it proves who it is —
its public key set, pasted or at an address (SMART Backend Services, accounts.smart)."""

import jwt
from django import forms
from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _

from people.forms import SectionsField

from . import smart
from .models import SystemClient


def _https_by_default(db_field, kwargs):
    """A key set is fetched over https: an address typed without a scheme means https. Both the form
    class (built at import) and the admin (which builds its own fields) ask this."""
    if isinstance(db_field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return kwargs


def _formfield(db_field, **kwargs):
    return db_field.formfield(**_https_by_default(db_field, kwargs))


class SystemClientForm(forms.ModelForm):
    sections = SectionsField(help_text=_("Only what the receiving system needs."))

    class Meta:
        model = SystemClient
        fields = ["name", "units", "sections", "scopes", "jwks", "jwks_url", "revoked_at"]
        formfield_callback = _formfield

    def clean_scopes(self):
        text = self.cleaned_data["scopes"]
        try:
            scopes = smart.parse_scopes(text)
        except ValueError as error:
            raise forms.ValidationError(
                _("“%(scope)s” is not a system scope such as system/*.rs or system/Observation.rs."),
                params={"scope": error},
            ) from None
        if not scopes:
            raise forms.ValidationError(_("Give at least one scope, e.g. system/*.rs."))
        if any(scope.permissions - {"r", "s"} for scope in scopes):
            raise forms.ValidationError(_("System clients read and search only: use .rs (or .r, .s)."))
        return " ".join(str(scope) for scope in scopes)

    def clean_jwks(self):
        value = self.cleaned_data["jwks"]
        if not value:
            return {}
        try:
            keys = jwt.PyJWKSet.from_dict(value).keys
        except (jwt.PyJWKSetError, jwt.InvalidKeyError, TypeError, ValueError, AttributeError):
            raise forms.ValidationError(_("This is not a JSON Web Key Set with a public RSA or EC key.")) from None
        private = any(isinstance(raw, dict) and "d" in raw for raw in value.get("keys", []))
        if private or any(key.key_type not in ("RSA", "EC") for key in keys):
            raise forms.ValidationError(_("Only public RSA or EC keys: never paste a private key here."))
        return value

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("jwks") and not cleaned.get("jwks_url") and not self.errors.get("jwks"):
            self.add_error("jwks", _("Give the public key set, or the address to fetch it from."))
        return cleaned


@admin.register(SystemClient)
class SystemClientAdmin(admin.ModelAdmin):
    form = SystemClientForm
    list_display = ["name", "client_id", "scopes", "created_at", "revoked_at"]
    filter_horizontal = ["units"]
    readonly_fields = ["client_id", "created_at", "created_by"]

    def get_readonly_fields(self, request, obj=None):
        # The client id is made when the client is saved: nothing to show before.
        return self.readonly_fields if obj is not None else ["created_at", "created_by"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        return super().formfield_for_dbfield(db_field, request, **_https_by_default(db_field, kwargs))

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
