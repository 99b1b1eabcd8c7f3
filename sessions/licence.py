"""The licence rule, in one place (DOMAIN.md, Records): a practitioner whose
licence has expired cannot needle a patient, sign a record or add to one.

Every workflow of sessions.services that needles (a placement, a protocol,
"copy from last session", needles in), signs or adds an addendum asks
``licence_problem`` first, whoever's record it is. PostgreSQL checks the same
rule again at signing (migration 0008). Booking uses
``Practitioner.licence_valid_on`` (practitioners/models.py), which this reads too.
"""

from __future__ import annotations

from datetime import date

from django.utils import timezone


def licence_problem(user, *, doing: str, day: date | None = None) -> str | None:
    """Why ``user`` may not do ``doing`` ("signing", "needling", ...) on ``day``
    (today in the clinic's zone), in plain words; None when they may."""
    practitioner = getattr(user, "practitioner", None)
    if practitioner is None:
        return f"Your account has no practitioner licence on file: {doing} needs one."
    if not practitioner.licence_valid_on(day or timezone.localdate()):
        return (
            f"Your licence expired on {practitioner.licence_expiry:%d %b %Y}: "
            f"renew it before {doing}."
        )
    return None
