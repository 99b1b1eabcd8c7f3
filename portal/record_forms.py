"""The pre-visit questionnaire's form. When it may be filled in and saving it
are portal.services' (``questionnaire_open``, ``save_questionnaire``)."""

from __future__ import annotations

from django import forms

from portal.models import PreVisitQuestionnaire
from sessions.outcomes import ODI_SECTIONS

NPRS_CHOICES = [(str(n), str(n)) for n in range(11)]
# "Prefer not to answer" is an answer of its own, chosen unless the patient picks a score.
ODI_CHOICES = [("", "Prefer not to answer"), *[(str(n), str(n)) for n in range(6)]]
RADIO = {"class": "form-check-input"}


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
