import pytest

from audit.models import AuditEvent
from patients.models import Patient
from tests.factories import PatientFactory

URL = "/patients/new/"

VALID = {
    "first_name": "Zoë",
    "last_name": "Müller",
    "date_of_birth": "1980-03-14",
    "sex": "female",
    "phone": "07700 900123",
    "email": "zoe@example.net",
    "preferred_contact": "email",
    "allow_email": "on",
}


@pytest.mark.django_db
def test_it_creates_a_patient_with_a_number_and_audits_it(client_for, front_desk):
    r = client_for(front_desk).post(URL, VALID)
    patient = Patient.objects.get()
    assert r.status_code == 302
    assert r["Location"] == f"/patients/{patient.uuid}/"
    assert patient.patient_number.startswith("P")
    event = AuditEvent.objects.get(action="patients.patient.created")
    assert event.actor == front_desk and event.patient == patient


@pytest.mark.django_db
def test_it_warns_about_a_possible_duplicate_and_saves_nothing(client_for, front_desk):
    existing = PatientFactory(first_name="Zoe", last_name="Muller", date_of_birth="1980-03-14")
    r = client_for(front_desk).post(URL, VALID)
    assert r.status_code == 200
    assert "may already be registered" in r.content.decode()
    assert existing.patient_number in r.content.decode()
    assert Patient.objects.count() == 1


@pytest.mark.django_db
def test_it_saves_a_confirmed_different_person(client_for, front_desk):
    PatientFactory(first_name="Zoe", last_name="Muller", date_of_birth="1980-03-14")
    r = client_for(front_desk).post(URL, {**VALID, "confirm_not_duplicate": "on"})
    assert r.status_code == 302
    assert Patient.objects.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change, field",
    [
        ({"first_name": ""}, "first_name"),
        ({"date_of_birth": "2999-01-01"}, "date_of_birth"),
        ({"date_of_birth": "1980-02-30"}, "date_of_birth"),
        ({"phone": "call me maybe"}, "phone"),
        ({"email": "", "preferred_contact": "email"}, "email"),
        ({"first_name": "x" * 500}, "first_name"),
        ({"sex": "robot"}, "sex"),
    ],
)
def test_it_rejects_bad_input_with_a_message_and_saves_nothing(
    client_for, front_desk, change, field
):
    r = client_for(front_desk).post(URL, {**VALID, **change})
    assert r.status_code == 200
    assert field in r.context["form"].errors
    assert Patient.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("htmx", [False, True])
def test_a_searched_name_with_no_match_is_carried_into_the_new_patient_form(
    client_for, front_desk, htmx
):
    client = client_for(front_desk)
    headers = {"HX-Request": "true"} if htmx else {}
    r = client.get("/patients/", {"q": "Harriet Okafor"}, headers=headers)
    link = "/patients/new/?first_name=Harriet&amp;last_name=Okafor"
    body = r.content.decode()
    assert "No patients found." in body
    assert f'id="new-patient-link" href="{link}"' in body
    if htmx:  # the header's button is outside the fragment: swapped out of band
        assert 'hx-swap-oob="true"' in body
    r = client.get(link.replace("&amp;", "&"))
    assert r.status_code == 200
    assert r.context["form"]["first_name"].value() == "Harriet"
    assert r.context["form"]["last_name"].value() == "Okafor"
    assert 'value="Harriet"' in r.content.decode()
    assert 'value="Okafor"' in r.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["07700 900123", "1980-03-14", ""])
def test_a_search_that_is_not_a_name_opens_an_empty_form(client_for, front_desk, query):
    r = client_for(front_desk).get("/patients/", {"q": query})
    assert 'id="new-patient-link" href="/patients/new/"' in r.content.decode()


@pytest.mark.django_db
def test_the_different_person_tickbox_shows_only_with_a_duplicate_on_screen(client_for, front_desk):
    client = client_for(front_desk)
    assert "this is a different person" not in client.get(URL).content.decode()
    r = client.post(URL, {**VALID, "first_name": ""})  # an error, but no duplicate
    assert r.status_code == 200
    assert "this is a different person" not in r.content.decode()
    PatientFactory(first_name="Zoe", last_name="Muller", date_of_birth="1980-03-14")
    r = client.post(URL, VALID)
    assert 'data-testid="duplicate-warning"' in r.content.decode()
    assert "this is a different person" in r.content.decode()
