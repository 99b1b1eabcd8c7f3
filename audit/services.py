"""Writing to the audit trail. Callers record intent explicitly, in the same
transaction as the change they describe (no signals for data changes)."""

from __future__ import annotations

from typing import Any

from django.db import models

from audit.context import client_address
from audit.models import AuditEvent

MASKED_KEYS = ("password", "secret", "token")


def _mask(data: dict[str, Any]) -> dict[str, Any]:
    return {k: ("***" if any(m in k.lower() for m in MASKED_KEYS) else v) for k, v in data.items()}


def record(
    action: str,
    *,
    actor=None,
    obj: models.Model | None = None,
    patient=None,
    data: dict[str, Any] | None = None,
    actor_label: str = "",
) -> AuditEvent:
    """Append one event. ``patient`` ties it to a patient's record."""
    return AuditEvent.objects.create(
        action=action,
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_label=actor_label or (getattr(actor, "email", "") or ""),
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(getattr(obj, "uuid", None) or getattr(obj, "pk", ""))
        if obj is not None
        else "",
        patient=patient,
        client_address=client_address.get(),
        data=_mask(data or {}),
    )


def record_export(*, by, filters: dict[str, Any]) -> AuditEvent:
    """Exporting the trail is itself an event on it (with the filters used)."""
    return record("audit.exported", actor=by, data={"filters": filters})


def changed_fields(form) -> dict[str, dict[str, str]]:
    """The fields a ModelForm changed, old and new value as text."""
    changes = {}
    for name in form.changed_data:
        old = form.initial.get(name)
        new = form.cleaned_data.get(name)
        changes[name] = {
            "from": "" if old is None else str(old),
            "to": "" if new is None else str(new),
        }
    return changes
