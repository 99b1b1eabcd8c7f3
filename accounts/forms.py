from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm

from accounts.throttling import normalise_identifier


class NormalisedUsernameMixin:
    """The e-mail address is trimmed and lower-cased before authentication, so
    that throttling (accounts/throttling.py) and the audit trail see one spelling
    of each account whatever case was typed."""

    def clean_username(self):
        return normalise_identifier(self.cleaned_data.get("username"))


class EmailAuthenticationForm(NormalisedUsernameMixin, AuthenticationForm):
    """Log in with an e-mail address (the form field keeps Django's name
    ``username`` so that django-axes and the auth views work unchanged)."""

    username = forms.EmailField(
        label="E-mail address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "That e-mail address and password do not match an active account.",
    }


class ClinicAdminAuthenticationForm(NormalisedUsernameMixin, AdminAuthenticationForm):
    """The Django admin's login form, with the e-mail address normalised."""


def base_url_parts() -> tuple[str, str]:
    """(scheme, host[:port]) of CLINIC_BASE_URL, for links in e-mails."""
    parts = urlsplit(settings.CLINIC_BASE_URL)
    return parts.scheme, parts.netloc


class ClinicPasswordResetForm(PasswordResetForm):
    """Password reset by e-mail: the address is normalised, and the link in the
    e-mail is built from CLINIC_BASE_URL, never from the request's Host header."""

    def clean_email(self):
        return normalise_identifier(self.cleaned_data.get("email"))

    def save(self, domain_override=None, use_https=False, **kwargs):
        scheme, host = base_url_parts()
        kwargs.pop("request", None)  # nothing of the request goes into the e-mail
        return super().save(domain_override=host, use_https=scheme == "https", **kwargs)
