from datetime import UTC, date, datetime
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.test import RequestFactory

from accounts.models import User
from accounts.roles import Role
from audit.models import AuditEvent
from demo.seeding import DEMO_PASSWORD, demo_patients
from patients.models import Patient
from practitioners.models import Practitioner

LOGINS = {
    "admin@example.com": Role.CLINIC_ADMIN,
    "frontdesk@example.com": Role.FRONT_DESK,
    "practitioner@example.com": Role.PRACTITIONER,
    "patient@example.com": Role.PATIENT,
}


@pytest.fixture(autouse=True)
def debug_on(settings):
    # pytest-django forces DEBUG off; the command only runs with it on.
    settings.DEBUG = True
    # One fast hasher keeps the repeated runs quick; the hash is still checked.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {
        "users": User.objects.count(),
        "patients": Patient.objects.count(),
        "practitioners": Practitioner.objects.count(),
    }


@pytest.mark.django_db
def test_it_creates_the_four_demo_logins_with_their_roles():
    seed()
    for email, role in LOGINS.items():
        user = User.objects.get(email=email)
        assert user.role == role
        assert user.is_active
        signed_in = authenticate(RequestFactory().post("/"), username=email, password=DEMO_PASSWORD)
        assert signed_in == user
    admin = User.objects.get(email="admin@example.com")
    assert admin.is_staff and admin.is_superuser


@pytest.mark.django_db
def test_it_creates_about_200_patients_and_3_practitioners():
    seed()
    assert 180 <= Patient.objects.count() <= 220
    assert Practitioner.objects.count() == 3
    assert User.objects.filter(role=Role.PATIENT, patient__isnull=False).count() == 20
    assert all(p.patient_number.startswith("P") for p in Patient.objects.all())


@pytest.mark.django_db
def test_it_gives_practitioners_licences_and_distinct_colours():
    seed()
    practitioners = list(Practitioner.objects.with_user())
    assert {p.licence_issuing_body for p in practitioners} == {"British Acupuncture Council"}
    assert sum(p.licence_valid for p in practitioners) == 2
    assert len({p.calendar_colour for p in practitioners}) == 3
    assert Practitioner.objects.get(user__email="practitioner@example.com").licence_valid


@pytest.mark.django_db
def test_it_includes_accented_names_and_clinical_flags():
    seed()
    assert Patient.objects.search("zoe muller").exists()
    assert Patient.objects.search("jose nunez").exists()
    assert Patient.objects.filter(is_pregnant=True, pregnancy_due_date__isnull=False).count() >= 3
    assert Patient.objects.filter(has_implanted_device=True).exists()
    assert Patient.objects.filter(bleeding_risk=True).exists()


@pytest.mark.django_db
def test_it_links_the_patient_login_to_a_record_with_flags():
    seed()
    patient = User.objects.get(email="patient@example.com").patient
    assert patient.email == "patient@example.com"
    assert patient.clinical_flags


@pytest.mark.django_db
def test_it_keeps_row_counts_identical_when_run_twice():
    seed()
    first = counts()
    second_output = seed()
    assert counts() == first
    assert "Created this run: 0 users, 0 practitioners, 0 patients" in second_output


def test_it_generates_the_same_patients_every_time():
    today, now = date(2026, 11, 25), datetime(2026, 11, 25, 12, tzinfo=UTC)
    assert demo_patients(today, now) == demo_patients(today, now)


@pytest.mark.django_db
def test_it_creates_the_featured_patient_first():
    seed()
    names = list(Patient.objects.order_by("patient_number").values_list("first_name", "last_name"))
    assert names[0] == ("Zoë", "Müller")
    assert len(set(names)) > 150


@pytest.mark.django_db
def test_it_records_one_audit_event():
    seed()
    event = AuditEvent.objects.get(action="demo.seeded")
    assert event.data["created"]["patients"] == Patient.objects.count()


@pytest.mark.django_db
def test_it_refuses_with_debug_off_and_creates_nothing(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="only runs with DEBUG on"):
        seed()
    assert counts() == {"users": 0, "patients": 0, "practitioners": 0}
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db
def test_it_prints_each_login_and_the_password():
    output = seed()
    for email in LOGINS:
        assert email in output
    assert DEMO_PASSWORD in output
    assert "http://127.0.0.1:8000/" in output


