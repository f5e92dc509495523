import base64
from io import BytesIO

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import i18n
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from measures.progress import checkin_due
from people.access import citizen_of, preferred_language_of
from people.actions import set_preferred_language
from samplan.locks import lock_row

from .forms import LoginForm, TokenForm
from .two_factor import needs_two_factor


class LoginView(auth_views.LoginView):
    """Django's login form; a citizen with a check-in due is taken to it first (seed 000)."""

    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        """The user sees their preferred language (citizen or staff), unless they just chose one on this device."""
        response = super().form_valid(form)
        language = preferred_language_of(form.get_user())
        if language and settings.LANGUAGE_COOKIE_NAME not in self.request.COOKIES:
            translation.activate(language)
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                language,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
                secure=settings.LANGUAGE_COOKIE_SECURE,
            )
        return response

    def get_success_url(self):
        citizen = citizen_of(self.request.user)
        if citizen is not None and checkin_due(citizen) and not self.get_redirect_url():
            return reverse("measures:checkin")
        return super().get_success_url()


def set_language(request):
    """Django's ``set_language`` (the cookie and the redirect); a logged-in user's choice is also kept.

    Kept on the citizen record or the staff profile, so reminders and the next login use it. Only a
    language in ``settings.LANGUAGES`` is kept; anything else changes nothing. Staff who have not
    passed two-factor login yet change only the cookie.
    """
    response = i18n.set_language(request)
    language = request.POST.get(i18n.LANGUAGE_QUERY_PARAMETER, "") if request.method == "POST" else ""
    user = request.user
    if (
        user.is_authenticated
        and language in dict(settings.LANGUAGES)
        and (user.is_verified() or not needs_two_factor(user))
    ):
        set_preferred_language(user, language)
    return response


def _next_url(request):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return settings.LOGIN_REDIRECT_URL


def _check_token(form, device):
    """Verify the code; the device slows down guessing after each failure, and we say so."""
    allowed, _details = device.verify_is_allowed()
    if not allowed:
        form.add_error("token", _("Too many wrong codes. Wait a few seconds and try again with the newest code."))
        return False
    if device.verify_token(form.cleaned_data["token"]):
        return True
    form.add_error(
        "token", _("The code is wrong or too old. Check that the app shows Samplan and use the newest code.")
    )
    return False


@login_required
@require_http_methods(["GET", "POST"])
def otp_verify(request):
    device = TOTPDevice.objects.filter(user=request.user, confirmed=True).first()
    if device is None:
        return redirect("accounts:otp_setup")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and _check_token(form, device):
        otp_login(request, device)
        return redirect(_next_url(request))
    return render(request, "accounts/otp_verify.html", {"form": form, "next": _next_url(request)})


def _qr_svg_data_uri(text):
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def _unconfirmed_device(user):
    """The device being paired, under the lock on the user's row that ``otp_setup`` holds: two tabs (or
    parallel requests, each sent here by the middleware) take turns, so the second finds the first's
    device instead of making another."""
    unconfirmed = TOTPDevice.objects.filter(user=user, confirmed=False)
    device = unconfirmed.order_by("pk").first()
    if device is None:
        return TOTPDevice.objects.create(user=user, confirmed=False, name="authenticator")
    # Any others were stored by parallel requests before they took turns; never confirmed, nothing is lost.
    unconfirmed.exclude(pk=device.pk).delete()
    return device


@login_required
@require_http_methods(["GET", "POST"])
def otp_setup(request):
    """Pair an authenticator app: scan the code, type the six digits it shows.

    Replacing a device needs the old one first, or setting up would bypass two-factor login.
    """
    form = TokenForm(request.POST or None)
    # One transaction on the user's row, from the check to the confirm: two tabs
    # typing a code at the same moment take turns. Otherwise the second checked its copy of the device,
    # deleted it as "the old device" once the first had confirmed it, and then failed to confirm it (a
    # 500, and no device left); now it finds the device confirmed and is sent to type a code.
    with transaction.atomic():
        lock_row(request.user, no_key=False)
        if user_has_device(request.user, confirmed=True) and not request.user.is_verified():
            return redirect(f"{reverse('accounts:otp_verify')}?next={request.path}")
        device = _unconfirmed_device(request.user)
        if request.method == "POST" and form.is_valid() and _check_token(form, device):
            TOTPDevice.objects.filter(user=request.user, confirmed=True).delete()
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            return redirect(_next_url(request))
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return render(
        request,
        "accounts/otp_setup.html",
        {
            "form": form,
            "qr": _qr_svg_data_uri(device.config_url),
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "next": _next_url(request),
        },
    )
