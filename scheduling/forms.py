from datetime import UTC, datetime, timedelta

from django import forms
from django.utils import timezone

from accounts.roles import Capability
from patients.models import Patient
from practitioners.models import Practitioner
from scheduling.availability import local_datetime
from scheduling.models import Appointment, AppointmentType, Room

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME_INPUT = forms.TimeInput(attrs={"type": "time", "step": 300}, format="%H:%M")


def practitioner_choices(user):
    """Front desk and admin book for anyone; a practitioner for themselves."""
    practitioners = Practitioner.objects.active().with_user().order_by("user__full_name")
    if user.can(Capability.BOOK_APPOINTMENTS):
        return practitioners
    return practitioners.filter(user=user)


class WhenMixin:
    """Date and local time fields turned into an aware start in the clinic's zone.
    The rules about the time (not in the past; outside working hours only with a
    reason) are the booking service's: its errors name these fields."""

    def clean_when(self, data, duration: timedelta):
        day, clock = data.get("date"), data.get("time")
        if day is None or clock is None:
            return None, None
        # As the planning forms: a date far away would overflow the arithmetic below.
        if not 2000 <= day.year <= 2099:
            self.add_error("date", "Choose a date between the years 2000 and 2099.")
            return None, None
        # Add durations in UTC: aware arithmetic in a local zone is wall-clock
        # arithmetic and would be an hour off across a daylight-saving change.
        start = local_datetime(day, clock).astimezone(UTC)
        return start, start + duration


class BookingForm(WhenMixin, forms.Form):
    patient = forms.ModelChoiceField(
        queryset=Patient.objects.active(),
        to_field_name="uuid",
        widget=forms.HiddenInput,
        error_messages={"required": "Choose the patient.", "invalid_choice": "Choose the patient."},
    )
    appointment_type = forms.ModelChoiceField(
        queryset=AppointmentType.objects.active(), to_field_name="uuid", label="Appointment type"
    )
    practitioner = forms.ModelChoiceField(
        queryset=Practitioner.objects.none(), to_field_name="uuid"
    )
    room = forms.ModelChoiceField(
        queryset=Room.objects.filter(is_active=True), to_field_name="uuid"
    )
    date = forms.DateField(widget=DATE_INPUT)
    time = forms.TimeField(label="Start time", widget=TIME_INPUT)
    notes = forms.CharField(
        label="Booking note", required=False, max_length=300, help_text="Not clinical notes."
    )
    outside_hours_reason = forms.CharField(
        label="Reason for booking outside working hours", required=False, max_length=200
    )
    confirm_patient_overlap = forms.BooleanField(
        required=False, label="Book anyway: I know the patient has another appointment then."
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["practitioner"].queryset = practitioner_choices(user)
        # An expired licence is marked in the list; booking is allowed, with a warning.
        self.fields["practitioner"].label_from_instance = Practitioner.booking_label
        self.patient_overlaps: list[Appointment] = []
        self.start_at = self.end_at = None

    def clean(self):
        data = super().clean()
        kind = data.get("appointment_type")
        if kind is None:
            return data
        practitioner = data.get("practitioner")
        offered = kind.practitioners.all()
        if practitioner is not None and offered and practitioner not in offered:
            self.add_error("practitioner", f"{practitioner} does not offer {kind.name}.")
        self.start_at, self.end_at = self.clean_when(data, kind.duration)
        patient = data.get("patient")
        if patient is not None and self.start_at is not None:
            self.patient_overlaps = list(
                Appointment.objects.active()
                .filter(patient=patient)
                .overlapping(self.start_at, self.end_at)
                .select_related("practitioner__user")
            )
            if self.patient_overlaps and not data.get("confirm_patient_overlap"):
                self.add_error(
                    "confirm_patient_overlap",
                    "This patient already has an appointment at that time. Tick the box to book anyway.",
                )
        return data


class MoveForm(WhenMixin, forms.Form):
    """Reschedule (date, time, practitioner, room) and resize (duration)."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    date = forms.DateField(widget=DATE_INPUT)
    time = forms.TimeField(label="Start time", widget=TIME_INPUT)
    duration_minutes = forms.IntegerField(label="Length (minutes)", min_value=5, max_value=480)
    practitioner = forms.ModelChoiceField(
        queryset=Practitioner.objects.none(), to_field_name="uuid"
    )
    room = forms.ModelChoiceField(
        queryset=Room.objects.filter(is_active=True), to_field_name="uuid"
    )
    outside_hours_reason = forms.CharField(
        label="Reason for booking outside working hours", required=False, max_length=200
    )

    def __init__(self, data=None, *args, appointment: Appointment, user, **kwargs):
        data = self._with_chosen_slot(data, appointment)
        local = timezone.localtime(appointment.start_at)
        initial = {
            "version": appointment.version,
            "date": local.date(),
            "time": local.time(),
            "duration_minutes": appointment.duration_minutes,
            "practitioner": appointment.practitioner.uuid,
            "room": appointment.room.uuid,
        }
        super().__init__(data, *args, initial=initial, **kwargs)
        self.appointment = appointment
        self.fields["practitioner"].queryset = practitioner_choices(user)
        self.start_at = self.end_at = None

    @staticmethod
    def _with_chosen_slot(data, appointment: Appointment):
        """One of the offered free times (a button named ``slot``, its value the
        local start "2030-01-07T10:15") fills the date and time, and puts back the
        appointment's practitioner and room, whose free time it is."""
        try:
            start = start_from_query(data.get("slot")) if data is not None else None
        except OverflowError:  # a date at the end of the calendar
            start = None
        if start is None:
            return data
        data = data.copy()
        data["date"], data["time"] = f"{start:%Y-%m-%d}", f"{start:%H:%M}"
        data["practitioner"], data["room"] = appointment.practitioner.uuid, appointment.room.uuid
        return data

    def clean(self):
        data = super().clean()
        minutes = data.get("duration_minutes")
        if minutes is not None:
            self.start_at, self.end_at = self.clean_when(data, timedelta(minutes=minutes))
        return data


class CancelForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    cancelled_by = forms.ChoiceField(
        label="Who cancelled?", choices=Appointment.CancelledBy.choices, widget=forms.RadioSelect
    )
    reason = forms.CharField(max_length=300, widget=forms.Textarea(attrs={"rows": 2}))

    def clean_reason(self):
        reason = " ".join(self.cleaned_data["reason"].split())
        if not reason:
            raise forms.ValidationError("Say why the appointment is cancelled.")
        return reason


class UndoForm(forms.Form):
    """Undo the last move of an appointment seen at ``version``."""

    version = forms.IntegerField(widget=forms.HiddenInput)


class StatusForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(
        choices=[
            (s, s.label)
            for s in (
                Appointment.Status.BOOKED,
                Appointment.Status.ARRIVED,
                Appointment.Status.IN_TREATMENT,
                Appointment.Status.COMPLETED,
                Appointment.Status.NO_SHOW,
            )
        ]
    )


def start_from_query(value: str | None) -> datetime | None:
    """A slot start passed in a link (?start=2030-01-07T09:15), read as local time."""
    if not value:
        return None
    try:
        naive = datetime.fromisoformat(value)
    except ValueError:
        return None
    if naive.tzinfo is not None:
        return timezone.localtime(naive)
    return local_datetime(naive.date(), naive.time())
