"""The intake link's token: Django's password-reset token machinery (as the
portal invitation uses), keyed on the intake request instead of a password.

It is single use, because the request's completion time is part of the hash
(filling the form in changes it), and expires after ``INTAKE_LINK_DAYS``
(the request also stores ``expires_at``, so the page can say which it was).
Nothing secret is stored: the token is recomputed when the link is made.
"""

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator


class IntakeTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "intake.tokens.IntakeTokenGenerator"

    @property
    def timeout(self):
        return settings.INTAKE_LINK_DAYS * 24 * 60 * 60

    @timeout.setter
    def timeout(self, value):  # PasswordResetTokenGenerator sets it in __init__
        pass

    def _make_hash_value(self, request, timestamp):
        done = "" if request.completed_at is None else request.completed_at.isoformat()
        return f"{request.pk}{request.uuid}{request.patient_id}{done}{timestamp}"


intake_token = IntakeTokenGenerator()
