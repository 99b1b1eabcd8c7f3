"""Files attached to a patient: referral letters, imaging reports, photos.

Never deleted (PostgreSQL refuses it): a document put on the wrong record or
uploaded by mistake is *filed in error*, hidden from every list and kept.
Who sees what: ``DocumentQuerySet.visible_to``, the one rule.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from accounts.roles import Capability
from documents.storage import document_storage


class DocumentQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Staff see a patient's documents (clinical ones: practitioners only); a
        patient sees their own ones shared with them. Filed-in-error ones: nobody."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        qs = self.filter(filed_in_error_at__isnull=True)
        if user.can(Capability.VIEW_PATIENTS):
            return qs if user.can(Capability.VIEW_CLINICAL) else qs.filter(clinical=False)
        if user.can(Capability.USE_PORTAL):
            return qs.filter(patient__user=user, shared_with_patient=True)
        return self.none()


def _upload_to(document, filename):
    # The stored name says nothing about the patient or the file's own name.
    return f"documents/{document.uuid.hex[:2]}/{document.uuid.hex}{document.extension}"


class Document(models.Model):
    class Kind(models.TextChoices):
        REFERRAL = "referral", "Referral letter"
        GP_LETTER = "gp_letter", "GP or hospital letter"
        IMAGING = "imaging", "Imaging or scan report"
        PHOTO = "photo", "Photo (e.g. a skin condition)"
        CONSENT = "consent", "Signed form"
        OTHER = "other", "Other"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="documents"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    document_date = models.DateField("date of the document")
    description = models.CharField(max_length=200, blank=True)
    file = models.FileField(storage=document_storage, upload_to=_upload_to, max_length=200)
    original_name = models.CharField(max_length=160)
    content_type = models.CharField(max_length=40)
    extension = models.CharField(max_length=5)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    clinical = models.BooleanField(
        "clinical (practitioners only)",
        default=False,
        help_text="Clinical documents are seen by practitioners only, not the front desk.",
    )
    shared_with_patient = models.BooleanField(
        "shared with the patient", default=False, help_text="Shown in the patient's portal."
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_by_patient = models.BooleanField(default=False)
    uploaded_at = models.DateTimeField(auto_now_add=True)
    filed_in_error_at = models.DateTimeField(null=True, blank=True)
    filed_in_error_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    filed_in_error_reason = models.CharField(max_length=300, blank=True)

    objects = DocumentQuerySet.as_manager()

    class Meta:
        ordering = ["-document_date", "-uploaded_at", "-id"]
        indexes = [models.Index(fields=["patient", "-document_date"], name="document_patient_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(content_type__in=["application/pdf", "image/jpeg", "image/png"]),
                name="document_accepted_type",
            ),
            models.CheckConstraint(
                condition=Q(filed_in_error_at__isnull=True)
                | (Q(filed_in_error_by__isnull=False) & ~Q(filed_in_error_reason="")),
                name="document_filed_in_error_says_who_and_why",
            ),
            models.CheckConstraint(
                condition=Q(size__gt=0) & ~Q(sha256="") & ~Q(original_name=""),
                name="document_has_content",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.document_date:%Y-%m-%d}"

    @property
    def is_filed_in_error(self) -> bool:
        return self.filed_in_error_at is not None
