"""Appointment workflows: each runs in one transaction, writes the
appointment's history and the audit trail, and queues the patient's messages.

Double booking is refused by PostgreSQL (exclusion constraints); this module
turns that refusal into a ``BookingError`` with a message a person can act on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

import audit.services
from clinic.models import ClinicSettings
from notifications.models import OutboundMessage
from notifications.services import queue_for
from practitioners.models import Practitioner
from scheduling.availability import Availability, load_availability
from scheduling.dates import long_datetime
from scheduling.models import Appointment, AppointmentEvent, CalendarFeed, Room, WaitlistEntry
from scheduling.signals import appointment_status_changed

PRACTITIONER_CONSTRAINT = "scheduling_no_practitioner_double_booking"
ROOM_CONSTRAINT = "scheduling_no_room_double_booking"


class BookingError(ValidationError):
    """A booking or change the clinic's rules refuse."""


class StaleAppointment(BookingError):
    def __init__(self):
        super().__init__(
            "Someone else changed this appointment since you opened it. Nothing was saved: "
            "reload to see the current booking."
        )


def _snapshot(appointment: Appointment) -> dict:
    return {
        "start_at": appointment.start_at.isoformat(),
        "end_at": appointment.end_at.isoformat(),
        "practitioner": appointment.practitioner_id,
        "room": appointment.room_id,
        "status": appointment.status,
    }


def _conflict_message(error: IntegrityError, appointment: Appointment) -> str | None:
    constraint = getattr(getattr(error.__cause__, "diag", None), "constraint_name", None)
    when = long_datetime(appointment.start_at)
    if constraint == PRACTITIONER_CONSTRAINT:
        return (
            f"{appointment.practitioner} already has an appointment at {when} "
            "(or overlapping it). Choose another time or practitioner."
        )
    if constraint == ROOM_CONSTRAINT:
        return f"{appointment.room} is already taken at {when}. Choose another room or time."
    return None


def _save_or_explain(appointment: Appointment, **save_kwargs) -> None:
    """Save inside a savepoint; an overlap refused by PostgreSQL becomes a BookingError."""
    try:
        with transaction.atomic():
            appointment.save(**save_kwargs)
    except IntegrityError as error:
        message = _conflict_message(error, appointment)
        if message is None:
            raise
        raise BookingError(message, code="double_booking") from error


PAST_MESSAGE = "That time has passed. Choose a time in the future."


def outside_hours_message(practitioner) -> str:
    return (
        f"{practitioner} is not working then (outside their hours, time off or a "
        "clinic closure). To book anyway, say why."
    )


def when_problems(
    *, practitioner, start_at: datetime, end_at: datetime, availability: Availability, now=None
) -> tuple[bool, bool]:
    """The one judge of two booking rules: is the time (1) in the past, (2) outside
    the practitioner's working time (hours, time off, closures)? The second is
    allowed with a reason. A course of care's preview asks the same question."""
    past = start_at < (now or timezone.now())
    return past, not availability.is_working(practitioner.id, start_at, end_at)


def cancel_deadline(start_at: datetime, clinic: ClinicSettings | None = None) -> datetime:
    """The last moment to cancel without it being a late cancellation (the
    clinic's notice period); patients cannot cancel online after it."""
    clinic = clinic or ClinicSettings.load()
    return start_at - timedelta(hours=clinic.late_cancellation_hours)


def _check_when(
    *,
    practitioner,
    start_at: datetime,
    end_at: datetime,
    outside_hours_reason: str,
    availability: Availability | None = None,
    exclude_appointment_id: int | None = None,
) -> None:
    """Refuse a time in the past, and one outside working hours without a reason
    (each error names the form field it belongs to)."""
    if availability is None:
        day = timezone.localdate(start_at)
        availability = load_availability(
            [practitioner.id], day, day, exclude_appointment_id=exclude_appointment_id
        )
    past, outside_hours = when_problems(
        practitioner=practitioner, start_at=start_at, end_at=end_at, availability=availability
    )
    if past:
        raise BookingError({"time": [ValidationError(PAST_MESSAGE, code="past")]})
    if outside_hours and not outside_hours_reason.strip():
        raise BookingError(
            {
                "outside_hours_reason": [
                    ValidationError(outside_hours_message(practitioner), code="outside_hours")
                ]
            }
        )


