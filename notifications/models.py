import uuid

from django.db import models
from django.db.models import Q


class OutboundMessage(models.Model):
    """One message to a patient about an appointment (or, for kinds another app
    registers in ``notifications.kinds``, about something else: ``subject_ref``),
    and what became of it.

    Rows are written in the same transaction as the change they announce
    (status ``queued``); a trigger NOTIFYs ``deliver_messages`` workers when the
    transaction commits, and ``send_reminders`` sweeps up whatever is left.
    Delivery takes a row lock (SKIP LOCKED) so no message goes out twice.

    A kind is a row of ``Kind`` plus its texts (the e-mail templates switch on
    the kind; the text message is a line of ``notifications/sms/texts.TEXTS``).
    """

    class Kind(models.TextChoices):
        CONFIRMATION = "confirmation", "Booking confirmation"
        CHANGE = "change", "Change of appointment"
        CANCELLATION = "cancellation", "Cancellation"
        REMINDER = "reminder", "Reminder"
        # Registered by the intake app (notifications.kinds): the online intake link.
        INTAKE_LINK = "intake_link", "Online intake link"
        # A document the patient asked for (an invoice, receipt, superbill), attached.
        DOCUMENT = "document", "Document"

    class Channel(models.TextChoices):
        EMAIL = "email", "E-mail"
        SMS = "sms", "Text message"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    appointment = models.ForeignKey(
        "scheduling.Appointment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="messages",
    )
    # What a message of a registered kind is about (e.g. an intake request's uuid).
    subject_ref = models.CharField(max_length=64, blank=True)
    # A document message is about a patient, not an appointment.
    patient = models.ForeignKey(
        "patients.Patient", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    subject = models.CharField(max_length=200, blank=True, db_default="")
    body = models.TextField(blank=True, db_default="")
    attachment = models.BinaryField(null=True, blank=True)
    attachment_name = models.CharField(max_length=100, blank=True, db_default="")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.EMAIL)
    recipient = models.CharField(max_length=254)
    # The appointment's iCalendar SEQUENCE when the message was made.
    sequence = models.PositiveIntegerField(default=0)
    # For reminders: the start time reminded about (a moved appointment gets a new one).
    about_start_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    # A failed send that is tried again automatically at this time (None: not
    # again, unless the front desk retries it).
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            # At most one reminder per appointment, start time and channel, whoever runs the job.
            models.UniqueConstraint(
                fields=["appointment", "about_start_at", "channel"],
                condition=Q(kind="reminder"),
                name="notifications_one_reminder_per_start",
            ),
            models.CheckConstraint(
                condition=Q(status="sent", sent_at__isnull=False) | ~Q(status="sent"),
                name="notifications_sent_has_time",
            ),
            # About an appointment, or about the thing a registered kind names
            # (e.g. an intake request); a document, about a patient, attached.
            models.CheckConstraint(
                condition=(Q(kind="document") & Q(patient__isnull=False) & ~Q(attachment_name=""))
                | (~Q(kind="document") & (Q(appointment__isnull=False) | ~Q(subject_ref=""))),
                name="notifications_message_is_about_something",
            ),
        ]
        indexes = [
            models.Index(
                fields=["created_at"], condition=Q(status="queued"), name="notif_queued_idx"
            ),
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="failed", next_attempt_at__isnull=False),
                name="notif_retry_due_idx",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} to {self.recipient} ({self.status})"


class TextOptOut(models.Model):
    """A phone number whose owner replied STOP (the provider's opt-out): no text
    message goes to it until they reply START. Kept per number, not per
    patient: it is the phone that opted out, whoever's record it is on."""

    number = models.CharField(max_length=16, unique=True)  # E.164
    opted_out_at = models.DateTimeField(auto_now_add=True)
    keyword = models.CharField(max_length=20, blank=True)

    class Meta:
        verbose_name = "text message opt-out"

    def __str__(self):
        return f"{self.number} (opted out {self.opted_out_at:%d %b %Y})"
