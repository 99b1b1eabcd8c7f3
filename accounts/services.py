"""Two-factor workflows for staff: turning it on and off, and checking a code.

Each change and every wrong code is written to the audit trail here, in the
same transaction as the change; the views only turn the outcome into a page.
"""

from __future__ import annotations

import django_otp
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

import audit.services
from accounts.twofactor import confirm_pending

WRONG_CODE = "That code does not match. Check the time on your phone."


class TwoFactorError(ValidationError):
    """A code the device refuses (wrong, or too many wrong ones): the message goes
    on the code field, or on the form when the user must wait."""


def enable_two_factor(*, user, key: str, code: str) -> TOTPDevice:
    """Save the pending device if ``code`` proves the app holds ``key``."""
    with transaction.atomic():
        device = confirm_pending(user, key, code)
        if device is not None:
            audit.services.record("accounts.two_factor.enabled", actor=user, obj=device)
            return device
    audit.services.record("accounts.two_factor.failed", actor=user, data={"stage": "set-up"})
    raise TwoFactorError({"code": [WRONG_CODE]})


@transaction.atomic
def disable_two_factor(*, user, device: TOTPDevice) -> None:
    """Remove the user's devices (the code was checked by ``check_code``)."""
    TOTPDevice.objects.filter(user=user).delete()
    audit.services.record("accounts.two_factor.disabled", actor=user, obj=device)


def check_code(*, user, device: TOTPDevice, code: str, stage: str) -> None:
    """Check a code against the device; a wrong or throttled code is audited and
    raises. django-otp throttles wrong codes (a wait of 1, 2, 4, 8… seconds)."""
    allowed, info = device.verify_is_allowed()
    if not allowed:
        locked_until = (info or {}).get("locked_until") or timezone.now()
        seconds = max(1, int((locked_until - timezone.now()).total_seconds()) + 1)
        error = TwoFactorError(f"Too many wrong codes. Wait {seconds} seconds, then try again.")
        data = {"stage": stage, "throttled": True}
    elif django_otp.verify_token(user, device.persistent_id, code):
        return
    else:
        error = TwoFactorError({"code": [WRONG_CODE]})
        data = {"stage": stage}
    audit.services.record("accounts.two_factor.failed", actor=user, obj=device, data=data)
    raise error


def record_verified(*, user, device: TOTPDevice) -> None:
    """A staff member signed in with a code."""
    audit.services.record("accounts.two_factor.verified", actor=user, obj=device)
