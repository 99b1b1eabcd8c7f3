"""The filters of the outcome pages: a GET form, so that a filtered page and
its CSV exports have an address one can bookmark or share."""

from __future__ import annotations

from django import forms

from reports.outcomes import Filters
from sessions.models import PainCause
from sessions.outcomes import ODI_BANDS


class OutcomeFilterForm(forms.Form):
    cause = forms.ChoiceField(required=False, choices=[("", "Any cause"), *PainCause.choices])
    severity = forms.ChoiceField(
        label="Baseline severity (ODI band)",
        required=False,
        choices=[("", "Any severity"), *[(label, label) for _, label in ODI_BANDS]],
    )
    protocol = forms.ChoiceField(required=False, choices=[("", "Any protocol")])
    start = forms.DateField(
        label="Courses starting from",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    end = forms.DateField(
        label="to", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, protocols=(), practitioners=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["protocol"].choices = [("", "Any protocol"), *[(p, p) for p in protocols]]
        if practitioners is not None:  # the clinical lead's comparison
            self.fields["practitioner"] = forms.TypedChoiceField(
                required=False,
                coerce=int,
                empty_value=None,
                choices=[("", "Every practitioner"), *practitioners],
            )

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", "The end of the date range is before its start.")
        return data

    def filters(self) -> Filters:
        """The valid filters; an invalid field filters nothing and says why on the form."""
        data = self.cleaned_data if self.is_bound else {}
        return Filters(
            cause=data.get("cause") or "",
            band=data.get("severity") or "",
            protocol=data.get("protocol") or "",
            start=data.get("start"),
            end=data.get("end") if "end" not in self.errors else None,
            practitioner_id=data.get("practitioner"),
        )
