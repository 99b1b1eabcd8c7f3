"""Pages are not kept by the browser: Back after logging out on a shared
front-desk computer must not show a patient's data again (issue 12.5)."""

import pytest


def no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "url"),
    [
        ("front_desk", "/patients/"),
        ("front_desk", "/calendar/"),
        ("front_desk", "/records/floor/"),
        ("practitioner", "/records/floor/"),
        ("clinic_admin", "/audit/"),
        ("clinic_admin", "/admin/patients/patient/"),
        ("patient", "/portal/"),
        ("patient", "/portal/history/"),
    ],
)
def test_pages_with_patient_data_are_not_stored(client, personas, role, url):
    client.force_login(personas[role])
    response = client.get(url, follow=True)
    assert response.status_code == 200
    assert no_store(response), response.get("Cache-Control")
    assert "private" in response["Cache-Control"]


@pytest.mark.django_db
def test_a_patients_record_is_not_stored(client, front_desk, patient_a):
    client.force_login(front_desk)
    response = client.get(f"/patients/{patient_a.uuid}/")
    assert response.status_code == 200 and no_store(response)


@pytest.mark.django_db
def test_redirects_and_errors_of_signed_in_users_are_not_stored(client, patient_a):
    client.force_login(patient_a.user)
    assert no_store(client.get("/patients/"))  # 403
    assert no_store(client.get("/no-such-page/"))  # 404


@pytest.mark.django_db
def test_static_files_may_still_be_cached(client):
    response = client.get("/static/favicon.svg")
    assert response.status_code == 200
    assert not no_store(response)
