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
        return self.licence_expiry >= day

    @property
    def licence_valid(self) -> bool:
        return self.licence_valid_on(timezone.localdate())
