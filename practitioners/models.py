import uuid
from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class PractitionerQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def with_user(self):
        return self.select_related("user")

    def licensed_on(self, day: date):
        """Those whose licence is valid on ``day``: Practitioner.licence_valid_on in SQL."""
        return self.filter(licence_expiry__gte=day)


class Practitioner(models.Model):
    """A licensed acupuncturist. The licence decides whether they may sign records."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="practitioner",
        limit_choices_to={"role": "practitioner"},
    )
    licence_number = models.CharField(max_length=50, unique=True)
    licence_issuing_body = models.CharField(max_length=150)
    licence_expiry = models.DateField()
    qualifications = models.TextField(blank=True)
    calendar_colour = models.CharField(
        max_length=7,
        default="#2f6f8f",
        help_text="Colour of this practitioner's appointments, as #rrggbb.",
    )
    is_active = models.BooleanField(default=True)
    # Given by the clinic admin: sees the outcome reports compared by practitioner.
    is_clinical_lead = models.BooleanField(
        "clinical lead",
        default=False,
        db_default=False,
        help_text="May compare outcomes by practitioner in the outcome reports.",
    )

    objects = PractitionerQuerySet.as_manager()

    class Meta:
        ordering = ["user__full_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(calendar_colour__regex=r"^#[0-9a-fA-F]{6}$"),
                name="practitioners_calendar_colour_hex",
            ),
        ]

    def __str__(self):
        return self.user.full_name

    def licence_valid_on(self, day: date) -> bool:
        """The licence rule (DOMAIN.md, Records): valid up to and including its
        expiry day. An expired licence blocks needling, signing and addenda
        (sessions/licence.py), and online booking (scheduling.slots)."""
        return self.licence_expiry >= day

    @property
    def licence_valid(self) -> bool:
        return self.licence_valid_on(timezone.localdate())

    def licence_warning(self, day: date) -> str:
        """What front desk is told when booking this practitioner for ``day``."""
        if self.licence_valid_on(day):
            return ""
        expires = "expires" if self.licence_valid else "expired"
        return (
            f"{self}'s licence {expires} on {self.licence_expiry:%d %b %Y}: they cannot needle "
            f"or sign records on {day:%d %b %Y} unless it is renewed."
        )

    def booking_label(self) -> str:
        """The practitioner in the booking form's list, marked when the licence has expired."""
        if self.licence_valid:
            return str(self)
        return f"{self} (licence expired {self.licence_expiry:%d %b %Y})"


class PractitionerLicence(models.Model):
    """A licence as it was before a renewal or correction (DOMAIN.md, Records: a
    renewal is a new entry; the old number stays on what it signed, which the
    signed records copy at sign-off). PostgreSQL writes these rows whenever a
    practitioner's licence number, issuing body or expiry changes, and refuses
    to change or delete them (migration 0003)."""

    practitioner = models.ForeignKey(
        Practitioner, on_delete=models.PROTECT, related_name="earlier_licences", editable=False
    )
    licence_number = models.CharField(max_length=50, editable=False)
    licence_issuing_body = models.CharField(max_length=150, editable=False)
    licence_expiry = models.DateField(editable=False)
    replaced_at = models.DateTimeField(editable=False)

    class Meta:
        ordering = ["-replaced_at", "-id"]

    def __str__(self):
        return f"{self.licence_number} ({self.licence_issuing_body}, to {self.licence_expiry})"
