import re
from datetime import timedelta

from django import forms
from django.utils import timezone

from patients import phones
from patients.consent import clean_signature_image
from patients.models import Consent, Patient

PHONE_RE = re.compile(r"^\+?[0-9 ()\-.]{6,30}$")

DEMOGRAPHIC_FIELDS = [
    "first_name",
    "last_name",
    "preferred_name",
    "date_of_birth",
    "sex",
    "phone",
    "email",
    "address_line1",
    "address_line2",
    "city",
    "postcode",
    "emergency_contact_name",
    "emergency_contact_relationship",
    "emergency_contact_phone",
    "family_doctor_name",
    "family_doctor_practice",
    "family_doctor_phone",
    "referral_source",
    # Consent is a record of its own (patients.consent, the consent page): the
    # old consent_to_treatment_date and consent_text_version are no longer edited.
    "preferred_contact",
    "allow_email",
    "allow_sms",
    "appointment_reminders",
]

CLINICAL_FLAG_FIELDS = [
    "is_pregnant",
    "pregnancy_due_date",
    "has_implanted_device",
    "implanted_device_details",
    "bleeding_risk",
    "has_epilepsy",
    "needle_phobia_or_fainting",
    "allergy_nickel",
    "allergy_latex",
    "other_allergies",
    "skin_conditions",
]

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _clean_phone(value: str) -> str:
    """Stored in E.164 (+447700900123); a number that cannot be dialled is
    refused with a message saying what to type."""
    value = " ".join(value.split())
    if value and not PHONE_RE.match(value):
        raise forms.ValidationError(phones.INVALID_MESSAGE, code="invalid_phone")
    return phones.clean_phone(value)


