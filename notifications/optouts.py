"""Replies to text messages: STOP (and the other opt-out words) records an
opt-out of the phone number, START opts it back in. The provider answers the
patient itself (Twilio's standard opt-out handling); the app only has to stop
sending. Other replies are not read by anyone, so they are not kept."""

from __future__ import annotations

from django.db import transaction

import audit.services
from notifications.models import TextOptOut
from patients.models import Patient
from patients.phones import to_e164

# Twilio's default opt-out and opt-in keywords (case-insensitive, whole message).
OPT_OUT_WORDS = frozenset(
    {"STOP", "STOPALL", "STOP ALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE"}
)
OPT_IN_WORDS = frozenset({"START", "YES", "UNSTOP"})

OPTED_OUT, OPTED_IN = "opted out", "opted in"


def _intent(body: str, opt_out_type: str) -> str:
    """OPTED_OUT, OPTED_IN or '' for a reply; the provider's own verdict
    (Twilio's OptOutType parameter) wins over the words."""
    kind = opt_out_type.strip().upper()
    if kind == "STOP":
        return OPTED_OUT
    if kind == "START":
        return OPTED_IN
    words = " ".join(body.upper().replace(".", " ").replace("!", " ").split())
    if words in OPT_OUT_WORDS:
        return OPTED_OUT
    if words in OPT_IN_WORDS:
        return OPTED_IN
    return ""


@transaction.atomic
def record_reply(sender: str, body: str, opt_out_type: str = "") -> str:
    """Act on a reply from ``sender``; returns what it did (OPTED_OUT,
    OPTED_IN or '' for any other reply)."""
    intent = _intent(body, opt_out_type)
    try:
        number = to_e164(sender)
    except ValueError:
        return ""
    if not intent or not number:
        return ""
    keyword = " ".join(body.split())[:20]
    if intent == OPTED_OUT:
        opt_out, created = TextOptOut.objects.get_or_create(
            number=number, defaults={"keyword": keyword}
        )
        if not created:
            return intent
        action, obj = "notifications.sms.opted_out", opt_out
    else:
        deleted, _ = TextOptOut.objects.filter(number=number).delete()
        if not deleted:
            return intent
        action, obj = "notifications.sms.opted_in", None
    patients = list(Patient.objects.filter(phone=number)) or [None]
    for patient in patients:
        audit.services.record(
            action, obj=obj, patient=patient, data={"keyword": keyword}, actor_label=number
        )
    return intent