def _log(appointment, kind, *, by, before=None, note="", action):
    AppointmentEvent.objects.create(
        appointment=appointment,
        kind=kind,
        by=by if by is not None and by.is_authenticated else None,
        before=before or {},
        after=_snapshot(appointment),
        note=note,
    )
    audit.services.record(
        action,
        actor=by,
        obj=appointment,
        patient=appointment.patient,
        data={"before": before or {}, "after": _snapshot(appointment), "note": note},
    )


@transaction.atomic
def book_appointment(
    *,
    patient,
    practitioner,
    room,
    appointment_type,
    start_at: datetime,
    by,
    end_at: datetime | None = None,
    outside_hours_reason: str = "",
    notes: str = "",
    booked_online: bool = False,
    availability: Availability | None = None,
) -> Appointment:
    """Book one appointment. Not in the past; outside working hours only with a
    reason (``availability``: the practitioner's, when the caller has loaded it
    for a longer span, as a course of care does; else loaded for the day)."""
    if patient.is_archived:
        raise BookingError("This patient's record is archived: restore it before booking.")
    # Durations are added in UTC (wall-clock arithmetic would be wrong across DST).
    start_at = start_at.astimezone(UTC)
    end_at = (end_at or start_at + appointment_type.duration).astimezone(UTC)
    _check_when(
        practitioner=practitioner,
        start_at=start_at,
        end_at=end_at,
        outside_hours_reason=outside_hours_reason,
        availability=availability,
    )
    appointment = Appointment(
        patient=patient,
        practitioner=practitioner,
        room=room,
        appointment_type=appointment_type,
        start_at=start_at,
        end_at=end_at,
        blocked_until=end_at + appointment_type.buffer,
        outside_hours_reason=outside_hours_reason,
        notes=notes,
        booked_online=booked_online,
        booked_by=by if by is not None and by.is_authenticated else None,
    )
    _save_or_explain(appointment)
    _log(appointment, AppointmentEvent.Kind.BOOKED, by=by, action="scheduling.appointment.booked")
    queue_for(appointment, OutboundMessage.Kind.CONFIRMATION)
    return appointment


def _locked(appointment: Appointment, version: int | None) -> Appointment:
    current = (
        Appointment.objects.select_for_update()
        .select_related("patient", "practitioner__user", "room", "appointment_type")
        .get(pk=appointment.pk)
    )
    if version is not None and version != current.version:
        raise StaleAppointment
    return current


def _apply_move(
    current: Appointment,
    *,
    start_at: datetime,
    end_at: datetime,
    practitioner,
    room,
    outside_hours_reason: str,
) -> None:
    """Every rule of a move, then the UPDATE (the database refuses an overlap):
    the move itself and its dry run (``preview_move``) both come through here."""
    if current.status != Appointment.Status.BOOKED:
        raise BookingError(
            f"Only booked appointments can be moved; this one is {current.get_status_display().lower()}."
        )
    if end_at <= start_at:
        raise BookingError("The appointment must end after it starts.")
    start_at, end_at = start_at.astimezone(UTC), end_at.astimezone(UTC)
    _check_when(
        practitioner=practitioner,
        start_at=start_at,
        end_at=end_at,
        outside_hours_reason=outside_hours_reason,
        exclude_appointment_id=current.pk,
    )
    current.start_at, current.end_at = start_at, end_at
    current.blocked_until = end_at + current.appointment_type.buffer
    current.practitioner, current.room = practitioner, room
    if outside_hours_reason:
        current.outside_hours_reason = outside_hours_reason
    current.sequence = F("sequence") + 1
    current.version = F("version") + 1
    _save_or_explain(
        current,
        update_fields=[
            "start_at", "end_at", "blocked_until", "practitioner", "room",
            "outside_hours_reason", "sequence", "version", "updated_at",
        ],
    )  # fmt: skip


