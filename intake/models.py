"""Online intake: the clinic's questions by version, the links sent to
patients, their answers, and the practitioner's review of the answers that
bear on a clinical flag.

Answers never change a flag by themselves: a ``FlagReview`` row records, for
each flag question, what the patient said, the flag before, and the value the
practitioner recorded (accepted as answered, or corrected). The rules live in
``intake/services.py``.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import CharField, OuterRef, Q, Subquery
from django.db.models.functions import Cast
from django.utils import timezone

# The Patient clinical flags an intake question may inform (never set on its own).
BOOLEAN_FLAGS = {
    "is_pregnant": "Pregnant",
    "has_implanted_device": "Pacemaker or implanted electrical device",
    "bleeding_risk": "Anticoagulants or bleeding disorder",
    "has_epilepsy": "Epilepsy",
    "needle_phobia_or_fainting": "Needle phobia or history of fainting",
    "allergy_nickel": "Nickel allergy",
    "allergy_latex": "Latex allergy",
}
TEXT_FLAGS = {
    "implanted_device_details": "Implanted device details",
    "other_allergies": "Other allergies",
    "skin_conditions": "Skin conditions",
}
FLAG_CHOICES = [(k, v) for k, v in {**BOOLEAN_FLAGS, **TEXT_FLAGS}.items()]


class IntakeFormQuerySet(models.QuerySet):
    def current(self):
        return self.filter(is_current=True)


class IntakeForm(models.Model):
    """One version of the clinic's intake questions. Once a link was sent with
    a version its questions are kept as they are (the admin shows them read
    only): new wording is a new version."""

    version = models.CharField(max_length=20, unique=True)
    is_current = models.BooleanField("current version", default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = IntakeFormQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_current"], condition=Q(is_current=True), name="intake_form_one_current"
            ),
            models.CheckConstraint(condition=~Q(version=""), name="intake_form_version_not_blank"),
        ]

    def __str__(self):
        return f"Intake questions version {self.version}"

    @property
    def in_use(self) -> bool:
        return self.requests.exists()

    def validate_constraints(self, exclude=None):
        # A version saved as current takes over from the old one (IntakeFormAdmin
        # .save_model): no form error for that.
        super().validate_constraints(exclude={*(exclude or ()), "is_current"})


class IntakeQuestion(models.Model):
    class Section(models.TextChoices):
        CONTACT = "contact", "Your contact details and GP"
        HISTORY = "history", "Your health"
        MEDICATION = "medication", "Medicines you take"
        OTHER_TREATMENT = "other_treatment", "Other treatment for your back"
        ACUPUNCTURE = "acupuncture", "Acupuncture before"
        RED_FLAGS = "red_flags", "Some important questions"
        SAFETY = "safety", "Keeping you safe with needles"
        PAIN = "pain", "Your pain and what it stops you doing"

    class Kind(models.TextChoices):
        YES_NO = "yes_no", "Yes or no"
        SHORT_TEXT = "short_text", "A line of text"
        TEXT = "text", "Free text"
        SCALE_0_10 = "scale_0_10", "A number from 0 to 10"
        CHOICE = "choice", "One of the listed choices"

    form = models.ForeignKey(IntakeForm, on_delete=models.PROTECT, related_name="questions")
    position = models.PositiveSmallIntegerField(default=0)
    section = models.CharField(max_length=20, choices=Section.choices)
    key = models.SlugField(max_length=60, help_text="Stays the same across versions.")
    text = models.CharField(max_length=300, help_text="In plain words, as the patient reads it.")
    help_text = models.CharField(max_length=300, blank=True)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    # For CHOICE: one choice a line, numbered from 0 in the stored answer.
    choices = models.TextField(blank=True)
    required = models.BooleanField(default=True)
    # A question that informs a clinical flag (reviewed by the practitioner).
    flag = models.CharField(max_length=40, choices=FLAG_CHOICES, blank=True)
    # Red-flag screening: a "yes" is shown first to the practitioner.
    is_red_flag = models.BooleanField(default=False)

    class Meta:
        ordering = ["form", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["form", "key"], name="intake_question_key_unique"),
            models.UniqueConstraint(
                fields=["form", "flag"], condition=~Q(flag=""), name="intake_question_one_per_flag"
            ),
            models.CheckConstraint(
                condition=~Q(kind="choice") | ~Q(choices=""), name="intake_choice_has_choices"
            ),
        ]

    def __str__(self):
        return self.text

    @property
    def choice_list(self) -> list[str]:
        return [line.strip() for line in self.choices.splitlines() if line.strip()]

    def display(self, value: str) -> str:
        """The stored answer in words."""
        if value == "":
            return "—"
        if self.kind == self.Kind.YES_NO:
            return "Yes" if value == "yes" else "No"
        if self.kind == self.Kind.CHOICE:
            options = self.choice_list
            return options[int(value)] if value.isdigit() and int(value) < len(options) else value
        return value


class IntakeRequestQuerySet(models.QuerySet):
    def with_message_status(self):
        """Each request with what became of its link's message (one query)."""
        from notifications.models import OutboundMessage

        messages = OutboundMessage.objects.filter(
            kind=OutboundMessage.Kind.INTAKE_LINK, subject_ref=Cast(OuterRef("uuid"), CharField())
        ).order_by("-created_at", "-id")
        return self.annotate(
            message_status=Subquery(messages.values("status")[:1]),
            message_sent_at=Subquery(messages.values("sent_at")[:1]),
        )

    def latest_for(self, patient):
        return (
            self.filter(patient=patient)
            .with_message_status()
            .order_by("-created_at", "-id")
            .first()
        )


