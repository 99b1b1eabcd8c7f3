import uuid
from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Concat, LPad
from django.utils import timezone

from accounts.roles import Capability
from patients.text import digits, fold, fold_sql

PATIENT_NUMBER_SEQUENCE = "patients_patient_number_seq"


class PatientQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Patients this user may see at all: staff see every patient; a patient
        only the record linked to their own account."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.can(Capability.VIEW_PATIENTS):
            return self
        if user.can(Capability.USE_PORTAL):
            return self.filter(user=user)
        return self.none()

    def active(self):
        return self.filter(archived_at__isnull=True)

    def archived(self):
        return self.filter(archived_at__isnull=False)

    def search(self, query: str):
        """Every word must match a name, the patient number, the phone or the
        date of birth; accents and case are ignored."""
        from patients.phones import national_search_digits
        from patients.search import parse_date

        qs = self
        for word in query.split():
            match = Q(search_text__contains=fold(word))
            if len(digits(word)) >= 3 and digits(word) == word.replace(" ", "").lstrip("+"):
                match |= Q(phone_digits__contains=digits(word))
                # Numbers are stored in E.164: "07700" is found in "+447700…".
                if national := national_search_digits(digits(word)):
                    match |= Q(phone_digits__contains=national)
            birth = parse_date(word)
            if birth is not None:
                match |= Q(date_of_birth=birth)
            qs = qs.filter(match)
        return qs

    def same_person_as(self, *, first_name: str, last_name: str, date_of_birth: date):
        """Possible duplicates: same folded legal names and date of birth."""
        return self.filter(
            first_name_folded=fold(first_name.strip()),
            last_name_folded=fold(last_name.strip()),
            date_of_birth=date_of_birth,
        )


