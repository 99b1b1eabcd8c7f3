"""Two-factor authentication pages: status and set-up, confirm, disable, verify.

The pages are for staff (MANAGE_OWN_SECURITY); patients get 403. Enabling,
disabling, signing in with a code and every wrong code go to the audit trail.
"""

from base64 import b32encode

import django_otp
from django import forms
from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import require
from accounts.roles import Capability
from accounts.services import (
    TwoFactorError,
    check_code,
    disable_two_factor,
    enable_two_factor,
    record_verified,
)
from accounts.twofactor import (
    PENDING_KEY_SESSION_KEY,
    confirmed_device,
    pending_key,
    qr_code_svg,
    two_factor_state,
    unsaved_device,
)
from clinic.models import ClinicSettings


class CodeForm(forms.Form):
    code = forms.RegexField(
        label="6-digit code from your authenticator app",
        regex=r"^\s*\d{6}\s*$",
        max_length=12,
        error_messages={"invalid": "Enter the 6 digits your authenticator app shows."},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
                "size": 8,
            }
        ),
    )

    def clean_code(self):
        return self.cleaned_data["code"].strip()


# --- Status and set-up ------------------------------------------------------------


def _status_page(request, *, confirm_form=None, disable_form=None, status=200):
    user = request.user
    device = confirmed_device(user)
    required = ClinicSettings.load().require_two_factor_for_staff
    context = {"device": device, "required": required}
    if device is None:
        key = pending_key(request.session)
        setup = unsaved_device(user, key)
        secret = b32encode(setup.bin_key).decode()
        context |= {
            "qr_svg": qr_code_svg(
                setup.config_url, label="QR code to scan with your authenticator app"
            ),
            "otpauth_uri": setup.config_url,
            "text_key": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "confirm_form": confirm_form or CodeForm(),
        }
        if required:
            # Every other page sends this user here: a menu would only lead back.
            context["nav_items"] = []
    else:
        context["disable_form"] = disable_form or CodeForm()
    return render(request, "accounts/two_factor.html", context, status=status)


@never_cache
@require_GET
@require(Capability.MANAGE_OWN_SECURITY)
def two_factor_status(request):
    return _status_page(request)


@never_cache
@require_POST
@require(Capability.MANAGE_OWN_SECURITY)
def two_factor_confirm(request):
    user = request.user
    key = request.session.get(PENDING_KEY_SESSION_KEY)
    if confirmed_device(user) is not None:
        messages.info(request, "Two-factor authentication is already on.")
        return redirect("two_factor:status")
    if not key:
        messages.warning(request, "Scan the QR code below, then enter a code.")
        return redirect("two_factor:status")
    form = CodeForm(request.POST)
    if not form.is_valid():
        return _status_page(request, confirm_form=form)
    try:
        device = enable_two_factor(user=user, key=key, code=form.cleaned_data["code"])
    except TwoFactorError as error:
        form.add_error(None, error)
        return _status_page(request, confirm_form=form)
    request.session.pop(PENDING_KEY_SESSION_KEY, None)
    # The code just proved the app: this session counts as verified.
    django_otp.login(request, device)
    messages.success(request, "Two-factor authentication is on.")
    return redirect("two_factor:status")


@never_cache
@require_POST
@require(Capability.MANAGE_OWN_SECURITY)
def two_factor_disable(request):
    user = request.user
    device = confirmed_device(user)
    if device is None:
        messages.info(request, "Two-factor authentication is not on.")
        return redirect("two_factor:status")
    form = CodeForm(request.POST)
    if form.is_valid() and _check_code(request, form, device, stage="disable"):
        disable_two_factor(user=user, device=device)
        messages.success(request, "Two-factor authentication is off.")
        return redirect("two_factor:status")
    return _status_page(request, disable_form=form)


# --- After the password: the code ----------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
@require(Capability.MANAGE_OWN_SECURITY)
def two_factor_verify(request):
    user = request.user
    next_url = _safe_next(request)
    has_device, _ = two_factor_state(user)
    if not has_device or user.is_verified():
        return HttpResponseRedirect(next_url)
    device = confirmed_device(user)
    form = CodeForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and _check_code(request, form, device, stage="sign-in")
    ):
        # A new session key for the verified session, like after the password.
        request.session.cycle_key()
        django_otp.login(request, device)
        record_verified(user=user, device=device)
        return HttpResponseRedirect(next_url)
    context = {"form": form, "next": next_url, "nav_items": []}
    return render(request, "accounts/two_factor_verify.html", context)


def _check_code(request, form, device, *, stage: str) -> bool:
    """Is the form's code right? If not, the reason is on the form."""
    try:
        check_code(user=request.user, device=device, code=form.cleaned_data["code"], stage=stage)
    except TwoFactorError as error:
        form.add_error(None, error)
        return False
    return True


def _safe_next(request) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return "/"


# Included by clinic/urls.py under "accounts/two-factor/", namespace "two_factor".
two_factor_urlpatterns = [
    path("", two_factor_status, name="status"),
    path("confirm/", two_factor_confirm, name="confirm"),
    path("disable/", two_factor_disable, name="disable"),
    path("verify/", two_factor_verify, name="verify"),
]
