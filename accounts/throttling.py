"""Failed-login throttling (django-axes), counted so that it cannot be side-stepped.

* The identifier is normalised (trimmed, lower-cased) before django-axes counts
  it, because logging in matches e-mail addresses without regard to case:
  ``Ayesha@…`` and ``AYESHA@…`` are one account and one count.
* Failures are counted twice (``AXES_LOCKOUT_PARAMETERS``): per account and
  client address (locked after ``AXES_FAILURE_LIMIT``), and per client address
  across every account (locked after ``AXES_ADDRESS_FAILURE_LIMIT``, higher,
  because the staff of one clinic often share one address), so one address
  cannot try a few passwords on each of many accounts.
"""

from __future__ import annotations

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from django.conf import settings
from django.db.models import Sum


def client_ip(request) -> str | None:
    """AXES_CLIENT_IP_CALLABLE: the address a login attempt came from.

    Behind CLINIC_TRUSTED_PROXIES reverse proxies, REMOTE_ADDR is the nearest
    proxy's, the same for everyone: counting failures per that address would let
    anyone lock the whole clinic out. Each trusted proxy appends the address it
    saw to X-Forwarded-For, so the client is the entry that many places from the
    right; entries further left are whatever the client sent, and ignored."""
    proxies = settings.CLINIC_TRUSTED_PROXIES
    if proxies:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [address for address in forwarded if address]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR")


def normalise_identifier(value) -> str:
    """An e-mail address as it is counted and looked up: trimmed, lower case."""
    return str(value or "").strip().lower()


def axes_username(request, credentials) -> str:
    """AXES_USERNAME_CALLABLE: the normalised e-mail address of a login attempt."""
    field = settings.AXES_USERNAME_FORM_FIELD
    if credentials:
        value = credentials.get(field)
    else:
        value = getattr(request, "data", request.POST).get(field)
    return normalise_identifier(value)


class ClinicAxesHandler(AxesDatabaseHandler):
    """django-axes' database handler with a limit of its own for the per-address count.

    django-axes compares the highest of its counts with one limit. This handler
    scales the per-address count so that it reaches that limit exactly when the
    address has failed ``AXES_ADDRESS_FAILURE_LIMIT`` times: with limits 5 and 20,
    19 failures from one address over many accounts count as 4, 20 as 5.
    """

    def get_failures(self, request, credentials=None) -> int:
        per_account_and_address, per_address = self._counts(request, credentials)
        limit = get_failure_limit(request, credentials)
        scaled = per_address * limit // settings.AXES_ADDRESS_FAILURE_LIMIT
        return max(per_account_and_address, scaled)

    def _counts(self, request, credentials) -> list[int]:
        counts = [
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        ]
        if len(counts) != 2:
            raise ValueError(
                "ClinicAxesHandler expects AXES_LOCKOUT_PARAMETERS = "
                '[["username", "ip_address"], "ip_address"]'
            )
        return counts

    def reset_user_attempts(self, request, credentials=None) -> int:
        """After a successful login (AXES_RESET_ON_SUCCESS), forget the failures of
        that account from that address only: django-axes would also forget the
        address's failures on every other account, so that logging in to one's
        own account between guesses would reset the per-address count."""
        per_account_and_address = self.filter_user_attempts(request, credentials)[0]
        count, _ = per_account_and_address.delete()
        return count
