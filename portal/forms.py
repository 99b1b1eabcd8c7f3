"""Forms of the patient's portal: cancelling, finding and confirming an online
booking. They check the shape of the input; the clinic's rules are checked by
portal.services, on every request."""

from datetime import date, datetime, timedelta

from django import forms
from django.utils import timezone

from practitioners.models import Practitioner
from scheduling.forms import DATE_INPUT
from scheduling.models import AppointmentType, Room
from scheduling.planning_forms import UuidChoiceField

DEFAULT_SEARCH_DAYS = 14
EARLIEST_DATE, LATEST_DATE = date(2000, 1, 1), date(2099, 12, 31)


class PatientCancelForm(forms.Form):
    reason = forms.CharField(
        label="Why are you cancelling?",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example: unwell, work, travelling, feeling better.",
        error_messages={"required": "Please tell us why you are cancelling."},
    )


def _practitioners():
    """Those a patient may choose online: active, with a licence valid today."""
    return (
        Practitioner.objects.active()
        .licensed_on(timezone.localdate())
        .with_user()
        .order_by("user__full_name")
    )


class OnlineSearchForm(forms.Form):
    """GET form of the online booking page."""

    appointment_type = UuidChoiceField(
        queryset=AppointmentType.objects.none(),
        to_field_name="uuid",
        label="Type of appointment",
        empty_label="Choose a type",
        error_messages={
            "required": "Choose the type of appointment.",
            "invalid_choice": "That type cannot be booked online: choose one from the list.",
        },
    )
    practitioner = UuidChoiceField(
        queryset=Practitioner.objects.none(),
        to_field_name="uuid",
        required=False,
        label="Practitioner",
        empty_label="Any practitioner",
        error_messages={"invalid_choice": "Choose a practitioner from the list."},
    )
    from_date = forms.DateField(label="From", required=False, widget=DATE_INPUT)
    to_date = forms.DateField(label="To", required=False, widget=DATE_INPUT)

    def __init__(self, *args, types, first_day: date, last_day: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.first_day, self.last_day = first_day, last_day
        self.fields["appointment_type"].queryset = types
        self.fields["practitioner"].queryset = _practitioners()
        for name in ("from_date", "to_date"):
            self.fields[name].widget.attrs.update(
                {"min": first_day.isoformat(), "max": last_day.isoformat()}
            )
        horizon = f"{last_day:%A} {last_day.day} {last_day:%B %Y}"
        self.fields["to_date"].help_text = f"Online bookings can be made up to {horizon}."

    def defaults(self) -> dict:
        return {
            "from_date": self.first_day,
            "to_date": min(self.first_day + timedelta(days=DEFAULT_SEARCH_DAYS - 1), self.last_day),
        }

    def clean(self):
        data = super().clean()
        for name in ("from_date", "to_date"):
            day = data.get(name)
            if day is not None and not EARLIEST_DATE <= day <= LATEST_DATE:
                self.add_error(name, "Choose a date from the calendar.")
        if self.errors:
            return data
        first = max(data.get("from_date") or self.first_day, self.first_day)
        last = min(data.get("to_date") or self.defaults()["to_date"], self.last_day)
        if first > self.last_day:
            self.add_error(
                "from_date",
                f"Online bookings can be made up to {self.last_day:%d %B %Y}: choose an "
                "earlier date, or call the clinic.",
            )
        elif last < first:
            self.add_error("to_date", "The end date must be on or after the start date.")
        data["from_date"], data["to_date"] = first, last
        practitioner, kind = data.get("practitioner"), data.get("appointment_type")
        if practitioner is not None and kind is not None:
            offered = set(kind.practitioners.values_list("id", flat=True))
            if offered and practitioner.pk not in offered:
                self.add_error("practitioner", f"{practitioner} does not offer {kind.name}.")
        return data


# Every way a posted slot can be wrong gets the same answer: the patient only picks.
PICK_FROM_LIST = "Choose a time from the list."


class SlotForm(forms.Form):
    """One slot, as the booking page offers it. The choices are wide on purpose:
    whether the type, practitioner and time may be booked is for
    portal.services.check_online_booking to say, with its own messages."""

    appointment_type = UuidChoiceField(
        queryset=AppointmentType.objects.all(),
        to_field_name="uuid",
        widget=forms.HiddenInput,
        error_messages={"required": PICK_FROM_LIST, "invalid_choice": PICK_FROM_LIST},
    )
    practitioner = UuidChoiceField(
        queryset=Practitioner.objects.with_user(),
        to_field_name="uuid",
        widget=forms.HiddenInput,
        error_messages={"required": PICK_FROM_LIST, "invalid_choice": PICK_FROM_LIST},
    )
    room = UuidChoiceField(
        queryset=Room.objects.all(),
        to_field_name="uuid",
        widget=forms.HiddenInput,
        required=False,
        error_messages={"invalid_choice": PICK_FROM_LIST},
    )
    start = forms.CharField(
        widget=forms.HiddenInput,
        max_length=40,
        error_messages={"required": PICK_FROM_LIST},
    )

    def clean_start(self):
        text = self.cleaned_data["start"].strip().replace(" ", "+")  # a '+' read as a space
        try:
            start = datetime.fromisoformat(text)
        except ValueError:
            raise forms.ValidationError(PICK_FROM_LIST) from None
        if start.tzinfo is None or not EARLIEST_DATE.year <= start.year <= LATEST_DATE.year:
            raise forms.ValidationError(PICK_FROM_LIST)
        return start