class Patient(models.Model):
    class Sex(models.TextChoices):
        FEMALE = "female", "Female"
        MALE = "male", "Male"
        INTERSEX = "intersex", "Intersex"
        UNKNOWN = "unknown", "Not stated"

    class ReferralSource(models.TextChoices):
        GP = "gp", "GP or other doctor"
        THERAPIST = "therapist", "Physiotherapist or other therapist"
        FRIEND = "friend", "Friend or family"
        WEB = "web", "Web search or the clinic's website"
        SOCIAL = "social", "Social media"
        INSURER = "insurer", "Insurer or employer"
        OTHER = "other", "Other"

    class ContactChannel(models.TextChoices):
        EMAIL = "email", "E-mail"
        SMS = "sms", "Text message"
        PHONE = "phone", "Phone call"
        POST = "post", "Post"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Human-readable, unique and never reused: P000123, from a PostgreSQL sequence.
    patient_number = models.CharField(
        max_length=12,
        unique=True,
        editable=False,
        db_default=Concat(
            Value("P"),
            LPad(
                models.functions.Cast(
                    models.Func(Value(PATIENT_NUMBER_SEQUENCE), function="nextval"),
                    models.CharField(),
                ),
                6,
                Value("0"),
            ),
        ),
    )

    # Names: legal (for documents and insurers) and preferred (what to call them).
    first_name = models.CharField("legal first name", max_length=100)
    last_name = models.CharField("legal last name", max_length=100)
    preferred_name = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField()
    sex = models.CharField(max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)
    # How the patient heard of the clinic (the practice reports count new patients by it).
    referral_source = models.CharField(
        "how they heard of the clinic",
        max_length=10,
        choices=ReferralSource.choices,
        blank=True,
        db_default="",  # rows written by COPY (scale/) leave it out
    )

    phone = models.CharField(max_length=30, blank=True)
    email = models.EmailField("e-mail", blank=True)
    address_line1 = models.CharField("address", max_length=200, blank=True)
    address_line2 = models.CharField("address line 2", max_length=200, blank=True)
    city = models.CharField("town or city", max_length=100, blank=True)
    postcode = models.CharField(max_length=20, blank=True)

    emergency_contact_name = models.CharField(max_length=150, blank=True)
    emergency_contact_relationship = models.CharField(max_length=60, blank=True)
    emergency_contact_phone = models.CharField(max_length=30, blank=True)
    family_doctor_name = models.CharField(max_length=150, blank=True)
    family_doctor_practice = models.CharField(max_length=200, blank=True)
    family_doctor_phone = models.CharField(max_length=30, blank=True)

    consent_to_treatment_date = models.DateField(null=True, blank=True)
    consent_text_version = models.CharField(max_length=20, blank=True)

    # Communication preferences.
    preferred_contact = models.CharField(
        "preferred way to contact",
        max_length=10,
        choices=ContactChannel.choices,
        default=ContactChannel.EMAIL,
    )
    allow_email = models.BooleanField("may e-mail", default=True)
    allow_sms = models.BooleanField("may send text messages", default=True)
    appointment_reminders = models.BooleanField("wants appointment reminders", default=True)

    # Clinical flags (DOMAIN.md, contraindications and cautions): practitioners only.
    is_pregnant = models.BooleanField("pregnant", default=False)
    pregnancy_due_date = models.DateField("due date", null=True, blank=True)
    has_implanted_device = models.BooleanField(
        "pacemaker or implanted electrical device", default=False
    )
    implanted_device_details = models.CharField(max_length=200, blank=True)
    bleeding_risk = models.BooleanField("anticoagulants or bleeding disorder", default=False)
    has_epilepsy = models.BooleanField("epilepsy", default=False)
    needle_phobia_or_fainting = models.BooleanField(
        "needle phobia or history of fainting", default=False
    )
    allergy_nickel = models.BooleanField("nickel allergy", default=False)
    allergy_latex = models.BooleanField("latex allergy", default=False)
    other_allergies = models.CharField(max_length=200, blank=True)
    skin_conditions = models.TextField(
        "skin conditions",
        blank=True,
        help_text="Local infection, lesion or lymphoedema, and where: never needle there.",
    )
    # The sites themselves (points, body-chart regions) are sessions.SkinLesionSite.
    clinical_flags_updated_at = models.DateTimeField(null=True, blank=True, editable=False)

    # An optional portal account for the patient.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="patient",
        limit_choices_to={"role": "patient"},
        verbose_name="portal account",
    )

    # Never deleted: archived records are hidden from the default search only.
    archived_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Bumped on every change: an edit based on an older version is refused.
    version = models.PositiveIntegerField(default=1, editable=False)

    # Search columns computed by PostgreSQL (see patients.text).
    search_text = models.GeneratedField(
        expression=fold_sql(
            Concat(
                F("first_name"),
                Value(" "),
                F("last_name"),
                Value(" "),
                F("preferred_name"),
                Value(" "),
                F("patient_number"),
            )
        ),
        output_field=models.TextField(),
        db_persist=True,
    )
    first_name_folded = models.GeneratedField(
        expression=fold_sql(F("first_name")), output_field=models.TextField(), db_persist=True
    )
    last_name_folded = models.GeneratedField(
        expression=fold_sql(F("last_name")), output_field=models.TextField(), db_persist=True
    )
    phone_digits = models.GeneratedField(
        expression=models.Func(
            F("phone"), Value(r"\D"), Value(""), Value("g"), function="regexp_replace"
        ),
        output_field=models.TextField(),
        db_persist=True,
    )

    objects = PatientQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(pregnancy_due_date__isnull=True) | Q(is_pregnant=True),
                name="patients_due_date_only_when_pregnant",
            ),
            models.CheckConstraint(
                condition=Q(date_of_birth__gte=date(1900, 1, 1)),
                name="patients_date_of_birth_plausible",
            ),
            models.CheckConstraint(
                condition=~Q(first_name="") & ~Q(last_name=""),
                name="patients_names_not_blank",
            ),
            models.CheckConstraint(
                condition=Q(sex__in=["female", "male", "intersex", "unknown"]),
                name="patients_sex_valid",
            ),
        ]
        indexes = [
            # Duplicate check on create: same folded names and date of birth.
            models.Index(
                fields=["last_name_folded", "first_name_folded", "date_of_birth"],
                name="patients_duplicate_idx",
            ),
            models.Index(fields=["date_of_birth"], name="patients_dob_idx"),
        ]

    def __str__(self):
        return f"{self.display_name} ({self.patient_number})"

    @property
    def display_name(self) -> str:
        return self.name_of(self.first_name, self.preferred_name, self.last_name)

    @staticmethod
    def name_of(first_name: str, preferred_name: str, last_name: str) -> str:
        """The display name from the three names (also for rows loaded with .values())."""
        if preferred_name and preferred_name != first_name:
            return f"{first_name} ({preferred_name}) {last_name}"
        return f"{first_name} {last_name}"

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    def age_on(self, day: date) -> int:
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    @property
    def age(self) -> int:
        return self.age_on(timezone.localdate())

    @property
    def clinical_flags(self) -> list[str]:
        """Plain-language list of the flags set, for warnings and badges."""
        flags = []
        if self.is_pregnant:
            due = f" (due {self.pregnancy_due_date:%d %b %Y})" if self.pregnancy_due_date else ""
            flags.append(f"Pregnant{due}")
        if self.has_implanted_device:
            flags.append("Pacemaker or implanted device: no electroacupuncture")
        if self.bleeding_risk:
            flags.append("Anticoagulants or bleeding disorder")
        if self.has_epilepsy:
            flags.append("Epilepsy: caution with electroacupuncture")
        if self.needle_phobia_or_fainting:
            flags.append("Needle phobia or fainting: treat lying down")
        if self.allergy_nickel:
            flags.append("Nickel allergy")
        if self.allergy_latex:
            flags.append("Latex allergy")
        if self.other_allergies:
            flags.append(f"Allergies: {self.other_allergies}")
        if self.skin_conditions:
            flags.append(f"Skin: {self.skin_conditions}")
        if self.age < 18:
            flags.append("Under 18: guardian consent needed")
        return flags


