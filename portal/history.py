"""A signed treatment session told in plain words, for the patient's own pages
(history, session, export).

``session_story(session)`` is a pure function of a session whose placements
(with acupoint and needle), adverse events and addenda (with author) are
prefetched, and whose practitioner's user is selected: it runs no query.

What a patient reads: the date, who treated them, the points (codes with
names), the retention, the stimulation, the pain and disability scores, any
reaction, the response, recommendations, plan, next visit and addenda. The
clinician's working notes stay out: red flags and their notes, the TCM
pattern, tongue and pulse, the contraindication notes and the safety
warnings that were overridden.

``access_label`` puts the audit trail's action codes in words, for the page
that shows the patient who at the clinic opened their record.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from sessions.models import (
    Addendum,
    NeedlePlacement,
    Recommendation,
    TreatmentSession,
)
from sessions.outcomes import OdiResult
from sessions.timeline import NEWEST_FIRST

Side = NeedlePlacement.Side
Stimulation = NeedlePlacement.Stimulation

SIDE_WORDS = {
    Side.BILATERAL: "both sides",
    Side.LEFT: "left side",
    Side.RIGHT: "right side",
    Side.MIDLINE: "midline",
}
STIMULATION_WORDS = {
    Stimulation.MANUAL: "Manual stimulation (the needle turned or moved by hand)",
    Stimulation.ELECTRO: "Electroacupuncture (a gentle electrical current through the needles)",
    Stimulation.WARM_NEEDLE: "Warm needle (gentle heat from moxa on the needle)",
}
RECOMMENDATION_LABELS = dict(Recommendation.choices)


def point_name(placement: NeedlePlacement) -> str:
    """'BL23 Shenshu', or 'a tender (Ashi) point, 2 cm left of L4': as at sign-off
    (the copies of migration 0008), however the catalogue changed since."""
    if placement.ashi_location.strip():
        return f"a tender (Ashi) point, {placement.ashi_location.strip()}"
    name = f"{placement.point_code} {placement.point_name}"
    if placement.named_points:
        return f"{name} at {join_words(list(placement.named_points))}"
    if placement.points_needled > 1:
        return f"{name}, {placement.points_needled} points"
    return name


def placement_words(placement: NeedlePlacement) -> str:
    """'BL23 Shenshu (both sides)'."""
    side = SIDE_WORDS.get(placement.side)
    return f"{point_name(placement)} ({side})" if side else point_name(placement)


def join_words(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    if len(items) < 2:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def _stimulation_detail(placement: NeedlePlacement) -> str:
    if placement.stimulation == Stimulation.ELECTRO:
        parts = []
        if placement.ea_frequency:
            parts.append(f"{placement.ea_frequency} Hz")
        if placement.ea_minutes:
            parts.append(f"{placement.ea_minutes} minutes")
        return ", ".join(parts)
    if placement.stimulation == Stimulation.MANUAL and placement.manual_method:
        return placement.get_manual_method_display().lower()
    return ""


def what_we_did(session: TreatmentSession) -> list[str]:
    """The needling of one session as sentences a patient can read."""
    placements = list(session.placements.all())
    if not placements:
        return ["No needles were used in this session."]
    count = sum(p.needle_count for p in placements)
    sentences = [
        f"Needles at {join_words([placement_words(p) for p in placements])}: "
        f"{count} needle{'s' if count != 1 else ''} in all."
    ]
    minutes = session.retention_minutes
    if minutes is not None:
        sentences.append(
            f"The needles stayed in for {minutes} minute{'s' if minutes != 1 else ''}."
        )
    for stimulation, words in STIMULATION_WORDS.items():
        points = []
        for p in placements:
            if p.stimulation != stimulation:
                continue
            detail = _stimulation_detail(p)
            points.append(f"{point_name(p)} ({detail})" if detail else point_name(p))
        if points:
            sentences.append(f"{words} at {join_words(points)}.")
    return sentences


@dataclass(frozen=True)
class AddendumStory:
    date: datetime.datetime
    author: str
    reason: str
    text: str


@dataclass(frozen=True)
class ReactionStory:
    what: str
    severity: str
    action_taken: str


@dataclass(frozen=True)
class SessionStory:
    uuid: uuid.UUID
    date: datetime.date
    practitioner: str
    signed_at: datetime.datetime | None
    what_we_did: list[str]
    nprs_now: int | None
    nprs_best: int | None
    nprs_worst: int | None
    odi: OdiResult
    reactions: list[ReactionStory]
    response: str
    response_notes: str
    recommendations: list[str]
    recommendation_notes: str
    plan: str
    next_visit_in_days: int | None
    addenda: list[AddendumStory]

    @property
    def has_pain_score(self) -> bool:
        return any(v is not None for v in (self.nprs_now, self.nprs_best, self.nprs_worst))


def with_story(sessions: QuerySet[TreatmentSession]) -> QuerySet[TreatmentSession]:
    """What ``session_story`` reads, newest first, in four queries however many
    sessions: the sessions, their placements, adverse events and addenda (the
    history page takes ten at a time: sessions.timeline.page_of)."""
    return (
        sessions.signed()
        .select_related("practitioner__user")
        .prefetch_related(
            Prefetch(
                "placements",
                queryset=NeedlePlacement.objects.select_related("acupoint", "needle").order_by(
                    "position", "id"
                ),
            ),
            "adverse_events",
            Prefetch("addenda", queryset=Addendum.objects.select_related("author")),
        )
        .order_by(*NEWEST_FIRST)
    )


def session_story(session: TreatmentSession) -> SessionStory:
    return SessionStory(
        uuid=session.uuid,
        date=session.session_date,
        practitioner=session.practitioner_name,
        signed_at=session.signed_at,
        what_we_did=what_we_did(session),
        nprs_now=session.nprs_now,
        nprs_best=session.nprs_best,
        nprs_worst=session.nprs_worst,
        odi=session.odi_result,
        reactions=[
            ReactionStory(
                what=event.get_type_display(),
                severity=event.get_severity_display().lower(),
                action_taken=event.action_taken,
            )
            for event in session.adverse_events.all()
        ],
        response=session.get_response_display() if session.response else "",
        response_notes=session.response_notes,
        recommendations=[RECOMMENDATION_LABELS.get(r, r) for r in session.recommendations],
        recommendation_notes=session.recommendation_notes,
        plan=session.plan,
        next_visit_in_days=session.next_visit_in_days,
        addenda=[
            AddendumStory(
                date=a.created_at, author=a.author.full_name, reason=a.reason, text=a.text
            )
            for a in session.addenda.all()
        ],
    )


# --- Who at the clinic opened the record: the audit trail in plain words ---------

ACCESS_LABELS = {
    "patients.patient.viewed": "Opened your details",
    "patients.patient.created": "Registered you as a patient",
    "patients.patient.changed": "Changed your details",
    "patients.clinical_flags.changed": "Updated your health information",
    "patients.patient.archived": "Archived your record",
    "patients.patient.restored": "Restored your record",
    "sessions.clinical_page.viewed": "Opened your treatment history and progress",
    "sessions.session.viewed": "Opened a treatment record",
    "sessions.session.created": "Started a treatment record",
    "sessions.session.signed": "Signed a treatment record",
    "sessions.addendum.added": "Added a correction (addendum) to a treatment record",
    "sessions.adverse_event.added": "Recorded a reaction to treatment",
    "scheduling.appointment.booked": "Booked an appointment",
    "scheduling.appointment.moved": "Moved an appointment",
    "scheduling.appointment.cancelled": "Cancelled an appointment",
    "scheduling.appointment.arrived": "Checked you in for an appointment",
    "scheduling.appointment.in_treatment": "Started your appointment",
    "scheduling.appointment.completed": "Marked an appointment as completed",
    "scheduling.appointment.no_show": "Marked an appointment as missed",
    "scheduling.waitlist.added": "Put you on the waiting list",
    "scheduling.waitlist.withdrawn": "Took you off the waiting list",
    "notifications.message.retried": "Sent an appointment message again",
}
# Anything else, by the part of the record it touched.
ACCESS_AREAS = {
    "patients": "Worked on your details",
    "sessions": "Worked on a treatment record",
    "scheduling": "Worked on your appointments",
    "notifications": "Worked on messages to you",
}


def access_label(action: str, data: dict | None = None) -> str:
    """What a member of staff did, in words, from an audit action code."""
    if action == "patients.patient.viewed" and (data or {}).get("clinical_flags_shown"):
        return "Opened your details and health information"
    if action in ACCESS_LABELS:
        return ACCESS_LABELS[action]
    if action.startswith("scheduling.appointment."):
        return "Changed an appointment"
    return ACCESS_AREAS.get(action.split(".", 1)[0], "Worked on your record")