@transaction.atomic
def move_appointment(
    *,
    appointment: Appointment,
    start_at: datetime,
    end_at: datetime,
    practitioner,
    room,
    by,
    version: int | None = None,
    outside_hours_reason: str = "",
) -> Appointment:
    """Reschedule or resize; the history keeps where it was before."""
    current = _locked(appointment, version)
    before = _snapshot(current)
    _apply_move(
        current,
        start_at=start_at,
        end_at=end_at,
        practitioner=practitioner,
        room=room,
        outside_hours_reason=outside_hours_reason,
    )
    current.refresh_from_db(fields=["sequence", "version"])
    _log(
        current,
        AppointmentEvent.Kind.MOVED,
        by=by,
        before=before,
        action="scheduling.appointment.moved",
    )
    queue_for(current, OutboundMessage.Kind.CHANGE)
    return current


@dataclass(frozen=True)
class MovePreview:
    """What a move would meet, found before it is made. ``problem`` refuses it
    (the time has passed, a double booking, someone changed it meanwhile);
    ``needs_reason`` allows it once a reason is given (outside working hours)."""

    problem: str = ""
    needs_reason: str = ""

    @property
    def allowed(self) -> bool:
        return not self.problem


# Stands in for the clerk's reason while a dry run looks past "outside hours".
_PREVIEW_REASON = "(preview)"


def _dry_run(appointment: Appointment, version: int | None, **move) -> BookingError | None:
    """``_apply_move`` in a savepoint that is always rolled back: the same rules
    and the same database check as the move, and nothing written."""
    try:
        with transaction.atomic():
            try:
                _apply_move(_locked(appointment, version), **move)
            finally:
                transaction.set_rollback(True)
    except BookingError as error:
        return error
    return None


def _message(error: BookingError) -> str:
    return " ".join(message for message in error.messages)


def preview_move(
    *,
    appointment: Appointment,
    start_at: datetime,
    end_at: datetime,
    practitioner,
    room,
    version: int | None = None,
    outside_hours_reason: str = "",
) -> MovePreview:
    """Would ``move_appointment`` with these values succeed? The calendar asks
    while an appointment is dragged, before anything is saved."""
    move = {"start_at": start_at, "end_at": end_at, "practitioner": practitioner, "room": room}
    error = _dry_run(appointment, version, outside_hours_reason=outside_hours_reason, **move)
    if error is None:
        return MovePreview()
    codes = {e.code for errors in getattr(error, "error_dict", {}).values() for e in errors}
    if "outside_hours" not in codes:
        return MovePreview(problem=_message(error))
    # Allowed with a reason, unless something else refuses it as well.
    again = _dry_run(appointment, version, outside_hours_reason=_PREVIEW_REASON, **move)
    return MovePreview(
        problem=_message(again) if again is not None else "", needs_reason=_message(error)
    )


def last_move(appointment: Appointment) -> AppointmentEvent | None:
    """The appointment's latest change, if it was a move that nothing followed
    (what one-step undo would take back)."""
    event = appointment.events.order_by("-at", "-id").first()
    if event is None or event.kind != AppointmentEvent.Kind.MOVED:
        return None
    return event


def undo_move(*, appointment: Appointment, by, version: int) -> Appointment:
    """Put the appointment back where its last move found it: a move like any
    other (the same checks, history, audit and message to the patient)."""
    event = last_move(appointment)
    if event is None:
        raise BookingError("There is no move to undo: the last change was not a move.")
    before = event.before
    practitioner = Practitioner.objects.with_user().filter(pk=before["practitioner"]).first()
    room = Room.objects.filter(pk=before["room"]).first()
    if practitioner is None or room is None:
        raise BookingError("The practitioner or room it had before no longer exists.")
    return move_appointment(
        appointment=appointment,
        start_at=datetime.fromisoformat(before["start_at"]),
        end_at=datetime.fromisoformat(before["end_at"]),
        practitioner=practitioner,
        room=room,
        by=by,
        version=version,
        # The reason it was booked outside hours with, if it was.
        outside_hours_reason=appointment.outside_hours_reason,
    )


IMPLIED_ARRIVAL_NOTE = (
    "Arrival implied: the treatment record was opened without the patient being marked arrived."
)


