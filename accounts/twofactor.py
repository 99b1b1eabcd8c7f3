"""Two-factor authentication for staff: TOTP devices from django-otp.

* A staff member sets up one authenticator app (a confirmed ``TOTPDevice``) on
  ``/accounts/two-factor/``. The secret is kept in the session until the first
  code proves the app has it; only then is the device saved, confirmed.
* After the password, a staff member with a confirmed device must enter a code
  (``accounts.middleware.RequireTwoFactorMiddleware``); when the clinic admin
  turns on ``ClinicSettings.require_two_factor_for_staff``, staff without one
  must set it up first. Patients are never asked.
* ``TwoFactorStateBackend`` loads both facts with the user, in the query
  Django makes on every request anyway, so the check costs no query of its own.
"""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.contrib.auth.backends import ModelBackend
from django.db.models import Exists, OuterRef, Subquery
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from accounts.models import User
from clinic.models import ClinicSettings

# The secret of a device being set up, kept in the session until confirmed.
PENDING_KEY_SESSION_KEY = "two_factor_pending_key"
DEVICE_NAME = "Authenticator app"


class TwoFactorStateBackend(ModelBackend):
    """ModelBackend whose ``get_user`` also sets ``has_confirmed_otp_device`` and
    ``two_factor_required`` on the user, from subqueries of the same query."""

    def get_user(self, user_id):
        try:
            user = with_two_factor_state(User._default_manager).get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None

    async def aget_user(self, user_id):
        return await sync_to_async(self.get_user)(user_id)


def with_two_factor_state(queryset):
    return queryset.annotate(
        has_confirmed_otp_device=Exists(
            TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
        ),
        two_factor_required=Subquery(
            ClinicSettings.objects.filter(pk=1).values("require_two_factor_for_staff")[:1]
        ),
    )


def two_factor_state(user) -> tuple[bool, bool]:
    """(has a confirmed device, the clinic requires two-factor) for a staff user:
    from the annotations when the user came through TwoFactorStateBackend, else
    with one query."""
    has_device = getattr(user, "has_confirmed_otp_device", None)
    required = getattr(user, "two_factor_required", None) if has_device is not None else None
    if has_device is None:
        fresh = with_two_factor_state(User.objects.filter(pk=user.pk)).values(
            "has_confirmed_otp_device", "two_factor_required"
        )
        row = fresh.first() or {}
        has_device = row.get("has_confirmed_otp_device", False)
        required = row.get("two_factor_required")
    return bool(has_device), bool(required)


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).order_by("id").first()


def pending_key(session) -> str:
    """The hex secret being set up in this session (a new one if there is none)."""
    key = session.get(PENDING_KEY_SESSION_KEY)
    if not key:
        key = random_hex(20)
        session[PENDING_KEY_SESSION_KEY] = key
    return key


def unsaved_device(user, key: str) -> TOTPDevice:
    """A device for the pending key, not saved: gives the otpauth URI and checks codes."""
    return TOTPDevice(user=user, name=DEVICE_NAME, key=key, confirmed=False)


def confirm_pending(user, key: str, token: str) -> TOTPDevice | None:
    """If ``token`` is a current code of ``key``, save and return the confirmed
    device; otherwise nothing is saved."""
    device = unsaved_device(user, key)
    try:
        code = int(token)
    except (TypeError, ValueError):
        return None
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    if not totp.verify(code, device.tolerance):
        return None
    device.last_t = totp.t()  # this code may not be used again
    device.drift = totp.drift
    device.confirmed = True
    device.save()
    return device


def qr_code_svg(data: str, *, size: int = 240, label: str = "QR code") -> str:
    """``data`` as an inline SVG QR code: one <path>, presentation attributes
    only (no style attributes, which the Content Security Policy forbids)."""
    import qrcode
    from qrcode.image.svg import SvgPathFillImage

    image = qrcode.make(
        data,
        image_factory=SvgPathFillImage,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
    )
    root = image.get_image()
    root.set("width", str(size))
    root.set("height", str(size))
    root.set("role", "img")
    root.set("aria-label", label)
    root.set("shape-rendering", "crispEdges")
    return image.to_string(encoding="unicode")
