"""Forms of find a time, course of care and the waitlist.

Dates are kept between 2000 and 2099: a date far outside would overflow the
datetime arithmetic of the slot finder (a 500 for an odd URL), and nobody books
an acupuncture visit that far away.
"""

from datetime import date, timedelta

from django import forms
from django.utils import timezone

from patients.models import Patient
from practitioners.models import Practitioner
from scheduling.course import MAX_VISITS, Pattern
from scheduling.forms import DATE_INPUT, TIME_INPUT, practitioner_choices
from scheduling.models import AppointmentType, Room

EARLIEST_DATE, LATEST_DATE = date(2000, 1, 1), date(2099, 12, 31)
FIND_DEFAULT_DAYS = 28
FIND_MAX_DAYS = 92  # the days searched, first and last included

DAY_PART_CHOICES = [
    ("morning", "Morning (before 12:00)"),
    ("afternoon", "Afternoon (12:00–17:00)"),
    ("evening", "Evening (from 17:00)"),
]


class UuidChoiceField(forms.ModelChoiceField):
    """A choice by uuid: a malformed uuid is an unknown choice like any other,
    not a technical message about UUIDs."""

    def to_python(self, value):
        try:
            return super().to_python(value)
        except forms.ValidationError as error:
            if error.code == "invalid_choice":
                raise
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            ) from error


def _within_range(day: date | None) -> date | None:
    if day is not None and not EARLIEST_DATE <= day <= LATEST_DATE:
        raise forms.ValidationError("Choose a date between the years 2000 and 2099.")
    return day


def _type_field(**kwargs) -> UuidChoiceField:
    return UuidChoiceField(
        queryset=AppointmentType.objects.active(),
        to_field_name="uuid",
        label="Appointment type",
        error_messages={
            "required": "Choose the appointment type.",
            "invalid_choice": "That appointment type is not offered: choose one from the list.",
        },
        **kwargs,
    )


def _patient_field() -> UuidChoiceField:
    return UuidChoiceField(
        queryset=Patient.objects.active(),
        to_field_name="uuid",
        widget=forms.HiddenInput,
        error_messages={
            "required": "Choose the patient.",
            "invalid_choice": "Choose the patient (that one is unknown or archived).",
        },
    )


def _check_offered(form, kind: AppointmentType | None, practitioner: Practitioner | None):
    if kind is None or practitioner is None:
        return
    offered = {p.pk for p in kind.practitioners.all()}
    if offered and practitioner.pk not in offered:
        form.add_error("practitioner", f"{practitioner} does not offer {kind.name}.")


class FindForm(forms.Form):
    """GET form of "find a time"; empty dates mean today and four weeks on.
    The patient being booked for, if any, is carried by the view, not validated here."""

    appointment_type = _type_field(empty_label="Choose a type")
    practitioner = UuidChoiceField(
        queryset=Practitioner.objects.active().with_user().order_by("user__full_name"),
        to_field_name="uuid",
        required=False,
        empty_label="Any practitioner",
        error_messages={
            "invalid_choice": "That practitioner is unknown: choose one from the list."
        },
    )
    from_date = forms.DateField(label="From", required=False, widget=DATE_INPUT)
    to_date = forms.DateField(label="To", required=False, widget=DATE_INPUT)
    day_parts = forms.MultipleChoiceField(
        label="Time of day",
        choices=DAY_PART_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Tick none for any time of day.",
        error_messages={"invalid_choice": "Choose morning, afternoon or evening."},
    )

    @classmethod
    def defaults(cls) -> dict:
        today = timezone.localdate()
        return {"from_date": today, "to_date": today + timedelta(days=FIND_DEFAULT_DAYS)}

    def clean_from_date(self):
        return _within_range(self.cleaned_data.get("from_date"))

    def clean_to_date(self):
        return _within_range(self.cleaned_data.get("to_date"))

    def clean(self):
        data = super().clean()
        if "from_date" not in self.errors and data.get("from_date") is None:
            data["from_date"] = timezone.localdate()
        first = data.get("from_date")
        if "to_date" not in self.errors and data.get("to_date") is None and first is not None:
            data["to_date"] = first + timedelta(days=FIND_DEFAULT_DAYS)
        last = data.get("to_date")
        if first is not None and last is not None:
            if last < first:
                self.add_error("to_date", "The end date must be on or after the start date.")
            elif (last - first).days + 1 > FIND_MAX_DAYS:
                latest = first + timedelta(days=FIND_MAX_DAYS - 1)
                self.add_error(
                    "to_date",
                    f"Search at most {FIND_MAX_DAYS} days at a time: choose an end date on or "
                    f"before {latest:%d %B %Y}.",
                )
        _check_offered(self, data.get("appointment_type"), data.get("practitioner"))
        return data


