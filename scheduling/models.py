import secrets
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from accounts.roles import Capability
from scheduling.dates import long_date, long_datetime


class Room(models.Model):
    """A treatment room: one patient at a time (enforced by the database)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=60, unique=True)
    is_active = models.BooleanField(default=True)
    notes = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class AppointmentTypeQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class AppointmentType(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=80, unique=True)
    duration_minutes = models.PositiveSmallIntegerField(default=45)
    buffer_after_minutes = models.PositiveSmallIntegerField(
        default=0, help_text="Time kept free after the appointment (notes, cleaning the room)."
    )
    colour = models.CharField(max_length=7, default="#5b8def")
    practitioners = models.ManyToManyField(
        "practitioners.Practitioner",
        related_name="appointment_types",
        blank=True,
        help_text="Who offers this type. Empty means every practitioner.",
    )
    bookable_online = models.BooleanField("patients may book it online", default=False)
    is_active = models.BooleanField(default=True)

    objects = AppointmentTypeQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=5) & Q(duration_minutes__lte=480),
                name="scheduling_type_duration_range",
            ),
            models.CheckConstraint(
                condition=Q(buffer_after_minutes__lte=120), name="scheduling_type_buffer_range"
            ),
            models.CheckConstraint(
                condition=Q(colour__regex=r"^#[0-9a-fA-F]{6}$"), name="scheduling_type_colour_hex"
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.duration_minutes} min)"

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.duration_minutes)

    @property
    def buffer(self) -> timedelta:
        return timedelta(minutes=self.buffer_after_minutes)


class WorkingHours(models.Model):
    """A practitioner's regular weekly hours, in the clinic's local time.
    A day with a break has two rows (e.g. 09:00–12:30 and 13:30–17:00)."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, "Monday"
        TUESDAY = 1, "Tuesday"
        WEDNESDAY = 2, "Wednesday"
        THURSDAY = 3, "Thursday"
        FRIDAY = 4, "Friday"
        SATURDAY = 5, "Saturday"
        SUNDAY = 6, "Sunday"

    practitioner = models.ForeignKey(
        "practitioners.Practitioner", on_delete=models.CASCADE, related_name="working_hours"
    )
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start_time = models.TimeField()
    end_time = models.TimeField()

    class Meta:
        ordering = ["practitioner", "weekday", "start_time"]
        verbose_name_plural = "working hours"
        constraints = [
            models.CheckConstraint(
                condition=Q(start_time__lt=F("end_time")), name="scheduling_hours_start_before_end"
            ),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="scheduling_hours_weekday"),
        ]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.start_time:%H:%M}–{self.end_time:%H:%M}"


class AvailabilityException(models.Model):
    """Time off, or extra hours outside the weekly pattern."""

    class Kind(models.TextChoices):
        TIME_OFF = "time_off", "Time off"
        EXTRA_HOURS = "extra_hours", "Extra hours"

    practitioner = models.ForeignKey(
        "practitioners.Practitioner", on_delete=models.CASCADE, related_name="exceptions"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    start_at = models.DateTimeField()
    end_at = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["start_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_at__lt=F("end_at")), name="scheduling_exception_start_before_end"
            ),
        ]
        indexes = [models.Index(fields=["practitioner", "start_at"], name="sched_exception_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.start_at:%Y-%m-%d %H:%M}"


class ClinicClosure(models.Model):
    """Whole days the clinic is closed (bank holidays, training days)."""

    start_date = models.DateField()
    end_date = models.DateField()
    reason = models.CharField(max_length=200)

    class Meta:
        ordering = ["start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_date__lte=F("end_date")), name="scheduling_closure_dates"
            ),
        ]

    def __str__(self):
        return f"{self.reason} ({self.start_date}–{self.end_date})"


# Longest time one appointment may block: 8 hours plus a 2-hour buffer.
LONGEST_BLOCK = timedelta(hours=10)


class AppointmentQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status__in=Appointment.ACTIVE_STATUSES)

    def overlapping(self, start, end):
        # The lower bound on start_at is implied (no appointment blocks longer
        # than LONGEST_BLOCK, a CHECK below) but lets PostgreSQL use the
        # (…, start_at) indexes instead of scanning every booking ever made.
        return self.filter(
            start_at__lt=end, start_at__gt=start - LONGEST_BLOCK, blocked_until__gt=start
        )

    def editable_by(self, user):
        """Appointments this user may change (as Appointment.changeable_by)."""
        if user.can(Capability.BOOK_APPOINTMENTS):
            return self
        if user.can(Capability.EDIT_OWN_APPOINTMENTS):
            return self.filter(practitioner__user=user)
        return self.none()

    def visible_to(self, user):
        if user.can(Capability.VIEW_CALENDAR):
            return self
        if user.can(Capability.USE_PORTAL):
            return self.filter(patient__user=user)
        return self.none()

    def for_calendar(self):
        return self.select_related("patient", "practitioner__user", "room", "appointment_type")


