"""Phone numbers are stored in E.164 (the clinic's country for numbers without
a country code), shown as people write them, found by search however they are
typed; an unparseable one is refused with a clear message by the forms, and
kept as it was (and listed) by the migration that normalised existing numbers."""

import importlib
import io

import pytest
from django.apps import apps
from django.core.management import call_command

from patients import phones
from patients.models import Patient
from tests.factories import PatientFactory
from tests.patients.test_patient_create import URL, VALID

normalisation = importlib.import_module("patients.migrations.0008_phone_numbers_e164")


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("07700 900123", "+447700900123"),
        ("+44 (0)7700 900123", "+447700900123"),
        ("0117 496 0123", "+441174960123"),
        ("+33 6 12 34 56 78", "+33612345678"),
        ("0033 6 12 34 56 78", "+33612345678"),
        ("", ""),
    ],
)
def test_numbers_are_stored_in_e164(typed, stored):
    assert phones.to_e164(typed) == stored


@pytest.mark.parametrize("typed", ["12", "call me maybe", "+999 123", "0"])
def test_an_impossible_number_is_refused(typed):
    with pytest.raises(ValueError):
        phones.to_e164(typed)


def test_the_default_region_is_a_setting(settings):
    settings.CLINIC_PHONE_REGION = "FR"
    assert phones.to_e164("06 12 34 56 78") == "+33612345678"


def test_a_stored_number_is_shown_as_people_write_it():
    assert phones.display("+447911123456") == "07911 123456"
    assert phones.display("+447700900123") == "07700 900123"  # a drama number too
    assert phones.display("+33612345678") == "+33 6 12 34 56 78"
    assert phones.display("call the office") == "call the office"


def test_only_mobiles_and_unknown_types_get_texts():
    assert phones.textable_number("+447911123456") == "+447911123456"  # a UK mobile
    assert phones.textable_number("+441174960123") == ""  # a Bristol landline
    assert phones.textable_number("07911 123456") == ""  # not normalised


@pytest.mark.django_db
def test_the_form_stores_e164(client_for, front_desk):
    client_for(front_desk).post(URL, {**VALID, "phone": "07700 900123"})
    assert Patient.objects.get().phone == "+447700900123"


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["12345678901234567", "+1 555"])
def test_the_form_says_what_to_type_for_an_undialable_number(client_for, front_desk, typed):
    r = client_for(front_desk).post(URL, {**VALID, "phone": typed})
    assert r.status_code == 200
    assert r.context["form"].errors["phone"] == [phones.INVALID_MESSAGE]
    assert "Enter a phone number we can dial" in r.content.decode()
    assert not Patient.objects.exists()


@pytest.mark.django_db
def test_search_finds_a_stored_e164_number_typed_the_national_way(client_for, front_desk):
    patient = PatientFactory(phone="+447700900123")
    for query in ["07700 900123", "07700900123", "+447700900123", "900123"]:
        assert list(Patient.objects.search(query)) == [patient], query


@pytest.mark.django_db
def test_the_migration_normalises_what_it_can_and_keeps_the_rest(client_for, clinic_admin):
    good = PatientFactory(phone="07700 900123", emergency_contact_phone="0117 496 0123")
    odd = PatientFactory(phone="ring the neighbour", family_doctor_phone="ext. 12")
    blank = PatientFactory(phone="")
    normalisation.normalise(apps, None)
    for patient in (good, odd, blank):
        patient.refresh_from_db()
    assert (good.phone, good.emergency_contact_phone) == ("+447700900123", "+441174960123")
    assert (odd.phone, odd.family_doctor_phone) == ("ring the neighbour", "ext. 12")
    assert blank.phone == ""

    out = io.StringIO()
    call_command("unparseable_phones", stdout=out)
    lines = out.getvalue().splitlines()
    assert (
        f"{odd.patient_number}\t{odd.last_name}, {odd.first_name}\tphone\tring the neighbour"
        in lines
    )
    assert lines[-1] == "2 phone number(s) to correct."

    page = client_for(clinic_admin).get("/admin/patients/patient/?phone_format=unparseable")
    assert page.status_code == 200
    assert odd.patient_number in page.content.decode()
    assert good.patient_number not in page.content.decode()
