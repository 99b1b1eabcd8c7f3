"""Precomputed outcome figures: one row per course of care.

Working the courses out from every signed session takes seconds on a large
clinic (a patient's sessions, their scores and points, the audit trail's
protocols), so ``manage.py refresh_outcomes`` does it (cron-safe: one run at a
time, readers keep the previous rows until it commits) and the outcome pages
read these rows. ``OutcomeRefresh`` says when they were last brought up to date.
The pages aggregate these rows in SQL (``reports.figures``); the pure functions
of ``reports.outcomes`` define each figure and the tests hold the SQL to them.
"""

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q


class CourseSummary(models.Model):
    """The aggregated columns come first (PostgreSQL reads a row's columns up to
    the last one a query needs), the ones only the practitioner's own list and
    the safety sums read come last."""

    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="+")
    number = models.PositiveSmallIntegerField()  # the patient's first, second, ... course
    practitioner = models.ForeignKey(
        "practitioners.Practitioner", on_delete=models.CASCADE, related_name="+"
    )  # of the course's first session
    start = models.DateField()
    end = models.DateField()
    sessions = models.PositiveSmallIntegerField()
    cause = models.CharField(max_length=16, blank=True)
    baseline_band = models.CharField(max_length=40, blank=True)
    protocol = models.CharField(max_length=100, blank=True)
    # The decisions of reports.outcomes.Decisions, as plain columns the SQL of
    # reports.figures counts: a measure has room to improve (on the whole course);
    # it has improved; the first session number at which it counted as improved
    # (the Kaplan–Meier event, None if never); and on the first v sessions for v in
    # RESPONDER_VISITS: None when the course had fewer than v or no room by then.
    decidable = models.BooleanField()
    improved = models.BooleanField()
    first_improved_at = models.PositiveSmallIntegerField(null=True)
    improved_by_4 = models.BooleanField(null=True)
    improved_by_6 = models.BooleanField(null=True)
    improved_by_8 = models.BooleanField(null=True)
    improved_by_10 = models.BooleanField(null=True)
    nprs_change = models.FloatField(null=True)
    odi_change = models.FloatField(null=True)  # ODI % have one decimal (sessions.outcomes.odi)
    discharged = models.BooleanField()
    # The set of points needled most often, as its label "BL23, BL40, GB30"
    # ("" for none): text groups much faster than an array in SQL.
    point_set = models.TextField(blank=True)
    practitioner_ids = ArrayField(models.IntegerField())  # everyone who treated in it
    nprs_text = models.CharField(max_length=40, blank=True)  # "7 → 4"
    odi_text = models.CharField(max_length=40, blank=True)
    # Safety counts of the course's sessions, in the order of reports.summary.SAFETY_KEYS
    # ("sessions", "incidents", "referrals", "type:bruising", ...): summed in SQL,
    # over the courses with ``safety_events`` (the counts other than sessions) only.
    safety = ArrayField(models.IntegerField(), default=list)
    safety_events = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["patient", "number"], name="course_summary_unique")
        ]
        indexes = [
            # reports.typical: one cause's courses that reached visit 6.
            models.Index(fields=["cause", "sessions"], name="course_summary_cause"),
            # reports.pages: the practitioner's own courses, most recent first (read
            # backwards until a page of theirs is found: 2 ms, not a 90 ms scan).
            models.Index(fields=["-start", "-patient_id"], name="course_summary_recent"),
            # reports.figures.totals: the few courses with a safety event.
            models.Index(
                fields=["id"], name="course_summary_safety", condition=Q(safety_events__gt=0)
            ),
        ]

    def __str__(self):
        return f"Course {self.number} of patient {self.patient_id} from {self.start}"

    def improved_by(self, visit: int) -> bool | None:
        return getattr(self, f"improved_by_{visit}")


class OutcomeRefresh(models.Model):
    refreshed_at = models.DateTimeField()
    courses = models.PositiveIntegerField()
    seconds = models.FloatField()
    # Every protocol of the summarised courses, sorted: the outcome filter's choices.
    protocols = ArrayField(models.CharField(max_length=100), default=list)

    class Meta:
        ordering = ["-refreshed_at"]

    def __str__(self):
        return f"{self.courses} courses at {self.refreshed_at:%Y-%m-%d %H:%M}"


class PracticeDay(models.Model):
    """The practice reports' appointment sums of one local day, practitioner
    and room (reports.practice_sums): what ``APPOINTMENT_SUMS`` adds up, kept
    for the days before the last ``manage.py refresh_practice`` so that a page
    over months reads a few thousand rows instead of the window over every
    appointment. Later days are added up live. Ids, not foreign keys: the
    table is derived and rebuilt whole; it holds no patient."""

    day = models.DateField()
    practitioner_id = models.BigIntegerField()
    room_id = models.BigIntegerField(null=True)
    booked_minutes = models.PositiveIntegerField()  # not cancelled
    due = models.PositiveIntegerField()  # not cancelled (and started: every stored day has)
    no_shows = models.PositiveIntegerField()
    appointments = models.PositiveIntegerField()  # all, cancelled included
    late_cancellations = models.PositiveIntegerField()
    completed = models.PositiveIntegerField()
    rebooked = models.PositiveIntegerField()  # completed, left with a next visit booked

    class Meta:
        constraints = [
            # Also the index the pages read a range of days by.
            models.UniqueConstraint(
                fields=["day", "practitioner_id", "room_id"],
                name="practice_day_unique",
                nulls_distinct=False,
            ),
        ]

    def __str__(self):
        return f"Practitioner {self.practitioner_id}, room {self.room_id} on {self.day}"


class PracticeRefresh(models.Model):
    refreshed_at = models.DateTimeField()
    settled_through = models.DateField()  # PracticeDay holds the days up to this one
    rows = models.PositiveIntegerField()
    seconds = models.FloatField()

    class Meta:
        ordering = ["-refreshed_at"]

    def __str__(self):
        return f"Days to {self.settled_through} at {self.refreshed_at:%Y-%m-%d %H:%M}"
