import uuid

from django.db import models
from django.db.models import Q

from sessions.outcomes import ODI_SECTIONS


def _odi_field(label):
    return models.PositiveSmallIntegerField(label, null=True, blank=True)


class PreVisitQuestionnaire(models.Model):
    """Scores a patient fills in before an appointment; the practitioner sees
    them pre-filled in that session's assessment."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    appointment = models.OneToOneField(
        "scheduling.Appointment", on_delete=models.PROTECT, related_name="questionnaire"
    )
    nprs_now = models.PositiveSmallIntegerField("pain now (0–10)")
    nprs_best = models.PositiveSmallIntegerField("least pain in the last 24 hours (0–10)")
    nprs_worst = models.PositiveSmallIntegerField("worst pain in the last 24 hours (0–10)")
    odi_pain_intensity = _odi_field("Pain intensity")
    odi_personal_care = _odi_field("Personal care")
    odi_lifting = _odi_field("Lifting")
    odi_walking = _odi_field("Walking")
    odi_sitting = _odi_field("Sitting")
    odi_standing = _odi_field("Standing")
    odi_sleeping = _odi_field("Sleeping")
    odi_sex_life = _odi_field("Sex life")
    odi_social_life = _odi_field("Social life")
    odi_travelling = _odi_field("Travelling")
    comments = models.TextField("anything else we should know", blank=True)
    submitted_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{n}__lte": 10}), name=f"questionnaire_{n}_0_10"
                )
                for n in ("nprs_now", "nprs_best", "nprs_worst")
            ],
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{n}__lte": 5}), name=f"questionnaire_{n}_0_5"
                )
                for n, _ in ODI_SECTIONS
            ],
        ]

    def __str__(self):
        return f"Questionnaire for {self.appointment}"