class Appointment(models.Model):
    """One booked visit. Never deleted: cancelled and no-show appointments stay,
    and every change is kept in AppointmentEvent.

    The database refuses two active appointments that overlap for the same
    practitioner or the same room (exclusion constraints in migration 0002,
    over [start_at, blocked_until) so that the buffer after a visit is kept).
    """

    class Status(models.TextChoices):
        BOOKED = "booked", "Booked"
        ARRIVED = "arrived", "Arrived"
        IN_TREATMENT = "in_treatment", "In treatment"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"
        NO_SHOW = "no_show", "No-show"

    class CancelledBy(models.TextChoices):
        PATIENT = "patient", "Patient"
        CLINIC = "clinic", "Clinic"

    ACTIVE_STATUSES = (Status.BOOKED, Status.ARRIVED, Status.IN_TREATMENT, Status.COMPLETED)
    # The lifecycle: which status may follow which.
    TRANSITIONS = {
        Status.BOOKED: {Status.ARRIVED, Status.CANCELLED, Status.NO_SHOW},
        Status.ARRIVED: {Status.IN_TREATMENT, Status.CANCELLED, Status.BOOKED},
        Status.IN_TREATMENT: {Status.COMPLETED},
        Status.COMPLETED: set(),
        Status.CANCELLED: set(),
        Status.NO_SHOW: set(),
    }

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # No index of their own: the composite (patient | practitioner | room, start_at)
    # indexes below lead with them and serve every look-up by them.
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="appointments", db_index=False
    )
    practitioner = models.ForeignKey(
        "practitioners.Practitioner",
        on_delete=models.PROTECT,
        related_name="appointments",
        db_index=False,
    )
    room = models.ForeignKey(
        Room, on_delete=models.PROTECT, related_name="appointments", db_index=False
    )
    appointment_type = models.ForeignKey(
        AppointmentType, on_delete=models.PROTECT, related_name="appointments"
    )
    start_at = models.DateTimeField()
    end_at = models.DateTimeField()
    # end_at plus the type's buffer: the practitioner and room stay blocked until then.
    blocked_until = models.DateTimeField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.BOOKED)

    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.CharField(max_length=8, choices=CancelledBy.choices, blank=True)
    cancellation_reason = models.CharField(max_length=300, blank=True)
    late_cancellation = models.BooleanField(default=False)

    outside_hours_reason = models.CharField(
        max_length=200, blank=True, help_text="Why it was booked outside working hours."
    )
    notes = models.CharField("booking note", max_length=300, blank=True)
    booked_online = models.BooleanField(default=False)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # iCalendar SEQUENCE: bumped whenever the time, place or status changes.
    sequence = models.PositiveIntegerField(default=0)
    # Optimistic locking for edits made from an out-of-date page.
    version = models.PositiveIntegerField(default=1)

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        ordering = ["start_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_at__lt=F("end_at")), name="scheduling_appt_start_before_end"
            ),
            models.CheckConstraint(
                condition=Q(blocked_until__gte=F("end_at")), name="scheduling_appt_buffer_after_end"
            ),
            models.CheckConstraint(
                condition=Q(blocked_until__lte=F("start_at") + LONGEST_BLOCK),
                name="scheduling_appt_longest_block",
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        "booked",
                        "arrived",
                        "in_treatment",
                        "completed",
                        "cancelled",
                        "no_show",
                    ]
                ),
                name="scheduling_appt_status",
            ),
            models.CheckConstraint(
                condition=(
                    Q(status="cancelled", cancelled_at__isnull=False)
                    & ~Q(cancelled_by="")
                    & ~Q(cancellation_reason="")
                )
                | (~Q(status="cancelled") & Q(cancelled_at__isnull=True)),
                name="scheduling_appt_cancellation_complete",
            ),
        ]
        indexes = [
            # Day and week views, and find-a-time, read by practitioner and time.
            models.Index(fields=["practitioner", "start_at"], name="sched_appt_prac_start_idx"),
            models.Index(fields=["room", "start_at"], name="sched_appt_room_start_idx"),
            models.Index(fields=["patient", "start_at"], name="sched_appt_patient_start_idx"),
            # load_availability: active bookings overlapping a window (docs/performance.md).
            models.Index(
                fields=["blocked_until"],
                include=["start_at", "practitioner", "room"],
                condition=Q(status__in=["booked", "arrived", "in_treatment", "completed"]),
                name="sched_appt_active_blocked_idx",
            ),
            # Appointments by start time, whatever their status: the practice
            # reports read a range of months (every status counts there);
            # send_reminders the upcoming booked ones.
            models.Index(fields=["start_at"], name="sched_appt_start_idx"),
        ]

    def __str__(self):
        return f"{self.appointment_type.name} {self.start_at:%Y-%m-%d %H:%M}"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES

    def changeable_by(self, user) -> bool:
        """Front desk and admin change any appointment; practitioners their own."""
        return user.can(Capability.BOOK_APPOINTMENTS) or (
            user.can(Capability.EDIT_OWN_APPOINTMENTS) and self.practitioner.user_id == user.id
        )

    @property
    def is_movable(self) -> bool:
        return self.status == self.Status.BOOKED

    @property
    def is_cancellable(self) -> bool:
        return self.can_become(self.Status.CANCELLED)

    def next_statuses(self) -> list["Appointment.Status"]:
        """The lifecycle steps offered as buttons now (cancelling has its own form)."""
        order = [s for s in self.Status if s != self.Status.CANCELLED]
        return [
            s
            for s in order
            if s in self.TRANSITIONS[self.status] and self.timing_problem(s) is None
        ]

    def timing_problem(self, status: str, now=None) -> str | None:
        """Why this appointment cannot take ``status`` at this moment: a patient
        arrives only on the appointment's day (in the clinic's zone), and is a
        no-show only once it has started."""
        now = now or timezone.now()
        if status == self.Status.NO_SHOW and self.start_at > now:
            return "An appointment cannot be a no-show before it starts."
        day = timezone.localdate(self.start_at)
        if status == self.Status.ARRIVED and day != timezone.localdate(now):
            return (
                f"This appointment is on {long_date(day)}: a patient can be marked arrived only "
                "on the day of their appointment. Nothing changed."
            )
        return None

    def can_become(self, status: str) -> bool:
        return status in self.TRANSITIONS[self.status]

    @property
    def duration_minutes(self) -> int:
        return int((self.end_at - self.start_at).total_seconds() // 60)


class AppointmentEvent(models.Model):
    """The history of one appointment: who changed what, when (append-only)."""

    class Kind(models.TextChoices):
        BOOKED = "booked", "Booked"
        MOVED = "moved", "Moved"
        STATUS = "status", "Status changed"
        CANCELLED = "cancelled", "Cancelled"
        EDITED = "edited", "Edited"

    appointment = models.ForeignKey(Appointment, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    at = models.DateTimeField(auto_now_add=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.get_kind_display()} at {self.at:%Y-%m-%d %H:%M}"

    @property
    def summary(self) -> str:
        """What happened, in plain words: "Moved from Tuesday 1 December 14:30 to
        Wednesday 2 December 10:00", "Status changed to Arrived"."""

        def when(snapshot: dict) -> str:
            value = snapshot.get("start_at")
            return long_datetime(datetime.fromisoformat(value)) if value else "an unknown time"

        if self.kind == self.Kind.BOOKED:
            return f"Booked for {when(self.after)}"
        if self.kind == self.Kind.MOVED:
            text = f"Moved from {when(self.before)} to {when(self.after)}"
            changed = [
                what
                for key, what in (("practitioner", "practitioner"), ("room", "room"))
                if self.before.get(key) != self.after.get(key)
            ]
            return text + (f" (another {' and '.join(changed)})" if changed else "")
        if self.kind == self.Kind.STATUS and self.after.get("status") in Appointment.Status:
            return f"Status changed to {Appointment.Status(self.after['status']).label}"
        return self.get_kind_display()


class WaitlistEntry(models.Model):
    """A patient who would take an earlier slot, with whom and when."""

    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting"
        BOOKED = "booked", "Booked"
        WITHDRAWN = "withdrawn", "Withdrawn"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="waitlist_entries"
    )
    practitioner = models.ForeignKey(
        "practitioners.Practitioner",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="waitlist_entries",
        help_text="Leave empty for any practitioner.",
    )
    appointment_type = models.ForeignKey(AppointmentType, on_delete=models.PROTECT)
    earliest_date = models.DateField()
    latest_date = models.DateField()
    earliest_time = models.TimeField(null=True, blank=True)
    latest_time = models.TimeField(null=True, blank=True)
    notes = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["created_at"]
        verbose_name_plural = "waitlist entries"
        constraints = [
            models.CheckConstraint(
                condition=Q(earliest_date__lte=F("latest_date")), name="scheduling_waitlist_dates"
            ),
            models.CheckConstraint(
                condition=Q(earliest_time__isnull=True)
                | Q(latest_time__isnull=True)
                | Q(earliest_time__lt=F("latest_time")),
                name="scheduling_waitlist_times",
            ),
        ]

    def __str__(self):
        return f"{self.patient} waiting {self.earliest_date}–{self.latest_date}"


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """A practitioner's private iCalendar feed URL; revoking it issues a new one."""

    practitioner = models.ForeignKey(
        "practitioners.Practitioner", on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    token = models.CharField(max_length=64, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["practitioner"],
                condition=Q(revoked_at__isnull=True),
                name="scheduling_one_live_feed_per_practitioner",
            )
        ]

    def __str__(self):
        return f"Feed for {self.practitioner}"
