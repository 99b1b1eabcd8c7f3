import datetime

from django import forms
from django.db.models import Q
from django.utils import timezone

from patients.models import Patient


class AuditSearchForm(forms.Form):
    """The clinic admin's filters on the audit trail; every field is optional."""

    patient = forms.CharField(
        required=False,
        max_length=100,
        label="Patient",
        help_text="Patient number or name",
    )
    user = forms.CharField(required=False, max_length=254, label="User e-mail")
    action = forms.CharField(
        required=False,
        max_length=80,
        label="Action",
        help_text="Starts with, e.g. patients. or accounts.login",
    )
    date_from = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date is before the start date.")
        return cleaned

    def active_filters(self) -> dict[str, str]:
        """The filters in use, as text (for the audit record of an export)."""
        return {
            name: str(value) for name, value in self.cleaned_data.items() if value not in (None, "")
        }

    def filter(self, events):
        """``events`` narrowed by the (valid) filters. The patient filter is a
        subquery, so the search costs no query of its own."""
        data = self.cleaned_data
        if data.get("patient", "").strip():
            matching = Patient.objects.search(data["patient"]).values("pk")
            events = events.filter(patient__in=matching)
        if user := data.get("user", "").strip():
            events = events.filter(Q(actor_label__icontains=user) | Q(actor__email__icontains=user))
        if action := data.get("action", "").strip():
            events = events.filter(action__startswith=action)
        if data.get("date_from"):
            events = events.filter(occurred_at__gte=_start_of(data["date_from"]))
        # The last day a date can be has no next day, and nothing happened after it.
        if data.get("date_to") and data["date_to"] < datetime.date.max:
            next_day = data["date_to"] + datetime.timedelta(days=1)
            events = events.filter(occurred_at__lt=_start_of(next_day))
        return events


def _start_of(day: datetime.date) -> datetime.datetime:
    """Midnight at the start of ``day`` in the clinic's time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
