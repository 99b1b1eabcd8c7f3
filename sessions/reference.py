"""The clinic's reference lists, edited by its practitioners (issue 11, point 11):
the needles it stocks and the points traditionally avoided in pregnancy.

Every change runs in one transaction and is audited (these lists are not
patient data: the audit trail names the needle or point). Needles are never
deleted, only retired (``is_active``: no longer offered for new placements).
A needle already used on a record keeps its gauge, length and make: a new size
or make is a new needle, so no record ever reads differently. A point may be
taken off the pregnancy list; overrides already given keep their reason.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

import audit.services
from sessions.models import Acupoint, Needle, NeedlePlacement, PregnancyCautionPoint

NEEDLE_IDENTITY = ("gauge_mm", "length_mm", "make")


class ReferenceDataError(ValidationError):
    """A change to a reference list that the rules refuse; nothing is saved."""


def _duplicate(needle: Needle) -> ReferenceDataError:
    return ReferenceDataError(f"The needle {needle} is already on the list.")


def _saved(needle: Needle, **kwargs) -> None:
    try:
        with transaction.atomic():
            needle.save(**kwargs)
    except IntegrityError:
        raise _duplicate(needle) from None


@transaction.atomic
def add_needle(*, by, gauge_mm, length_mm: int, make: str) -> Needle:
    needle = Needle(gauge_mm=gauge_mm, length_mm=length_mm, make=" ".join(make.split()))
    _saved(needle)
    audit.services.record(
        "sessions.needle.added", actor=by, obj=needle, data={"needle": str(needle)}
    )
    return needle


def needle_in_use(needle: Needle) -> bool:
    return NeedlePlacement.objects.filter(needle=needle).exists()


@transaction.atomic
def change_needle(*, needle: Needle, by, data: dict) -> Needle:
    """Change a needle's details, or retire it (``is_active`` False) or bring it back."""
    locked = Needle.objects.select_for_update().get(pk=needle.pk)
    before = str(locked)
    changed = [
        name
        for name in (*NEEDLE_IDENTITY, "is_active")
        if name in data and data[name] != getattr(locked, name)
    ]
    if not changed:
        return locked
    if set(changed) & set(NEEDLE_IDENTITY) and needle_in_use(locked):
        raise ReferenceDataError(
            f"The needle {before} is on treatment records, which must keep reading as they "
            "were: retire it and add the new size or make as a new needle."
        )
    for name in changed:
        setattr(locked, name, data[name])
    _saved(locked, update_fields=changed)
    action = "sessions.needle.changed"
    if changed == ["is_active"]:
        action = "sessions.needle.reactivated" if locked.is_active else "sessions.needle.retired"
    audit.services.record(
        action,
        actor=by,
        obj=locked,
        data={"needle": before, "now": str(locked), "changed_fields": changed},
    )
    return locked


@transaction.atomic
def add_pregnancy_caution(*, by, acupoint: Acupoint, reason: str) -> PregnancyCautionPoint:
    if PregnancyCautionPoint.objects.filter(acupoint=acupoint).exists():
        raise ReferenceDataError(f"{acupoint.code} is already on the pregnancy list.")
    try:
        with transaction.atomic():  # two people adding the same point at once
            caution = PregnancyCautionPoint.objects.create(
                acupoint=acupoint, reason=" ".join(reason.split())
            )
    except IntegrityError as error:
        raise ReferenceDataError(f"{acupoint.code} is already on the pregnancy list.") from error
    audit.services.record(
        "sessions.pregnancy_caution.added", actor=by, obj=caution, data={"acupoint": acupoint.code}
    )
    return caution


@transaction.atomic
def change_pregnancy_caution(*, caution: PregnancyCautionPoint, by, reason: str) -> None:
    reason = " ".join(reason.split())
    if reason == caution.reason:
        return
    caution.reason = reason
    caution.save(update_fields=["reason"])
    audit.services.record(
        "sessions.pregnancy_caution.changed",
        actor=by,
        obj=caution,
        data={"acupoint": caution.acupoint.code, "changed_fields": ["reason"]},
    )


@transaction.atomic
def remove_pregnancy_caution(*, caution: PregnancyCautionPoint, by) -> None:
    code = caution.acupoint.code
    audit.services.record(
        "sessions.pregnancy_caution.removed",
        actor=by,
        obj=caution,
        data={"acupoint": code, "reason": caution.reason},
    )
    caution.delete()
