import pytest


@pytest.mark.django_db
def test_healthz_says_ok_without_details(client):
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json() == {"status": "ok"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "role, heading",
    [
        ("front_desk", "Front desk"),
        ("practitioner", "Good day"),
        ("clinic_admin", "Clinic admin"),
        ("patient", "Welcome"),
    ],
)
def test_each_role_has_its_own_home_page(client_for, personas, role, heading):
    r = client_for(personas[role]).get("/")
    assert r.status_code == 200
    assert heading in r.content.decode()


@pytest.mark.django_db
def test_the_404_page_is_friendly(client_for, front_desk):
    r = client_for(front_desk).get("/no-such-page/")
    assert r.status_code == 404
    assert "couldn't find that page" in r.content.decode()


def test_the_500_page_renders_without_a_request_context(rf):
    from clinic.views import server_error

    r = server_error(rf.get("/"))
    assert r.status_code == 500
    assert "Something went wrong" in r.content.decode()


@pytest.mark.django_db
def test_the_practitioner_sees_an_expired_licence_warning(client_for, practitioner):
    import datetime

    practitioner.licence_expiry = datetime.date(2020, 1, 1)
    practitioner.save(update_fields=["licence_expiry"])
    r = client_for(practitioner.user).get("/")
    assert "Licence expired" in r.content.decode()


@pytest.mark.django_db
def test_pages_carry_security_headers_and_a_strict_csp(client_for, front_desk):
    r = client_for(front_desk).get("/patients/")
    csp = r["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert r["X-Frame-Options"] == "DENY"
    assert r["X-Content-Type-Options"] == "nosniff"
    assert "<script>" not in r.content.decode()
