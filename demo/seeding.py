"""Demo data for trying the app locally: the clinic's people and about 200 patients.

Everything comes from ``random.Random(SEED)`` and the small lists below, so two
runs on the same day produce the same people (dates such as due dates and
licence expiries are relative to today). Running it again creates nothing new:
users are keyed on e-mail, practitioners on licence number and patients on the
app's own duplicate key (folded first and last name plus date of birth). It
resets the demo accounts' names, roles and passwords to the values below.

Never for a live clinic: it refuses to run unless DEBUG is on.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

import audit.services
from accounts.models import User
from accounts.roles import Role
from demo.billing import seed_billing
from demo.consents import seed_consents
from demo.history import seed_history, seed_practice_history
from demo.intake_documents import seed_intake_and_documents
from demo.protocols import seed_protocols
from demo.records import seed_records
from demo.schedule import seed_schedule
from patients.models import Patient
from patients.text import fold
from practitioners.models import Practitioner
from reports.practice_sums import refresh as refresh_practice
from reports.summary import refresh as refresh_outcomes

DEMO_PASSWORD = "demo-clinic-2026"
DEMO_URL = "http://127.0.0.1:8000/"
SEED = 2026
PATIENT_COUNT = 200
PORTAL_ACCOUNT_COUNT = 20  # including patient@example.com
ARCHIVED_COUNT = 3
CLINIC_NAME = "Harbourside Acupuncture, Bristol"
# The demo clinic is in Bristol, like its patients (the model's default address is London's).
CLINIC_ADDRESS = "12 Canon's Road, Harbourside\nBristol\nBS1 5UH"
CLINIC_PHONE = "0117 496 0000"  # Ofcom's range for drama, as the patients' numbers
ISSUING_BODY = "British Acupuncture Council"

REFUSAL = "seed_demo only runs with DEBUG on; it would put known passwords into a live clinic."


class DemoSeedingRefused(Exception):
    """Seeding was asked for where it must not run."""


# --- The clinic's staff -----------------------------------------------------------

ADMIN_EMAIL = "admin@example.com"
FRONT_DESK_EMAIL = "frontdesk@example.com"
PRACTITIONER_EMAIL = "practitioner@example.com"
PATIENT_EMAIL = "patient@example.com"

STAFF = (
    # (e-mail, full name, role)
    (ADMIN_EMAIL, "Helen Ashworth", Role.CLINIC_ADMIN),
    (FRONT_DESK_EMAIL, "Tom Bradley", Role.FRONT_DESK),
)

PRACTITIONERS = (
    {
        "email": PRACTITIONER_EMAIL,
        "full_name": "Mei Lin Chen",
        "licence_number": "BAcC-40217",
        "licence_expiry_in_days": 412,
        "qualifications": (
            "BSc (Hons) Acupuncture, University of Westminster; "
            "Dip. Tuina; Member of the British Acupuncture Council (MBAcC)"
        ),
        "calendar_colour": "#2f6f8f",
    },
    {
        "email": "gareth.price@example.com",
        "full_name": "Gareth Price",
        "licence_number": "BAcC-38854",
        "licence_expiry_in_days": 187,
        "qualifications": (
            "Lic.Ac., College of Integrated Chinese Medicine, Reading; "
            "PG Cert. Acupuncture for Musculoskeletal Pain; MBAcC"
        ),
        "calendar_colour": "#b5543c",
    },
    {
        # Licence lapsed three weeks ago: her records are signed up to that day only; since then
        # she cannot needle or sign, patients cannot book her online, front desk is warned.
        "email": "ayesha.rahman@example.com",
        "full_name": "Ayesha Rahman",
        "licence_number": "BAcC-45190",
        "licence_expiry_in_days": -21,
        "qualifications": (
            "MSc Chinese Medicine (Acupuncture), Middlesex University; "
            "Fertility and pregnancy acupuncture (Zita West course); MBAcC"
        ),
        "calendar_colour": "#5b8c3a",
    },
)

# --- Lists the patients are drawn from ---------------------------------------------

FEMALE_NAMES = (
    "Margaret", "Patricia", "Susan", "Elizabeth", "Jean", "Sarah", "Emma", "Claire",
    "Rebecca", "Hannah", "Charlotte", "Sophie", "Olivia", "Amelia", "Emily", "Chloe",
    "Jessica", "Lucy", "Katherine", "Helen", "Rachel", "Joanne", "Nicola", "Gemma",
    "Priya", "Aisha", "Fatima", "Siobhan", "Niamh", "Rhiannon", "Ffion", "Siân", "Zoë",
    "Renée", "Chloé", "Anaïs", "Maria", "Agnieszka", "Mei", "Grace", "Ruth", "Valerie",
    "Brenda", "Pauline", "Janet", "Deborah", "Amira", "Chiamaka", "Aoife", "Inês",
)  # fmt: skip
MALE_NAMES = (
    "David", "John", "Michael", "Peter", "Robert", "James", "William", "Richard",
    "Thomas", "Christopher", "Andrew", "Paul", "Mark", "Stephen", "Daniel", "Matthew",
    "Oliver", "Harry", "Jack", "George", "Samuel", "Joshua", "Liam", "Connor",
    "Mohammed", "Arjun", "Ravi", "Tariq", "Kwame", "Dylan", "Rhys", "Gareth", "Owen",
    "Callum", "Euan", "Seán", "José", "Raúl", "Jürgen", "Tomás", "Piotr", "Wei",
    "Brian", "Kenneth", "Derek", "Keith", "Graham", "Alan", "Trevor", "François",
)  # fmt: skip
LAST_NAMES = (
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies",
    "Robinson", "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green",
    "Hall", "Wood", "Jackson", "Clarke", "Patel", "Khan", "Ahmed", "Singh", "Begum",
    "Hughes", "Edwards", "Lewis", "Price", "Morgan", "Griffiths", "O'Brien", "Murphy",
    "Kelly", "MacDonald", "Campbell", "Fraser", "Okafor", "Mensah", "Nowak", "Chen",
    "Wong", "Nguyen", "Müller", "Nuñez", "García", "Fernández", "Lloyd-Jones",
    "Harding-Smith", "Brontë", "Søndergaard", "Wiśniewska", "Dvořák", "Ó Briain",
)  # fmt: skip
NICKNAMES = {
    "Elizabeth": ("Liz", "Beth"), "Margaret": ("Maggie", "Peggy"), "Patricia": ("Pat", "Trish"),
    "Katherine": ("Kate", "Kathy"), "Rebecca": ("Becky",), "Deborah": ("Debbie",),
    "Agnieszka": ("Aga",), "Chiamaka": ("Chi",), "William": ("Bill", "Will"),
    "Robert": ("Bob", "Rob"), "Christopher": ("Chris",), "Michael": ("Mike",),
    "Thomas": ("Tom",), "Samuel": ("Sam",), "Daniel": ("Dan",), "Mohammed": ("Mo",),
    "Kenneth": ("Ken",), "Matthew": ("Matt",),
}  # fmt: skip

STREETS = (
    "Church Road", "Station Road", "Victoria Street", "Park Avenue", "Elm Grove",
    "The Crescent", "Mill Lane", "Kingsley Road", "Oakfield Road", "Chandos Road",
    "Belmont Road", "Sefton Park Road", "Ashley Down Road", "North Road", "Queens Drive",
    "Manor Road", "Springfield Avenue", "Beaufort Road", "Cromwell Road", "St Mary's Close",
    "Windmill Hill", "Cotswold Road", "Greenbank Avenue", "Hampton Park", "Orchard Close",
)  # fmt: skip
# (town or city, district for address line 2, postcode districts, weight)
PLACES = (
    ("Bristol", "Clifton", ("BS8",), 3), ("Bristol", "Redland", ("BS6",), 3),
    ("Bristol", "Cotham", ("BS6",), 2), ("Bristol", "Bishopston", ("BS7",), 3),
    ("Bristol", "Horfield", ("BS7",), 2), ("Bristol", "Southville", ("BS3",), 3),
    ("Bristol", "Bedminster", ("BS3",), 2), ("Bristol", "Totterdown", ("BS4",), 2),
    ("Bristol", "Easton", ("BS5",), 2), ("Bristol", "Fishponds", ("BS16",), 2),
    ("Bristol", "Henleaze", ("BS9",), 2), ("Bristol", "Westbury-on-Trym", ("BS9",), 2),
    ("Bristol", "Kingswood", ("BS15",), 1), ("Bristol", "Brislington", ("BS4",), 1),
    ("Bath", "", ("BA1", "BA2"), 2), ("Keynsham", "", ("BS31",), 1),
    ("Portishead", "", ("BS20",), 1), ("Clevedon", "", ("BS21",), 1),
    ("Nailsea", "", ("BS48",), 1), ("Thornbury", "", ("BS35",), 1),
)  # fmt: skip
POSTCODE_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"

# (practice, doctors, phone): phone numbers from Ofcom's range for drama (0117 496 0xxx),
# stored in E.164 as the forms store them.
GP_PRACTICES = (
    ("Whiteladies Health Centre", ("Dr Sarah Whitfield", "Dr Anil Mehta"), "+441174960012"),
    ("Gloucester Road Medical Centre", ("Dr Catherine O'Neill", "Dr James Okoro"), "+441174960027"),
    ("Southville Family Practice", ("Dr Fiona McLeod", "Dr Rajesh Varma"), "+441174960035"),
    ("Fishponds Park Surgery", ("Dr Emily Hart", "Dr Tomasz Lewandowski"), "+441174960041"),
    ("Henleaze Medical Group", ("Dr Hannah Price", "Dr Yusuf Ali"), "+441174960058"),
    ("Avon Vale Practice", ("Dr Richard Coles", "Dr Nadia Haddad"), "+441174960063"),
)
EMAIL_DOMAINS = ("example.net", "example.org")

IMPLANTED_DEVICES = (
    "Dual-chamber pacemaker, fitted 2019",
    "Implantable cardioverter-defibrillator (ICD)",
    "Pacemaker, fitted 2016; checked yearly at the BRI",
    "Spinal cord stimulator for chronic back pain",
)
OTHER_ALLERGIES = (
    "Penicillin", "Elastoplast adhesive", "Tea tree oil", "Chlorhexidine wipes",
    "Ibuprofen", "Peanuts", "Sticking plasters (rash)", "Arnica cream",
)  # fmt: skip
SKIN_CONDITIONS = (
    "Psoriasis on both elbows and knees",
    "Eczema behind both knees; flares in winter",
    "Lymphoedema of the right arm after lymph node removal: never needle the right arm",
    "Leg ulcer above the left ankle, dressed by the practice nurse",
    "Shingles rash on the left side of the chest (healing)",
)
# Consent text versions and the day each came into use.
CONSENT_VERSIONS = ((date(2020, 1, 1), "2020-01"), (date(2023, 4, 1), "2023-04"),
                    (date(2026, 1, 1), "2026-01"))  # fmt: skip

# Hand-written patients, so that the accent-insensitive search and the clinical
# warnings can be shown with names people remember. The first one is the portal
# login patient@example.com.
FEATURED_PATIENTS = (
    {
        "first_name": "Zoë", "last_name": "Müller", "sex": Patient.Sex.FEMALE,
        "date_of_birth": date(1991, 7, 22), "email": PATIENT_EMAIL, "portal": True,
        "is_pregnant": True, "due_in_days": 124, "allergy_nickel": True,
        "needle_phobia_or_fainting": True,
    },
    {
        "first_name": "José", "last_name": "Nuñez", "sex": Patient.Sex.MALE,
        "date_of_birth": date(1958, 11, 3), "bleeding_risk": True,
        "other_allergies": "Penicillin",
    },
    {
        "first_name": "Renée", "last_name": "Dubois", "sex": Patient.Sex.FEMALE,
        "date_of_birth": date(1947, 2, 14), "has_implanted_device": True,
        "implanted_device_details": "Pacemaker, fitted 2021", "bleeding_risk": True,
    },
    {
        "first_name": "Siân", "last_name": "Llewellyn", "sex": Patient.Sex.FEMALE,
        "date_of_birth": date(1984, 5, 30), "has_epilepsy": True,
    },
    {
        "first_name": "Seán", "last_name": "Ó Briain", "sex": Patient.Sex.MALE,
        "date_of_birth": date(1999, 9, 9), "needle_phobia_or_fainting": True,
    },
    {
        "first_name": "Agnieszka", "last_name": "Wiśniewska", "preferred_name": "Aga",
        "sex": Patient.Sex.FEMALE, "date_of_birth": date(1976, 12, 1), "allergy_latex": True,
        "skin_conditions": "Eczema on both hands",
    },
)  # fmt: skip

FLAG_FIELDS = (
    "is_pregnant", "has_implanted_device", "bleeding_risk", "has_epilepsy",
    "needle_phobia_or_fainting", "allergy_nickel", "allergy_latex", "other_allergies",
    "skin_conditions",
)  # fmt: skip


# --- Generating the patients (pure Python, no database) -----------------------------


def _age(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _birth_date(rng: random.Random) -> date:
    # 1940-2006, most patients in middle age, as in a typical acupuncture clinic.
    year = min(int(rng.triangular(1940, 2007, 1972)), 2006)
    return date(year, 1, 1) + timedelta(days=rng.randrange(365))


def _ascii(name: str) -> str:
    return "".join(ch for ch in fold(name) if ch.isalnum())


class _Generator:
    def __init__(self, rng: random.Random, today: date, now: datetime):
        self.rng = rng
        self.today = today
        self.now = now
        self.keys: set[tuple[str, str, date]] = set()
        self.emails: set[str] = {PATIENT_EMAIL}
        self.mobiles = iter(rng.sample(range(1000), 1000))
        self.landlines = iter(rng.sample(range(100, 1000), 900))

    def mobile(self) -> str:
        return f"+447700900{next(self.mobiles):03d}"  # Ofcom's range for drama, in E.164

    def landline(self) -> str:
        return f"+441174960{next(self.landlines):03d}"

    def email_for(self, first: str, last: str) -> str:
        rng = self.rng
        local = rng.choice(
            (f"{_ascii(first)}.{_ascii(last)}", f"{_ascii(first)[0]}{_ascii(last)}",
             f"{_ascii(first)}{_ascii(last)}{rng.randint(1, 99)}")
        )  # fmt: skip
        address = f"{local}@{rng.choice(EMAIL_DOMAINS)}"
        while address in self.emails:
            address = f"{local}{rng.randint(2, 999)}@{rng.choice(EMAIL_DOMAINS)}"
        self.emails.add(address)
        return address

    def person(self, featured: dict | None = None) -> dict:
        rng, today = self.rng, self.today
        featured = dict(featured or {})
        while True:
            sex = (
                featured.get("sex")
                or rng.choices(
                    (Patient.Sex.FEMALE, Patient.Sex.MALE, Patient.Sex.UNKNOWN), (60, 39, 1)
                )[0]
            )
            if sex == Patient.Sex.FEMALE:
                first = rng.choice(FEMALE_NAMES)
            elif sex == Patient.Sex.MALE:
                first = rng.choice(MALE_NAMES)
            else:
                first = rng.choice(FEMALE_NAMES + MALE_NAMES)
            first = featured.get("first_name", first)
            last = featured.get("last_name", rng.choice(LAST_NAMES))
            born = featured.get("date_of_birth", _birth_date(rng))
            key = (fold(first), fold(last), born)
            if key not in self.keys:
                self.keys.add(key)
                break
        age = _age(born, today)

        preferred = ""
        if first in NICKNAMES and rng.random() < 0.6:
            preferred = rng.choice(NICKNAMES[first])
        preferred = featured.get("preferred_name", preferred)

        has_email = "email" in featured or rng.random() < (0.7 if age >= 75 else 0.92)
        email = featured.get("email") or (self.email_for(first, last) if has_email else "")
        landline_only = age >= 70 and rng.random() < 0.35
        phone = self.landline() if landline_only else self.mobile()

        city, district, outwards, _ = rng.choices(PLACES, [p[3] for p in PLACES])[0]
        house = f"{rng.randint(1, 180)} {rng.choice(STREETS)}"
        if rng.random() < 0.2:
            line1, line2 = f"Flat {rng.randint(1, 12)}", house
        else:
            line1, line2 = house, (district if district and rng.random() < 0.6 else "")
        postcode = (
            f"{rng.choice(outwards)} {rng.randint(1, 9)}"
            f"{rng.choice(POSTCODE_LETTERS)}{rng.choice(POSTCODE_LETTERS)}"
        )

        contact = self.emergency_contact(sex, last, age)

        practice, doctors, practice_phone = rng.choice(GP_PRACTICES)
        doctor = rng.choice(doctors)
        if rng.random() < 0.08:  # not registered with a GP, or didn't say
            practice, doctor, practice_phone = "", "", ""

        consent_date, consent_version = None, ""
        if rng.random() < 0.95:
            consent_date = today - timedelta(days=rng.randint(0, 6 * 365))
            consent_version = [v for start, v in CONSENT_VERSIONS if start <= consent_date][-1]

        channels = [Patient.ContactChannel.SMS, Patient.ContactChannel.PHONE]
        weights = [25, 12 if age < 70 else 35]
        if email:
            channels.append(Patient.ContactChannel.EMAIL)
            weights.append(55)
        channels.append(Patient.ContactChannel.POST)
        weights.append(3 if age < 70 else 20)
        if landline_only:
            weights[0] = 0
        preferred_contact = rng.choices(channels, weights)[0]
        allow_email = bool(email) and (
            preferred_contact == Patient.ContactChannel.EMAIL or rng.random() < 0.85
        )
        allow_sms = not landline_only and (
            preferred_contact == Patient.ContactChannel.SMS or rng.random() < 0.8
        )

        spec = {
            "first_name": first,
            "last_name": last,
            "preferred_name": preferred,
            "date_of_birth": born,
            "sex": sex,
            "phone": phone,
            "email": email,
            "address_line1": line1,
            "address_line2": line2,
            "city": city,
            "postcode": postcode,
            **contact,
            "family_doctor_name": doctor,
            "family_doctor_practice": practice,
            "family_doctor_phone": practice_phone,
            "consent_to_treatment_date": consent_date,
            "consent_text_version": consent_version,
            "preferred_contact": preferred_contact,
            "allow_email": allow_email,
            "allow_sms": allow_sms,
            "appointment_reminders": rng.random() < 0.85,
            "portal": featured.pop("portal", False),
        }
        due_in_days = featured.pop("due_in_days", None)
        if due_in_days is not None:
            spec["pregnancy_due_date"] = today + timedelta(days=due_in_days)
        for name in ("first_name", "last_name", "preferred_name", "date_of_birth", "sex", "email"):
            featured.pop(name, None)
        spec.update(featured)  # the featured patient's clinical flags
        return spec

    def emergency_contact(self, sex: str, last: str, age: int) -> dict:
        rng = self.rng
        if rng.random() < 0.1:
            return {}
        if age < 30:
            relationship = rng.choice(("Mother", "Father"))
        elif age >= 70 and rng.random() < 0.6:
            relationship = rng.choice(("Daughter", "Son"))
        else:
            relationship = rng.choices(
                ("Wife", "Husband", "Partner", "Sister", "Brother", "Friend", "Neighbour"),
                (20 if sex == Patient.Sex.MALE else 2, 20 if sex == Patient.Sex.FEMALE else 2,
                 15, 5, 5, 6, 2),
            )[0]  # fmt: skip
        if relationship in ("Mother", "Wife", "Sister", "Daughter"):
            first = rng.choice(FEMALE_NAMES)
        elif relationship in ("Father", "Husband", "Brother", "Son"):
            first = rng.choice(MALE_NAMES)
        else:
            first = rng.choice(FEMALE_NAMES + MALE_NAMES)
        family = relationship not in ("Friend", "Neighbour", "Partner") and rng.random() < 0.85
        surname = last if family else rng.choice(LAST_NAMES)
        return {
            "emergency_contact_name": f"{first} {surname}",
            "emergency_contact_relationship": relationship,
            "emergency_contact_phone": self.mobile(),
        }

    def sprinkle_flags(self, specs: list[dict], start: int) -> None:
        """A realistic few of each caution among the generated patients."""
        rng, today = self.rng, self.today
        pool = range(start, len(specs))

        def pick(count, eligible=lambda s: True):
            return rng.sample([i for i in pool if eligible(specs[i])], count)

        def age(s):
            return _age(s["date_of_birth"], today)

        for i in pick(4, lambda s: s["sex"] == Patient.Sex.FEMALE and 20 <= age(s) <= 43):
            specs[i]["is_pregnant"] = True
            specs[i]["pregnancy_due_date"] = today + timedelta(days=rng.randint(14, 235))
        for i in pick(3, lambda s: age(s) >= 62):
            specs[i]["has_implanted_device"] = True
            specs[i]["implanted_device_details"] = rng.choice(IMPLANTED_DEVICES)
        for i in pick(8, lambda s: age(s) >= 50):
            specs[i]["bleeding_risk"] = True
        for i in pick(3):
            specs[i]["has_epilepsy"] = True
        for i in pick(9):
            specs[i]["needle_phobia_or_fainting"] = True
        for i in pick(6):
            specs[i]["allergy_nickel"] = True
        for i in pick(4):
            specs[i]["allergy_latex"] = True
        for i in pick(8):
            specs[i]["other_allergies"] = rng.choice(OTHER_ALLERGIES)
        for i in pick(5):
            specs[i]["skin_conditions"] = rng.choice(SKIN_CONDITIONS)

    def finish(self, specs: list[dict], start: int) -> None:
        """Flag timestamps, the portal accounts and a few archived records."""
        rng, now = self.rng, self.now
        for spec in specs:
            if any(spec.get(name) for name in FLAG_FIELDS):
                spec["clinical_flags_updated_at"] = now - timedelta(
                    days=rng.randint(1, 400), minutes=rng.randint(0, 600)
                )
        generated = range(start, len(specs))
        wanted = PORTAL_ACCOUNT_COUNT - sum(1 for s in specs if s["portal"])
        for i in rng.sample([i for i in generated if specs[i]["email"]], wanted):
            specs[i]["portal"] = True
        for i in rng.sample([i for i in generated if not specs[i]["portal"]], ARCHIVED_COUNT):
            specs[i]["archived_at"] = now - timedelta(days=rng.randint(30, 700))


def demo_patients(today: date, now: datetime) -> list[dict]:
    """The demo patients as field values (plus ``portal``), the same every run."""
    rng = random.Random(SEED)  # noqa: S311 (demo data, not security)
    gen = _Generator(rng, today, now)
    specs = [gen.person(featured) for featured in FEATURED_PATIENTS]
    start = len(specs)
    specs += [gen.person() for _ in range(PATIENT_COUNT - start)]
    gen.sprinkle_flags(specs, start)
    gen.finish(specs, start)
    return specs


# --- Writing to the database ------------------------------------------------------


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str


@dataclass(frozen=True)
class SeedResult:
    created: dict[str, int]
    totals: dict[str, int]
    logins: tuple[DemoLogin, ...]


LOGINS = (
    DemoLogin(Role.CLINIC_ADMIN.label, ADMIN_EMAIL),
    DemoLogin(Role.FRONT_DESK.label, FRONT_DESK_EMAIL),
    DemoLogin(Role.PRACTITIONER.label, PRACTITIONER_EMAIL),
    DemoLogin(Role.PATIENT.label, PATIENT_EMAIL),
)


def _upsert_user(email: str, full_name: str, role: str, password: str) -> tuple[User, bool]:
    admin = role == Role.CLINIC_ADMIN
    return User.objects.update_or_create(
        email=email,
        defaults={
            "full_name": full_name,
            "role": role,
            "is_active": True,
            "is_staff": admin,
            "is_superuser": admin,
            "password": password,
        },
    )


@transaction.atomic
def seed_demo() -> SeedResult:
    """Create (or reset) the demo clinic's people. Refuses unless DEBUG is on."""
    if not settings.DEBUG:
        raise DemoSeedingRefused(REFUSAL)
    today, now = timezone.localdate(), timezone.now()
    # One hash for every demo account: hashing is deliberately slow.
    password = make_password(DEMO_PASSWORD)
    created = {"users": 0, "practitioners": 0, "patients": 0}

    for email, full_name, role in STAFF:
        created["users"] += _upsert_user(email, full_name, role, password)[1]

    for spec in PRACTITIONERS:
        user, new = _upsert_user(spec["email"], spec["full_name"], Role.PRACTITIONER, password)
        created["users"] += new
        _, new = Practitioner.objects.update_or_create(
            licence_number=spec["licence_number"],
            defaults={
                "user": user,
                "licence_issuing_body": ISSUING_BODY,
                "licence_expiry": today + timedelta(days=spec["licence_expiry_in_days"]),
                "qualifications": spec["qualifications"],
                "calendar_colour": spec["calendar_colour"],
                "is_active": True,
            },
        )
        created["practitioners"] += new

    specs = demo_patients(today, now)
    portal_users = {}
    for spec in specs:
        if spec["portal"]:
            full_name = f"{spec['first_name']} {spec['last_name']}"
            user, new = _upsert_user(spec["email"], full_name, Role.PATIENT, password)
            portal_users[spec["email"]] = user
            created["users"] += new
    already_linked = set(
        Patient.objects.filter(user__in=portal_users.values()).values_list("user_id", flat=True)
    )

    # Patients already there (from an earlier run) are matched on the duplicate key.
    existing = set(
        Patient.objects.filter(date_of_birth__in={s["date_of_birth"] for s in specs}).values_list(
            "first_name_folded", "last_name_folded", "date_of_birth"
        )
    )
    new_patients = []
    for spec in specs:
        key = (fold(spec["first_name"]), fold(spec["last_name"]), spec["date_of_birth"])
        if key in existing:
            continue
        fields = {k: v for k, v in spec.items() if k != "portal"}
        user = portal_users.get(spec["email"]) if spec["portal"] else None
        if user is not None and user.pk not in already_linked:
            fields["user"] = user
        patient = Patient(**fields)
        # Field checks only: the database enforces uniqueness and the CHECK constraints.
        patient.full_clean(validate_unique=False, validate_constraints=False)
        new_patients.append(patient)
    Patient.objects.bulk_create(new_patients)  # numbers come back from the sequence
    created["patients"] = len(new_patients)

    created |= seed_schedule(
        clinic_name=CLINIC_NAME,
        clinic_address=CLINIC_ADDRESS,
        clinic_phone=CLINIC_PHONE,
        today=today,
        now=now,
        rng=random.Random(SEED + 1),  # noqa: S311 (demo data)
    )
    created["signed_records"] = seed_records(rng=random.Random(SEED + 2))  # noqa: S311
    # Issue 16: past courses of care and bookings for the reports (demo/history.py).
    created["signed_history"] = seed_history(rng=random.Random(SEED + 3), today=today)  # noqa: S311
    seed_practice_history(rng=random.Random(SEED + 4), today=today)  # noqa: S311
    # Issue 11: consent on file before each demo patient's first needling (demo/consents.py).
    created["consents"] = seed_consents()
    # Issue 13: the demo practitioner's saved protocols (demo/protocols.py).
    created["protocols"] = seed_protocols(Practitioner.objects.get(user__email=PRACTITIONER_EMAIL))
    # Issue 17: two new patients' online intake, and documents (demo/intake_documents.py).
    created |= seed_intake_and_documents(
        front_desk=User.objects.get(email=FRONT_DESK_EMAIL),
        practitioner=User.objects.get(email=PRACTITIONER_EMAIL),
        portal_patient=Patient.objects.filter(user__email=PATIENT_EMAIL).first(),
    )
    # Issue 16: the outcome reports' course summary (what manage.py refresh_outcomes does).
    refresh_outcomes()
    # Issue 15: fees, the past weeks' invoices and payments, a package (demo/billing.py).
    created["invoices"] = seed_billing(
        rng=random.Random(SEED + 5),  # noqa: S311 (demo data)
        front_desk_email=FRONT_DESK_EMAIL,
        featured_email=PATIENT_EMAIL,
    )
    # Issue 16: the practice reports' day sums, once every booking is in
    # (what manage.py refresh_practice does from cron).
    refresh_practice()

    totals = {
        "patients": len(specs),
        "portal_accounts": len(portal_users),
        "archived_patients": sum(1 for s in specs if s.get("archived_at")),
        "practitioners": len(PRACTITIONERS),
        "staff_users": len(STAFF) + len(PRACTITIONERS),
    }
    audit.services.record(
        "demo.seeded",
        actor_label="manage.py seed_demo",
        data={"created": created, "demo_totals": totals, "random_seed": SEED},
    )
    return SeedResult(created=created, totals=totals, logins=LOGINS)