class CourseForm(forms.Form):
    """The parameters of a course of care: who, what, from when, how often."""

    patient = _patient_field()
    appointment_type = _type_field()
    practitioner = UuidChoiceField(
        queryset=Practitioner.objects.none(),
        to_field_name="uuid",
        error_messages={
            "required": "Choose the practitioner.",
            "invalid_choice": "That practitioner is unknown: choose one from the list.",
        },
    )
    room = UuidChoiceField(
        queryset=Room.objects.filter(is_active=True),
        to_field_name="uuid",
        required=False,
        empty_label="Any free room",
        error_messages={"invalid_choice": "That room is unknown: choose one from the list."},
    )
    first_date = forms.DateField(label="First appointment on", widget=DATE_INPUT)
    time = forms.TimeField(label="Start time", widget=TIME_INPUT)
    count = forms.IntegerField(
        label="Number of appointments",
        min_value=1,
        max_value=MAX_VISITS,
        initial=6,
        error_messages={
            "min_value": f"Book between 1 and {MAX_VISITS} appointments.",
            "max_value": f"Book between 1 and {MAX_VISITS} appointments.",
            "invalid": f"Enter a number of appointments between 1 and {MAX_VISITS}.",
        },
    )
    pattern = forms.ChoiceField(
        label="How often",
        choices=Pattern.choices,
        initial=Pattern.WEEKLY,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose weekly, twice weekly or every N days."},
    )
    every_days = forms.IntegerField(
        label="Every how many days",
        required=False,
        min_value=1,
        max_value=56,
        help_text="Only for “every N days”.",
        error_messages={
            "min_value": "Enter a number of days between 1 and 56.",
            "max_value": "Enter a number of days between 1 and 56.",
            "invalid": "Enter a number of days between 1 and 56.",
        },
    )
    outside_hours_reason = forms.CharField(
        label="Reason for booking outside working hours",
        required=False,
        max_length=200,
        help_text="Needed to tick an appointment outside the practitioner's hours or on a closure day.",
    )
    notes = forms.CharField(
        label="Booking note (each appointment)",
        required=False,
        max_length=300,
        help_text="Not clinical notes.",
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["practitioner"].queryset = practitioner_choices(user)

    def clean_first_date(self):
        return _within_range(self.cleaned_data.get("first_date"))

    def clean_outside_hours_reason(self):
        return " ".join(self.cleaned_data["outside_hours_reason"].split())

    def clean_notes(self):
        return " ".join(self.cleaned_data["notes"].split())

    def clean(self):
        data = super().clean()
        if data.get("pattern") == Pattern.EVERY_N_DAYS:
            if data.get("every_days") is None and "every_days" not in self.errors:
                self.add_error("every_days", "Say every how many days.")
        else:
            data["every_days"] = None
        _check_offered(self, data.get("appointment_type"), data.get("practitioner"))
        return data

    def plan_key(self) -> str:
        """What the preview was made from: saving checks it did not change since."""
        data = self.cleaned_data
        room = data.get("room")
        return "|".join(
            str(part)
            for part in (
                data["patient"].uuid,
                data["appointment_type"].uuid,
                data["practitioner"].uuid,
                room.uuid if room else "any",
                data["first_date"].isoformat(),
                data["time"].strftime("%H:%M"),
                data["count"],
                data["pattern"],
                data.get("every_days") or "",
            )
        )


class WaitlistForm(forms.Form):
    patient = _patient_field()
    appointment_type = _type_field()
    practitioner = UuidChoiceField(
        queryset=Practitioner.objects.active().with_user().order_by("user__full_name"),
        to_field_name="uuid",
        required=False,
        empty_label="Any practitioner",
        error_messages={
            "invalid_choice": "That practitioner is unknown: choose one from the list."
        },
    )
    earliest_date = forms.DateField(label="From date", widget=DATE_INPUT)
    latest_date = forms.DateField(label="Until date", widget=DATE_INPUT)
    earliest_time = forms.TimeField(label="Not before", required=False, widget=TIME_INPUT)
    latest_time = forms.TimeField(
        label="Not after", required=False, widget=TIME_INPUT, help_text="Latest start time."
    )
    notes = forms.CharField(required=False, max_length=300)

    def clean_earliest_date(self):
        return _within_range(self.cleaned_data.get("earliest_date"))

    def clean_latest_date(self):
        day = _within_range(self.cleaned_data.get("latest_date"))
        if day is not None and day < timezone.localdate():
            raise forms.ValidationError("The window has already passed: choose a later date.")
        return day

    def clean_notes(self):
        return " ".join(self.cleaned_data["notes"].split())

    def clean(self):
        data = super().clean()
        first, last = data.get("earliest_date"), data.get("latest_date")
        if first is not None and last is not None and last < first:
            self.add_error("latest_date", "The end of the window must be on or after its start.")
        early, late = data.get("earliest_time"), data.get("latest_time")
        if early is not None and late is not None and late <= early:
            self.add_error("latest_time", "The latest time must be after the earliest time.")
        _check_offered(self, data.get("appointment_type"), data.get("practitioner"))
        return data