class IntakeRequest(models.Model):
    """A link sent to a patient to fill in the intake (once, before it expires)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="intake_requests"
    )
    form = models.ForeignKey(IntakeForm, on_delete=models.PROTECT, related_name="requests")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    # The link goes through the notifications queue (an OutboundMessage of kind
    # "intake_link" whose subject_ref is this request's uuid).
    channel = models.CharField(max_length=8, default="email")
    sent_to = models.CharField(max_length=254, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    # The consent signed with it (patients.Consent.uuid; no foreign key, so that
    # the consent table's own guards, TRUNCATE refused included, stay its own).
    consent_uuid = models.UUIDField(null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = IntakeRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")), name="intake_expires_after"
            ),
            models.CheckConstraint(
                condition=Q(reviewed_at__isnull=True) | Q(completed_at__isnull=False),
                name="intake_reviewed_only_when_completed",
            ),
        ]

    def __str__(self):
        return f"Intake for {self.patient_id} ({self.status})"

    @property
    def is_completed(self) -> bool:
        return self.completed_at is not None

    def is_expired(self, now=None) -> bool:
        return not self.is_completed and (now or timezone.now()) >= self.expires_at

    @property
    def status(self) -> str:
        """What the front desk may see: only whether it is done (and whether the
        link went out: ``with_message_status``)."""
        if self.is_completed:
            return "completed"
        if self.is_expired():
            return "expired"
        return getattr(self, "message_status", None) or "queued"


class IntakeAnswer(models.Model):
    """One answer, against the question (and so the version) it was given to."""

    request = models.ForeignKey(IntakeRequest, on_delete=models.PROTECT, related_name="answers")
    question = models.ForeignKey(IntakeQuestion, on_delete=models.PROTECT, related_name="+")
    value = models.TextField(blank=True)

    class Meta:
        ordering = ["question__position", "question_id"]
        constraints = [
            models.UniqueConstraint(fields=["request", "question"], name="intake_one_answer"),
        ]

    def __str__(self):
        return f"Answer to {self.question_id}"

    @property
    def display(self) -> str:
        return self.question.display(self.value)


class FlagReview(models.Model):
    """The practitioner's decision on one flag question: the patient's answer,
    the flag before, the value recorded, and whether it was accepted as the
    patient answered or corrected. Kept for good (no change, no delete)."""

    class Decision(models.TextChoices):
        ACCEPTED = "accepted", "Accepted as the patient answered"
        CORRECTED = "corrected", "Corrected by the practitioner"

    request = models.ForeignKey(IntakeRequest, on_delete=models.PROTECT, related_name="reviews")
    flag = models.CharField(max_length=40, choices=FLAG_CHOICES)
    patient_answer = models.TextField(blank=True)
    flag_before = models.TextField(blank=True)
    value_recorded = models.TextField(blank=True)
    decision = models.CharField(max_length=10, choices=Decision.choices)
    note = models.CharField(max_length=300, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["request", "flag"], name="intake_one_review_per_flag"),
            models.CheckConstraint(
                condition=Q(decision__in=["accepted", "corrected"]), name="intake_decision_valid"
            ),
            models.CheckConstraint(
                condition=Q(decision="accepted") | ~Q(note=""),
                name="intake_correction_has_note",
            ),
        ]

    def __str__(self):
        return f"{self.get_flag_display()}: {self.get_decision_display()}"