# --- Informed consent (DOMAIN.md, "Contraindications and cautions") ----------------
# Appended as new classes: the rules live in patients/consent.py (the one service)
# and in migration 0006 (PostgreSQL refuses UPDATE, DELETE and TRUNCATE).


class ConsentTextQuerySet(models.QuerySet):
    def current(self):
        return self.filter(is_current=True)


class ConsentText(models.Model):
    """The clinic's consent wording, by version. A version keeps its wording for
    good (PostgreSQL refuses a change): new wording is a new version, which
    becomes the one current version."""

    version = models.CharField(max_length=20, unique=True)
    text = models.TextField()
    is_current = models.BooleanField("current version", default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = ConsentTextQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_current"],
                condition=Q(is_current=True),
                name="consent_text_one_current",
            ),
            models.CheckConstraint(
                condition=~Q(version="") & ~Q(text=""), name="consent_text_not_blank"
            ),
        ]

    def __str__(self):
        return f"Consent text version {self.version}"

    def validate_constraints(self, exclude=None):
        # A version saved as current takes over from the old one
        # (patients.consent.publish_consent_text): no form error for that.
        super().validate_constraints(exclude={*(exclude or ()), "is_current"})


class Consent(models.Model):
    """One consent given, or withdrawn, by a patient or their guardian. Never
    changed or deleted: a withdrawal, and a new consent after it, are new rows."""

    class Kind(models.TextChoices):
        GIVEN = "given", "Consent given"
        WITHDRAWN = "withdrawn", "Consent withdrawn"

    class Signer(models.TextChoices):
        PATIENT = "patient", "The patient"
        GUARDIAN = "guardian", "A parent or guardian"

    class Method(models.TextChoices):
        TYPED = "typed", "Typed full name, confirmed by the signer"
        DRAWN = "drawn", "Signature drawn on the screen"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="consents")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.GIVEN)
    consent_text = models.ForeignKey(
        ConsentText, null=True, blank=True, on_delete=models.PROTECT, related_name="consents"
    )
    # When it was given (or withdrawn): the moment the record was made.
    given_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    signer = models.CharField(max_length=10, choices=Signer.choices, blank=True)
    guardian_name = models.CharField(max_length=150, blank=True)
    guardian_relationship = models.CharField(max_length=60, blank=True)
    signature_method = models.CharField(max_length=6, choices=Method.choices, blank=True)
    # A PNG data URL (data:image/png;base64,...), checked by patients.consent.
    signature_image = models.TextField(blank=True)
    typed_name = models.CharField(max_length=150, blank=True)
    typed_name_confirmed = models.BooleanField(default=False)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-given_at", "-id"]
        indexes = [
            models.Index(fields=["patient", "-given_at"], name="consent_patient_given_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["given", "withdrawn"]), name="consent_kind_valid"
            ),
            # A consent names the wording agreed to, who signed and how.
            models.CheckConstraint(
                condition=Q(kind="withdrawn")
                | (
                    Q(consent_text__isnull=False)
                    & Q(signer__in=["patient", "guardian"])
                    & Q(signature_method__in=["typed", "drawn"])
                ),
                name="consent_given_is_complete",
            ),
            models.CheckConstraint(
                condition=Q(kind="given")
                | (Q(consent_text__isnull=True) & Q(signer="") & Q(signature_method="")),
                name="consent_withdrawal_has_no_signature",
            ),
            models.CheckConstraint(
                condition=~Q(signature_method="drawn")
                | Q(signature_image__startswith="data:image/png;base64,"),
                name="consent_drawn_has_image",
            ),
            models.CheckConstraint(
                condition=~Q(signature_method="typed")
                | (~Q(typed_name="") & Q(typed_name_confirmed=True)),
                name="consent_typed_is_confirmed",
            ),
            models.CheckConstraint(
                condition=(
                    Q(signer="guardian") & ~Q(guardian_name="") & ~Q(guardian_relationship="")
                )
                | (~Q(signer="guardian") & Q(guardian_name="") & Q(guardian_relationship="")),
                name="consent_guardian_named",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.given_at:%Y-%m-%d}"

    @property
    def is_withdrawal(self) -> bool:
        return self.kind == self.Kind.WITHDRAWN