class VersionedForm(forms.ModelForm):
    """Carries the record's version so that a stale edit is refused, not saved."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version


class PatientForm(VersionedForm):
    """Demographics, contact details and communication preferences:
    what front desk and practitioners may both see and change."""

    class Meta:
        model = Patient
        fields = DEMOGRAPHIC_FIELDS
        widgets = {"date_of_birth": DATE_WIDGET}
        help_texts = {
            "preferred_name": "What the patient likes to be called, if not their legal first name.",
        }

    def clean_first_name(self):
        return " ".join(self.cleaned_data["first_name"].split())

    def clean_last_name(self):
        return " ".join(self.cleaned_data["last_name"].split())

    def clean_preferred_name(self):
        return " ".join(self.cleaned_data["preferred_name"].split())

    def clean_phone(self):
        return _clean_phone(self.cleaned_data["phone"])

    def clean_emergency_contact_phone(self):
        return _clean_phone(self.cleaned_data["emergency_contact_phone"])

    def clean_family_doctor_phone(self):
        return _clean_phone(self.cleaned_data["family_doctor_phone"])

    def clean_date_of_birth(self):
        born = self.cleaned_data["date_of_birth"]
        if born > timezone.localdate():
            raise forms.ValidationError("The date of birth cannot be in the future.")
        if born.year < 1900:
            raise forms.ValidationError("Enter a date of birth after 1900.")
        return born

    def clean(self):
        data = super().clean()
        channel = data.get("preferred_contact")
        if channel == Patient.ContactChannel.EMAIL and not data.get("email"):
            self.add_error(
                "email", "An e-mail address is needed when e-mail is the preferred way to contact."
            )
        if channel in (Patient.ContactChannel.SMS, Patient.ContactChannel.PHONE) and not data.get(
            "phone"
        ):
            self.add_error("phone", "A phone number is needed for the preferred way to contact.")
        if channel == Patient.ContactChannel.POST and not (
            data.get("address_line1") and data.get("postcode")
        ):
            self.add_error(
                "address_line1",
                "An address with postcode is needed when post is the preferred way to contact.",
            )
        return data


CONFIRM = "confirm_not_duplicate"


class NewPatientForm(PatientForm):
    """Creating a patient warns first when the same person may already exist."""

    confirm_not_duplicate = forms.BooleanField(
        required=False,
        label="I have checked the records above: this is a different person.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.possible_duplicates = []
        del self.fields["version"]

    @staticmethod
    def initial_name(query) -> dict[str, str]:
        """The name typed into the patient search, carried over in the link."""
        return {
            key: "".join(ch for ch in query[key] if ch.isprintable()).strip()[:100]
            for key in ("first_name", "last_name")
            if query.get(key)
        }

    def visible_fields(self):
        # The tickbox is shown (inside the warning) only when a duplicate is on screen.
        return [field for field in super().visible_fields() if field.name != CONFIRM]

    def clean(self):
        data = super().clean()
        if {"first_name", "last_name", "date_of_birth"} <= data.keys():
            self.possible_duplicates = list(
                Patient.objects.same_person_as(
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    date_of_birth=data["date_of_birth"],
                )[:10]
            )
        if self.possible_duplicates and not data.get("confirm_not_duplicate"):
            raise forms.ValidationError(
                "A patient with the same name and date of birth already exists. "
                "Open that record instead, or tick the box to confirm this is a different person.",
                code="possible_duplicate",
            )
        return data


class ClinicalFlagsForm(VersionedForm):
    """Contraindications and cautions (DOMAIN.md). Practitioners only."""

    class Meta:
        model = Patient
        fields = CLINICAL_FLAG_FIELDS
        widgets = {
            "pregnancy_due_date": DATE_WIDGET,
            "skin_conditions": forms.Textarea(attrs={"rows": 3}),
        }

    def clean(self):
        data = super().clean()
        due = data.get("pregnancy_due_date")
        if due and not data.get("is_pregnant"):
            self.add_error("pregnancy_due_date", "A due date needs the pregnant box ticked.")
        if due:
            today = timezone.localdate()
            if abs(due - today) > timedelta(days=366):
                self.add_error("pregnancy_due_date", "Enter a due date within a year of today.")
        if data.get("implanted_device_details") and not data.get("has_implanted_device"):
            self.add_error(
                "implanted_device_details", "Tick the implanted device box, or clear the details."
            )
        return data


class PatientSearchForm(forms.Form):
    q = forms.CharField(
        label="Search patients",
        required=False,
        max_length=100,
        help_text="Name, preferred name, date of birth (e.g. 1980-03-14 or 14/03/1980), phone or patient number.",
    )
    archived = forms.BooleanField(label="Search archived patients", required=False)

    def clean_q(self):
        # NUL bytes and control characters cannot be stored or searched.
        return "".join(ch for ch in self.cleaned_data["q"] if ch.isprintable()).strip()


class ConsentForm(forms.Form):
    """Consent given now: a typed name the signer confirms, or a signature drawn
    on the pad (static/js/signature-pad.js). Guardian fields for a minor only.
    The rules are patients.consent's; this form gives each its message."""

    # The version shown; patients.consent refuses one that is no longer current.
    text_version = forms.CharField(widget=forms.HiddenInput, max_length=20, required=False)
    signature_method = forms.ChoiceField(
        label="How is it signed?",
        choices=Consent.Method.choices,
        initial=Consent.Method.TYPED,
        widget=forms.RadioSelect,
    )
    typed_name = forms.CharField(
        label="Signer's full name", max_length=150, required=False, strip=True
    )
    typed_name_confirmed = forms.BooleanField(
        label="The signer has read the consent text and confirms the name above as their signature.",
        required=False,
    )
    # Its size and bytes are checked in clean(), with a message about the signature.
    signature_image = forms.CharField(widget=forms.HiddenInput, required=False)
    guardian_name = forms.CharField(label="Parent or guardian's full name", max_length=150)
    guardian_relationship = forms.CharField(
        label="Relationship to the patient",
        max_length=60,
        help_text="e.g. mother, father, legal guardian.",
    )

    def __init__(self, *args, minor: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.minor = minor
        if not minor:
            del self.fields["guardian_name"]
            del self.fields["guardian_relationship"]

    def clean_typed_name(self):
        return " ".join(self.cleaned_data["typed_name"].split())

    def clean_guardian_name(self):
        return " ".join(self.cleaned_data["guardian_name"].split())

    def clean_guardian_relationship(self):
        return " ".join(self.cleaned_data["guardian_relationship"].split())

    def clean(self):
        data = super().clean()
        method = data.get("signature_method")
        if method == Consent.Method.TYPED:
            if not data.get("typed_name"):
                self.add_error("typed_name", "Type the signer's full name.")
            if not data.get("typed_name_confirmed"):
                self.add_error(
                    "typed_name_confirmed", "Tick that the signer confirmed the typed name."
                )
        elif method == Consent.Method.DRAWN:
            image = data.get("signature_image", "")
            if not image:
                self.add_error(
                    "signature_image",
                    "Draw the signature in the box (or choose a typed name instead).",
                )
            else:
                try:
                    data["signature_image"] = clean_signature_image(image)
                except forms.ValidationError as error:
                    self.add_error("signature_image", error)
        return data


class WithdrawConsentForm(forms.Form):
    note = forms.CharField(
        label="How the patient withdrew consent (optional)",
        max_length=300,
        required=False,
        help_text="e.g. told reception by phone; said so at the start of the session.",
    )