@transaction.atomic
def change_status(
    *,
    appointment: Appointment,
    status: str,
    by,
    version: int | None = None,
    implied_arrival: bool = False,
) -> Appointment:
    """Arrive, start treatment, complete, or mark a no-show (cancelling has its own service).

    ``implied_arrival`` lets a booked appointment go straight into treatment
    (its record was opened): the history says the arrival was implied."""
    current = _locked(appointment, version)
    if status == Appointment.Status.CANCELLED:
        raise BookingError("Use cancel to cancel an appointment: it needs a reason.")
    skips_arrival = (
        implied_arrival
        and current.status == Appointment.Status.BOOKED
        and status == Appointment.Status.IN_TREATMENT
    )
    if not (skips_arrival or current.can_become(status)):
        raise BookingError(
            f"An appointment that is {current.get_status_display().lower()} cannot become "
            f"{Appointment.Status(status).label.lower()}."
        )
    if problem := current.timing_problem(status):
        raise BookingError(problem)
    before = _snapshot(current)
    current.status = status
    current.version = F("version") + 1
    current.save(update_fields=["status", "version", "updated_at"])
    current.refresh_from_db(fields=["version"])
    _log(
        current,
        AppointmentEvent.Kind.STATUS,
        by=by,
        before=before,
        note=IMPLIED_ARRIVAL_NOTE if skips_arrival else "",
        action=f"scheduling.appointment.{status}",
    )
    appointment_status_changed.send(
        sender=Appointment, appointment=current, previous=before["status"], by=by
    )
    return current


def begin_treatment(*, appointment: Appointment, by) -> None:
    """Its treatment record was opened: an arrived appointment is now in
    treatment, and so is a booked one of today or earlier (the patient evidently
    came; the history says the arrival was implied). A record opened ahead of
    the day changes nothing."""
    status = Appointment.objects.filter(pk=appointment.pk).values_list("status", flat=True).first()
    if status == Appointment.Status.ARRIVED or (
        status == Appointment.Status.BOOKED
        and timezone.localdate(appointment.start_at) <= timezone.localdate()
    ):
        change_status(
            appointment=appointment,
            status=Appointment.Status.IN_TREATMENT,
            by=by,
            implied_arrival=True,
        )


@transaction.atomic
def cancel_appointment(
    *,
    appointment: Appointment,
    by,
    cancelled_by: str,
    reason: str,
    version: int | None = None,
) -> Appointment:
    """Cancel with a reason; inside the clinic's notice period it is a late cancellation."""
    current = _locked(appointment, version)
    if not current.can_become(Appointment.Status.CANCELLED):
        raise BookingError(
            f"An appointment that is {current.get_status_display().lower()} cannot be cancelled."
        )
    reason = reason.strip()
    if not reason:
        raise BookingError("Say why the appointment is cancelled.")
    now = timezone.now()
    before = _snapshot(current)
    current.status = Appointment.Status.CANCELLED
    current.cancelled_at = now
    current.cancelled_by = cancelled_by
    current.cancellation_reason = reason
    current.late_cancellation = now > cancel_deadline(current.start_at)
    current.sequence = F("sequence") + 1
    current.version = F("version") + 1
    current.save(
        update_fields=[
            "status", "cancelled_at", "cancelled_by", "cancellation_reason",
            "late_cancellation", "sequence", "version", "updated_at",
        ]
    )  # fmt: skip
    current.refresh_from_db(fields=["sequence", "version"])
    _log(
        current,
        AppointmentEvent.Kind.CANCELLED,
        by=by,
        before=before,
        note=reason,
        action="scheduling.appointment.cancelled",
    )
    appointment_status_changed.send(
        sender=Appointment, appointment=current, previous=before["status"], by=by
    )
    queue_for(current, OutboundMessage.Kind.CANCELLATION)
    return current


