"""The words of each text message: short (one or two SMS segments, see
segments.py) and free of clinical words, since anyone holding the phone may
read it. The appointment type and the clinic's name are left out when they
would say what the visit is for ("Back Pain Acupuncture Clinic").

A new kind of message needs a line in TEXTS (and its Kind in models.py).
"""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from clinic.models import ClinicSettings
from notifications.sms.segments import segments
from patients.phones import display, to_e164

MAX_SEGMENTS = 2

# {who} is the clinic's name (or "Your clinic"), {when} the local time.
TEXTS = {
    "confirmation": "{who}: your appointment is booked for {when}{with_whom}.",
    "change": "{who}: your appointment has moved to {when}{with_whom}.",
    "cancellation": "{who}: your appointment on {when} is cancelled.",
    "reminder": "{who}: a reminder of your appointment on {when}{with_whom}.",
}
CALL_US = " To change it call {phone}."
STOP = " Reply STOP to opt out."

# Whole words that would tell a reader of the phone about the patient's health.
_WORD = re.compile(r"[a-z]+")
CLINICAL_WORDS = frozenset(
    _WORD.findall(
        """
        acupuncture acupuncturist acupressure needle needles needling electroacupuncture
        pain painful back spine spinal lumbar sciatica sciatic disc hernia herniated
        treatment treatments therapy therapist physio physiotherapy osteopath chiropractic
        pregnancy pregnant injury injured medical medicine health clinical diagnosis
        symptom symptoms migraine arthritis fertility cupping moxibustion
        """
    )
)


def clinical_words(text: str) -> set[str]:
    """The clinical words in ``text`` (empty when it is safe to send)."""
    return {w for w in _WORD.findall(text.lower()) if w in CLINICAL_WORDS}


def short_when(moment) -> str:
    """'Mon 1 Jul at 10:00', in the clinic's time zone."""
    local = timezone.localtime(moment, ZoneInfo(settings.TIME_ZONE))
    return f"{local:%a} {local.day} {local:%b} at {local:%H:%M}"


def _phone(clinic) -> str:
    try:
        return display(to_e164(clinic.phone))
    except ValueError:
        return clinic.phone.strip()


def text_for(message, appointment, clinic: ClinicSettings | None = None) -> str:
    """The text for ``message`` about ``appointment``: the fullest wording that
    fits MAX_SEGMENTS and names nothing clinical."""
    clinic = clinic or ClinicSettings.load()
    name = clinic.name.strip()
    who = name if name and not clinical_words(name) else "Your clinic"
    practitioner = str(appointment.practitioner)
    with_whom = f" with {practitioner}" if not clinical_words(practitioner) else ""
    phone = _phone(clinic)
    call_us = CALL_US.format(phone=phone) if phone and message.kind != "cancellation" else ""
    when = short_when(appointment.start_at)
    template = TEXTS[message.kind]
    candidates = [
        template.format(who=who, when=when, with_whom=with_whom) + call_us + STOP,
        template.format(who=who, when=when, with_whom="") + call_us + STOP,
        template.format(who=who, when=when, with_whom="") + STOP,
        template.format(who="Your clinic", when=when, with_whom="") + STOP,
    ]
    for text in candidates:
        if segments(text) <= MAX_SEGMENTS and not clinical_words(text):
            return text
    return candidates[-1]
