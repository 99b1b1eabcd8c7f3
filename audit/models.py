from django.conf import settings
from django.db import models


class AuditEventQuerySet(models.QuerySet):
    def for_patient(self, patient):
        return self.filter(patient=patient)


class AuditEvent(models.Model):
    """One append-only line of the audit trail.

    PostgreSQL owns the integrity of this table (see migration 0002): a trigger
    numbers each row in ``chain_position`` and sets ``hash`` to the SHA-256 of
    the row chained to the previous row's hash, and other triggers refuse every
    UPDATE and DELETE. ``manage.py verify_audit`` recomputes the chain.
    """

    occurred_at = models.DateTimeField(db_default=models.functions.Now())
    # actor and patient have no index of their own: the (actor | patient, -occurred_at)
    # indexes lead with them and serve every look-up by them.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    actor_label = models.CharField(
        max_length=254, blank=True, help_text="e-mail as typed, for failed logins"
    )
    action = models.CharField(max_length=80)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    patient = models.ForeignKey(
        "patients.Patient",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    client_address = models.GenericIPAddressField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    # Set by the database trigger; never by Python.
    chain_position = models.BigIntegerField(null=True, editable=False, unique=True)
    prev_hash = models.CharField(max_length=64, blank=True, editable=False)
    hash = models.CharField(max_length=64, blank=True, editable=False)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            # Patient's "who opened my record" and the admin's search by patient.
            models.Index(fields=["patient", "-occurred_at"], name="audit_patient_time_idx"),
            models.Index(fields=["actor", "-occurred_at"], name="audit_actor_time_idx"),
        ]

    def __str__(self):
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.action}"
