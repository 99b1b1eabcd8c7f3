"""Precomputed outcome figures: one row per course of care.

Working the courses out from every signed session takes seconds on a large
clinic (a patient's sessions, their scores and points, the audit trail's
protocols), so ``manage.py refresh_outcomes`` does it (cron-safe: one run at a
time, readers keep the previous rows until it commits) and the outcome pages
read these rows. ``OutcomeRefresh`` says when they were last brought up to date.
The figures themselves are still the pure functions of ``reports.outcomes``.
"""

from django.contrib.postgres.fields import ArrayField
from django.db import models


class CourseSummary(models.Model):
    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="+")
    number = models.PositiveSmallIntegerField()  # the patient's first, second, ... course
    practitioner = models.ForeignKey(
        "practitioners.Practitioner", on_delete=models.CASCADE, related_name="+"
    )  # of the course's first session
    practitioner_ids = ArrayField(models.IntegerField())  # everyone who treated in it
    start = models.DateField()
    end = models.DateField()
    sessions = models.PositiveSmallIntegerField()
    cause = models.CharField(max_length=16, blank=True)
    protocol = models.CharField(max_length=100, blank=True)
    point_set = ArrayField(models.CharField(max_length=12), default=list)
    baseline_band = models.CharField(max_length=40, blank=True)
    nprs_change = models.FloatField(null=True)
    odi_change = models.FloatField(null=True)
    nprs_text = models.CharField(max_length=40, blank=True)  # "7 → 4"
    odi_text = models.CharField(max_length=40, blank=True)
    # On the first k sessions, k = 1..sessions: has a measure room to improve; has it improved.
    decidable_upto = ArrayField(models.BooleanField())
    improved_upto = ArrayField(models.BooleanField())
    discharged = models.BooleanField()
    # Safety counts of the course's sessions, in the order of reports.summary.SAFETY_KEYS
    # ("sessions", "incidents", "referrals", "type:bruising", ...): no JSON to parse per row.
    safety = ArrayField(models.IntegerField(), default=list)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["patient", "number"], name="course_summary_unique")
        ]
        indexes = [models.Index(fields=["cause", "sessions"], name="course_summary_cause")]

    def __str__(self):
        return f"Course {self.number} of patient {self.patient_id} from {self.start}"


class OutcomeRefresh(models.Model):
    refreshed_at = models.DateTimeField()
    courses = models.PositiveIntegerField()
    seconds = models.FloatField()

    class Meta:
        ordering = ["-refreshed_at"]

    def __str__(self):
        return f"{self.courses} courses at {self.refreshed_at:%Y-%m-%d %H:%M}"