@pytest.mark.django_db
def test_it_fills_the_calendar_without_double_bookings():
    from scheduling.models import Appointment, AppointmentType, Room, WorkingHours

    call_command("seed_demo", stdout=StringIO())
    assert Room.objects.count() == 3 and AppointmentType.objects.count() == 3
    assert WorkingHours.objects.count() == 30
    counts = {
        status: Appointment.objects.filter(status=status).count()
        for status in ("booked", "completed", "cancelled")
    }
    assert all(counts.values()), counts
    assert Appointment.objects.filter(patient__user__email="patient@example.com").count() >= 4
    from sessions.models import TreatmentSession

    featured = TreatmentSession.objects.signed().filter(patient__user__email="patient@example.com")
    assert featured.count() >= 3
    assert all(s.placements.count() >= 4 for s in featured)
    before = (Appointment.objects.count(), TreatmentSession.objects.count())
    call_command("seed_demo", stdout=StringIO())
    assert (Appointment.objects.count(), TreatmentSession.objects.count()) == before
    call_command("verify_audit", stdout=StringIO())


@pytest.mark.django_db
def test_every_signed_record_of_the_demo_obeys_todays_rules():
    """The demo shows the rules: none of its signed records may break one
    (pregnancy points without an override, Jiaji without levels, BL40 deep and
    perpendicular, a bleeding-risk patient without pressure, ...)."""
    from django.db.models import Prefetch

    from sessions import services
    from sessions.models import NeedlePlacement, SkinLesionSite, TreatmentSession

    seed()
    signed = list(
        TreatmentSession.objects.signed()
        .select_related("patient", "practitioner")
        .prefetch_related(
            Prefetch("placements", queryset=NeedlePlacement.objects.select_related("acupoint")),
            "overrides",
        )
    )
    assert len(signed) > 20
    broken = {
        f"{s.patient.patient_number} {s.session_date}": problems
        for s in signed
        if (problems := services.record_problems(s))
    }
    assert broken == {}
    assert SkinLesionSite.objects.filter(acupoint__code="EX-UE7").exists()


@pytest.mark.django_db
def test_its_signed_records_obey_the_licence_rule_and_keep_their_snapshot():
    """Issue 11, point 6: no record signed after its signer's licence expired (the
    database refuses it now); the lapsed practitioner is still in the demo, with
    the records she signed while licensed, and is out of online booking."""
    from portal.forms import _practitioners
    from sessions.models import NeedlePlacement, TreatmentSession

    call_command("seed_demo", stdout=StringIO())
    signed = TreatmentSession.objects.signed().select_related("practitioner")
    assert signed.exists()
    for session in signed:
        assert session.signed_on <= session.practitioner.licence_expiry
        assert session.signed_licence_number == session.practitioner.licence_number
        assert session.signed_flags is not None
    placements = NeedlePlacement.objects.filter(session__signed_at__isnull=False)
    assert not placements.filter(signed_point_code="").exists()
    assert not placements.filter(signed_needle_make="").exists()
    lapsed = Practitioner.objects.get(licence_number="BAcC-45190")
    assert not lapsed.licence_valid
    assert signed.filter(practitioner=lapsed).exists()
    assert lapsed not in _practitioners()


@pytest.mark.django_db
def test_the_demo_clinic_is_in_bristol_by_name_address_and_phone():
    from clinic.models import ClinicSettings

    seed()
    clinic = ClinicSettings.load()
    assert "Bristol" in clinic.name and "Bristol" in clinic.address
    assert "London" not in clinic.address and clinic.phone.startswith("0117")


@pytest.mark.django_db
def test_the_demo_patients_weekly_course_is_with_the_demo_practitioner():
    """The two demo logins meet: Zoë's visits (and signed records) are Mei Lin Chen's."""
    from django.utils import timezone

    from scheduling.models import Appointment

    seed()
    with_mei = Appointment.objects.filter(
        patient__user__email="patient@example.com",
        practitioner__user__email="practitioner@example.com",
    )
    assert with_mei.filter(start_at__lt=timezone.now()).count() >= 2  # past visits
    assert with_mei.filter(start_at__gt=timezone.now()).count() >= 2  # and booked ones


@pytest.mark.django_db
def test_demo_phone_numbers_are_e164_and_some_patients_get_text_messages():
    from notifications.services import wants
    from patients.phones import E164

    seed()
    patients = list(Patient.objects.all())
    for patient in patients:
        for number in (patient.phone, patient.emergency_contact_phone, patient.family_doctor_phone):
            assert not number or E164.match(number), number
    texted = [p for p in patients if wants(p, "reminder", "sms")]
    assert 0.4 * len(patients) < len(texted) < 0.95 * len(patients)
    landline_only = [p for p in patients if p.phone.startswith("+44117")]
    assert landline_only and not any(wants(p, "reminder", "sms") for p in landline_only)
