import uuid

from django.db import models
from django.db.models import Q


class OutboundMessage(models.Model):
    """One message to a patient about an appointment, and what became of it.

    Rows are written in the same transaction as the change they announce
    (status ``queued``) and delivered after commit or by ``send_reminders``;
    delivery takes a row lock (SKIP LOCKED) so no message goes out twice.
    """

    class Kind(models.TextChoices):
        CONFIRMATION = "confirmation", "Booking confirmation"
        CHANGE = "change", "Change of appointment"
        CANCELLATION = "cancellation", "Cancellation"
        REMINDER = "reminder", "Reminder"
        # A document the patient asked for (an invoice, receipt, superbill), attached.
        DOCUMENT = "document", "Document"

    class Channel(models.TextChoices):
        EMAIL = "email", "E-mail"

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
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            # At most one reminder per appointment and start time, whoever runs the job.
            models.UniqueConstraint(
                fields=["appointment", "about_start_at"],
                condition=Q(kind="reminder"),
                name="notifications_one_reminder_per_start",
            ),
            models.CheckConstraint(
                condition=Q(status="sent", sent_at__isnull=False) | ~Q(status="sent"),
                name="notifications_sent_has_time",
            ),
            models.CheckConstraint(
                condition=(~Q(kind="document") & Q(appointment__isnull=False))
                | (Q(kind="document") & Q(patient__isnull=False) & ~Q(attachment_name="")),
                name="notifications_document_or_appointment",
            ),
        ]
        indexes = [
            models.Index(
                fields=["created_at"], condition=Q(status="queued"), name="notif_queued_idx"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} to {self.recipient} ({self.status})"