def waitlist_matches(appointment: Appointment):
    """Waiting patients who could take the time a cancellation freed."""
    local = timezone.localtime(appointment.start_at)
    entries = (
        WaitlistEntry.objects.filter(
            status=WaitlistEntry.Status.WAITING,
            earliest_date__lte=local.date(),
            latest_date__gte=local.date(),
        )
        .filter(Q(practitioner__isnull=True) | Q(practitioner_id=appointment.practitioner_id))
        .select_related("patient", "practitioner__user", "appointment_type")
        .order_by("created_at")
    )
    return [
        entry
        for entry in entries
        if (entry.earliest_time is None or entry.earliest_time <= local.time())
        and (entry.latest_time is None or local.time() <= entry.latest_time)
        and entry.appointment_type.duration_minutes <= appointment.duration_minutes
    ]


# --- The waitlist -------------------------------------------------------------------


def _waitlist_snapshot(entry: WaitlistEntry) -> dict:
    return {
        "appointment_type": str(entry.appointment_type.uuid),
        "practitioner": str(entry.practitioner.uuid) if entry.practitioner else None,
        "dates": [entry.earliest_date.isoformat(), entry.latest_date.isoformat()],
        "times": [
            entry.earliest_time.strftime("%H:%M") if entry.earliest_time else None,
            entry.latest_time.strftime("%H:%M") if entry.latest_time else None,
        ],
        "status": entry.status,
    }


@transaction.atomic
def add_to_waitlist(*, data: dict, by) -> WaitlistEntry:
    """Put a patient on the waitlist (``data``: the waitlist form's cleaned data)."""
    entry = WaitlistEntry.objects.create(**data, created_by=by)
    audit.services.record(
        "scheduling.waitlist.added",
        actor=by,
        obj=entry,
        patient=entry.patient,
        data=_waitlist_snapshot(entry),
    )
    return entry


@transaction.atomic
def withdraw_from_waitlist(*, entry: WaitlistEntry, by) -> bool:
    """Take a waiting entry off the list; False (nothing written) when it was no
    longer waiting, e.g. withdrawn from another tab a moment ago."""
    withdrawn = WaitlistEntry.objects.filter(
        pk=entry.pk, status=WaitlistEntry.Status.WAITING
    ).update(status=WaitlistEntry.Status.WITHDRAWN)
    if not withdrawn:
        return False
    entry.status = WaitlistEntry.Status.WITHDRAWN
    audit.services.record(
        "scheduling.waitlist.withdrawn",
        actor=by,
        obj=entry,
        patient=entry.patient,
        data=_waitlist_snapshot(entry),
    )
    return True


# --- A practitioner's calendar feed link --------------------------------------------


def live_calendar_feed(*, practitioner: Practitioner, by) -> CalendarFeed:
    """The practitioner's current feed link, made (and audited) on first use."""
    current = CalendarFeed.objects.filter(
        practitioner=practitioner, revoked_at__isnull=True
    ).first()
    if current is not None:
        return current
    try:
        with transaction.atomic():
            current = CalendarFeed.objects.create(practitioner=practitioner)
            audit.services.record(
                "scheduling.calendar_feed.created",
                actor=by,
                obj=current,
                data={"practitioner": str(practitioner.uuid)},
            )
    except IntegrityError:  # made at the same moment by another request
        return CalendarFeed.objects.get(practitioner=practitioner, revoked_at__isnull=True)
    return current


@transaction.atomic
def renew_calendar_feed(*, practitioner: Practitioner, by) -> CalendarFeed:
    """Revoke the live link (if any) and make a new one."""
    # One renewal at a time per practitioner (two tabs, a double click).
    Practitioner.objects.select_for_update().filter(pk=practitioner.pk).first()
    now = timezone.now()
    for old in CalendarFeed.objects.filter(practitioner=practitioner, revoked_at__isnull=True):
        old.revoked_at = now
        old.save(update_fields=["revoked_at"])
        audit.services.record(
            "scheduling.calendar_feed.revoked",
            actor=by,
            obj=old,
            data={"practitioner": str(practitioner.uuid)},
        )
    new = CalendarFeed.objects.create(practitioner=practitioner)
    audit.services.record(
        "scheduling.calendar_feed.created",
        actor=by,
        obj=new,
        data={"practitioner": str(practitioner.uuid)},
    )
    return new
