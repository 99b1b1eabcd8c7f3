"""The pre-visit questionnaire: the form a patient fills in before an
appointment, when it may be filled in, and saving it (one row per appointment,
updated when the patient saves again)."""

from __future__ import annotations

from django import forms
from django.db import transaction
from django.utils import timezone

from audit.services import record
from portal.models import PreVisitQuestionnaire
from scheduling.models import Appointment
from sessions.models import TreatmentSession
from sessions.outcomes import ODI_SECTIONS

# Until the appointment starts, as long as it is booked (or the patient has
# arrived) and the practitioner has not opened its record yet: the record
# takes the answers when it is opened, so later changes would be lost.
OPEN_STATUSES = (Appointment.Status.BOOKED, Appointment.Status.ARRIVED)

NPRS_CHOICES = [(str(n), str(n)) for n in range(11)]
# "Prefer not to answer" is an answer of its own, chosen unless the patient picks a score.
ODI_CHOICES = [("", "Prefer not to answer"), *[(str(n), str(n)) for n in range(6)]]
RADIO = {"class": "form-check-input"}


def _has_record(appointment: Appointment) -> bool:
    # Read from select_related("treatment_session") when the caller selected it.
    try:
        appointment.treatment_session  # noqa: B018
    except TreatmentSession.DoesNotExist:
        return False
    return True


def questionnaire_open(appointment: Appointment) -> bool:
    """May the patient still fill in (or change) the questionnaire?"""
    return (
        appointment.status in OPEN_STATUSES
        and appointment.start_at > timezone.now()
        and not _has_record(appointment)
    )


def _nprs(label: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=NPRS_CHOICES,
        coerce=int,
        widget=forms.RadioSelect(attrs=RADIO),
        error_messages={"required": "Choose a number from 0 to 10."},
    )


class QuestionnaireForm(forms.ModelForm):
    nprs_now = _nprs("Your pain now")
    nprs_best = _nprs("Your least pain in the last 24 hours")
    nprs_worst = _nprs("Your worst pain in the last 24 hours")

    class Meta:
        model = PreVisitQuestionnaire
        fields = [
            "nprs_now",
            "nprs_best",
            "nprs_worst",
            *[name for name, _ in ODI_SECTIONS],
            "comments",
        ]
        labels = {"comments": "Anything else we should know before your visit (optional)"}
        widgets = {"comments": forms.Textarea(attrs={"rows": 3, "class": "form-control"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, label in ODI_SECTIONS:
            self.fields[name] = forms.TypedChoiceField(
                label=label,
                choices=ODI_CHOICES,
                coerce=int,
                empty_value=None,
                required=False,
                widget=forms.RadioSelect(attrs=RADIO),
            )
        self.fields["comments"].max_length = 2000
        self.fields["comments"].widget.attrs["maxlength"] = 2000

    @property
    def pain_fields(self):
        return [self[name] for name in ("nprs_now", "nprs_best", "nprs_worst")]

    @property
    def odi_fields(self):
        return [self[name] for name, _ in ODI_SECTIONS]

    def clean(self):
        data = super().clean()
        best, worst = data.get("nprs_best"), data.get("nprs_worst")
        if best is not None and worst is not None and best > worst:
            self.add_error(
                "nprs_best", "Your least pain cannot be more than your worst pain: check both."
            )
        return data


class QuestionnaireClosed(Exception):
    message = (
        "This appointment has started or is no longer booked, so the questionnaire can no "
        "longer be changed. Your practitioner will ask you at the visit."
    )


@transaction.atomic
def save_questionnaire(
    *, appointment: Appointment, form: QuestionnaireForm, by
) -> PreVisitQuestionnaire:
    """Create or update the appointment's one questionnaire from a valid form,
    and write it to the audit trail (which fields, never the scores). The
    appointment row is locked, so two saves at once make one row."""
    locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if not questionnaire_open(locked):
        raise QuestionnaireClosed
    values = {name: form.cleaned_data[name] for name in form.Meta.fields}
    questionnaire = PreVisitQuestionnaire.objects.filter(appointment=locked).first()
    if questionnaire is None:
        questionnaire = PreVisitQuestionnaire.objects.create(appointment=locked, **values)
        action = "portal.questionnaire.submitted"
    else:
        for name, value in values.items():
            setattr(questionnaire, name, value)
        questionnaire.save(update_fields=[*values, "submitted_at"])
        action = "portal.questionnaire.changed"
    record(
        action,
        actor=by,
        obj=questionnaire,
        patient=appointment.patient,
        data={"appointment": str(locked.uuid), "changed_fields": form.changed_data},
    )
    return questionnaire
