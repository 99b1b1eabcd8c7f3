from django.db import models
from django.db.models import F, Q


class ClinicSettings(models.Model):
    """The clinic's own rules, edited by the clinic admin. One row (id = 1)."""

    name = models.CharField(max_length=150, default="Back Pain Acupuncture Clinic")
    address = models.TextField(blank=True, default="12 High Street\nLondon\nN1 1AA")
    phone = models.CharField(max_length=30, blank=True, default="020 7946 0000")
    email = models.EmailField(blank=True, default="clinic@example.com")

    # Booking rules.
    slot_minutes = models.PositiveSmallIntegerField(
        default=15,
        choices=[(m, f"{m} minutes") for m in (5, 10, 15, 20, 30, 60)],
        help_text="Grid of the calendar and of 'find a time', in minutes.",
    )
    late_cancellation_hours = models.PositiveSmallIntegerField(
        default=24, help_text="A cancellation closer than this to the appointment is late."
    )
    reminder_hours_before = models.PositiveSmallIntegerField(
        default=24, help_text="Reminders go out this many hours before an appointment."
    )

    # Retention of needles (DOMAIN.md: usually 20–30 minutes).
    retention_min_minutes = models.PositiveSmallIntegerField(default=20)
    retention_max_minutes = models.PositiveSmallIntegerField(default=30)
    caution_depth_mm = models.DecimalField(
        "caution depth (mm)",
        max_digits=4,
        decimal_places=1,
        default=15,
        help_text="At a point over the lung, a vessel or another structure at risk, needling "
        "deeper than this (or perpendicular) needs an override with a reason.",
    )
    review_after_sessions = models.PositiveSmallIntegerField(
        default=4,
        help_text="After this many sessions without a minimal important change in pain or "
        "function, the patient's clinical page prompts a review of the plan.",
    )

    # Online booking by patients through the portal.
    online_booking_enabled = models.BooleanField(default=False)
    online_min_notice_hours = models.PositiveSmallIntegerField(default=24)
    online_max_days_ahead = models.PositiveSmallIntegerField(default=60)
    online_max_upcoming = models.PositiveSmallIntegerField(
        default=3, help_text="At most this many upcoming appointments per patient."
    )

    # Sign-in security.
    require_two_factor_for_staff = models.BooleanField(
        default=False,
        help_text="Staff without two-factor authentication must set it up before they can "
        "use the app. Patients are not affected.",
    )

    class Meta:
        verbose_name = "clinic settings"
        verbose_name_plural = "clinic settings"
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="clinic_settings_single_row"),
            models.CheckConstraint(
                condition=Q(slot_minutes__in=[5, 10, 15, 20, 30, 60]),
                name="clinic_settings_slot_minutes_range",
            ),
            models.CheckConstraint(
                condition=Q(retention_min_minutes__lt=F("retention_max_minutes")),
                name="clinic_settings_retention_range",
            ),
            models.CheckConstraint(
                condition=Q(caution_depth_mm__gt=0), name="clinic_settings_caution_depth_positive"
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def retention_range(self) -> tuple[int, int]:
        """The clinic's usual retention, in minutes (DOMAIN.md: 20–30)."""
        return self.retention_min_minutes, self.retention_max_minutes

    def retention_outside(self, minutes: int | None) -> bool:
        """A retention outside the range needs a reason."""
        low, high = self.retention_range
        return minutes is not None and not low <= minutes <= high

    @classmethod
    def load(cls) -> "ClinicSettings":
        settings, _ = cls.objects.get_or_create(pk=1)
        return settings
