"""The access matrix: every URL of the site, requested as every role.

Each URL pattern (found by walking the root resolver, see tests/access.py) must
have a row in MATRIX below; a new URL without a row fails
``test_every_url_has_a_row``. Each row says how to request the URL and what
each role must get: a status code, or a Redirect (LOGIN and ADMIN_LOGIN carry
the requested path in ``next``).

The expectations are what is right for the clinic, read from the views and
from Django's admin code, not copied from whatever the code happens to do.
"""

from types import SimpleNamespace

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import record
from clinic.models import ClinicSettings
from tests.access import ROLES, Redirect, Row, build_path, url_patterns

GET, POST = "GET", "POST"

LOGIN = Redirect("/accounts/login/?next={next}")
ADMIN_LOGIN = Redirect("/admin/login/?next={next}")
HOME = Redirect("/")
LOGGED_OUT = Redirect("/accounts/login/")  # LOGOUT_REDIRECT_URL
ADMIN_INDEX = Redirect("/admin/")
TO_PATIENT = Redirect("/patients/{uuid}/")


def own_record(o):
    return {"uuid": o.patient_a.uuid}  # patient_a is the `patient` persona's own record


def other_patients_record(o):
    return {"uuid": o.patient_b.uuid}


def archived_own_record(o):
    o.patient_a.archived_at = timezone.now()
    o.patient_a.save(update_fields=["archived_at"])
    return own_record(o)


def no_such_patient(o):
    return {"uuid": "00000000-0000-4000-8000-000000000000"}


def a_practitioner(o):
    return {"uuid": o.practitioner.uuid}


# Staff pages: anonymous to the login page, patients refused, every staff role in.
def staff_page(**kwargs) -> Row:
    return Row(
        GET,
        anonymous=LOGIN,
        patient=403,
        front_desk=200,
        practitioner=200,
        clinic_admin=200,
        **kwargs,
    )


# fmt: off
MATRIX: dict[str, Row | tuple[Row, ...]] = {
    # --- Public and every-signed-in-user pages ---------------------------------
    "healthz": Row(GET, anonymous=200, patient=200, front_desk=200, practitioner=200, clinic_admin=200),
    "home": Row(GET, anonymous=LOGIN, patient=200, front_desk=200, practitioner=200, clinic_admin=200),
    # redirect_authenticated_user: a signed-in user is sent home.
    "login": Row(GET, anonymous=200, patient=HOME, front_desk=HOME, practitioner=HOME, clinic_admin=HOME),
    "logout": Row(POST, anonymous=LOGIN, patient=LOGGED_OUT, front_desk=LOGGED_OUT, practitioner=LOGGED_OUT, clinic_admin=LOGGED_OUT),
    "password_change": Row(GET, anonymous=LOGIN, patient=200, front_desk=200, practitioner=200, clinic_admin=200),
    "password_change_done": Row(GET, anonymous=LOGIN, patient=200, front_desk=200, practitioner=200, clinic_admin=200),
    # --- Patients: staff only; a patient gets no staff page, not even their own record
    "patients:list": staff_page(),
    "patients:create": staff_page(),
    # Object level: a patient asking for another patient's record must not get it
    # (403: patients have no staff capability at all); unknown records are 404.
    "patients:detail": (
        staff_page(kwargs=own_record),
        staff_page(kwargs=other_patients_record, variant="another patient's record"),
        Row(GET, anonymous=LOGIN, patient=403, front_desk=404, practitioner=404, clinic_admin=404, kwargs=no_such_patient, variant="no such record"),
    ),
    "patients:edit": (
        staff_page(kwargs=own_record),
        staff_page(kwargs=other_patients_record, variant="another patient's record"),
    ),
    # Clinical flags: practitioners only; front desk and clinic admin have no clinical access.
    "patients:flags-edit": (
        Row(GET, anonymous=LOGIN, patient=403, front_desk=403, practitioner=200, clinic_admin=403, kwargs=own_record),
        Row(GET, anonymous=LOGIN, patient=403, front_desk=403, practitioner=200, clinic_admin=403, kwargs=other_patients_record, variant="another patient's record"),
    ),
    # Archive and restore: POST only; front desk and clinic admin, not practitioners.
    "patients:archive": (
        Row(POST, anonymous=LOGIN, patient=403, front_desk=TO_PATIENT, practitioner=403, clinic_admin=TO_PATIENT, kwargs=own_record),
        Row(POST, anonymous=LOGIN, patient=403, front_desk=TO_PATIENT, practitioner=403, clinic_admin=TO_PATIENT, kwargs=other_patients_record, variant="another patient's record"),
        Row(GET, anonymous=LOGIN, patient=405, front_desk=405, practitioner=405, clinic_admin=405, kwargs=own_record, variant="GET"),
    ),
    "patients:restore": (
        Row(POST, anonymous=LOGIN, patient=403, front_desk=TO_PATIENT, practitioner=403, clinic_admin=TO_PATIENT, kwargs=archived_own_record),
        Row(GET, anonymous=LOGIN, patient=405, front_desk=405, practitioner=405, clinic_admin=405, kwargs=archived_own_record, variant="GET"),
    ),
    # --- Practitioners: the directory is for staff ---------------------------------
    "practitioners:list": staff_page(),
    "practitioners:detail": staff_page(kwargs=a_practitioner),
}
# fmt: on


# --- Scheduling: staff see every calendar; practitioners change only their own ---


def _appointment(practitioner, patient):
    from tests.factories.scheduling import AppointmentFactory

    return AppointmentFactory(practitioner=practitioner, patient=patient)


def own_appointment(o):
    """An appointment in the `practitioner` persona's own calendar."""
    return {"uuid": _appointment(o.practitioner, o.patient_a).uuid}


def others_appointment(o):
    """An appointment in another practitioner's calendar."""
    from tests.factories import PractitionerFactory

    return {"uuid": _appointment(PractitionerFactory(), o.patient_b).uuid}


def no_such_appointment(o):
    return {"uuid": "00000000-0000-4000-8000-000000000000"}


TO_APPOINTMENT = Redirect("/calendar/appointments/{uuid}/")


def change_page(kwargs, variant="", practitioner=200, method=GET, ok=200) -> Row:
    """A page that changes an appointment: front desk and admin any, practitioners their own."""
    return Row(
        method,
        anonymous=LOGIN,
        patient=403,
        front_desk=ok,
        practitioner=practitioner,
        clinic_admin=ok,
        kwargs=kwargs,
        variant=variant,
    )


# fmt: off
MATRIX |= {
    "scheduling:book": staff_page(),
    "scheduling:patient-options": staff_page(query="q=able"),
    "scheduling:appointment": (
        staff_page(kwargs=own_appointment),
        staff_page(kwargs=others_appointment, variant="another practitioner's appointment"),
        Row(GET, anonymous=LOGIN, patient=403, front_desk=404, practitioner=404, clinic_admin=404, kwargs=no_such_appointment, variant="no such appointment"),
    ),
    "scheduling:move": (
        change_page(own_appointment),
        change_page(others_appointment, "another practitioner's appointment", practitioner=403),
    ),
    "scheduling:cancel": (
        change_page(own_appointment),
        change_page(others_appointment, "another practitioner's appointment", practitioner=403),
    ),
    # POST without a status: nothing changes and the page says so.
    "scheduling:status": (
        change_page(own_appointment, method=POST, ok=TO_APPOINTMENT, practitioner=TO_APPOINTMENT),
        change_page(others_appointment, "another practitioner's appointment", method=POST, ok=TO_APPOINTMENT, practitioner=403),
        Row(GET, anonymous=LOGIN, patient=405, front_desk=405, practitioner=405, clinic_admin=405, kwargs=own_appointment, variant="GET"),
    ),
}
# fmt: on


# --- The Django admin: for the clinic admin (is_staff) only ---------------------
#
# Signed-in non-staff users are sent to the admin login by AdminSite.admin_view.
# Anonymous users are stopped before that, by LoginRequiredMiddleware, which goes
# to the view's ``login_url``: AdminSite.get_urls() sets it to the admin login on
# the site-wide views, but ModelAdmin.get_urls() and UserAdmin's password URL do
# not, so on model pages anonymous users are sent to the app's login (LOGIN).


def admin_row(clinic_admin, *, anonymous=ADMIN_LOGIN, method=GET, **kwargs) -> Row:
    return Row(
        method,
        anonymous=anonymous,
        patient=ADMIN_LOGIN,
        front_desk=ADMIN_LOGIN,
        practitioner=ADMIN_LOGIN,
        clinic_admin=clinic_admin,
        **kwargs,
    )


def model_admin_row(clinic_admin, **kwargs) -> Row:
    return admin_row(clinic_admin, anonymous=LOGIN, **kwargs)


# Every app label with a registered ModelAdmin (the admin:app_list regex).
ADMIN_APP_LABELS = (
    "auth", "axes", "accounts", "audit", "clinic", "patients", "practitioners", "scheduling",
)  # fmt: skip

# fmt: off
MATRIX |= {
    "admin:index": admin_row(200),
    # The login form is public; a signed-in non-staff user sees it too (with "not
    # authorised"); the clinic admin is sent to the index.
    "admin:login": Row(GET, anonymous=200, patient=200, front_desk=200, practitioner=200, clinic_admin=ADMIN_INDEX),
    # admin_view sends a signed-in non-staff user from the logout URL to the index
    # (which asks for the admin login); the clinic admin is logged out to
    # LOGOUT_REDIRECT_URL.
    "admin:logout": Row(POST, anonymous=ADMIN_LOGIN, patient=ADMIN_INDEX, front_desk=ADMIN_INDEX, practitioner=ADMIN_INDEX, clinic_admin=LOGGED_OUT),
    "admin:password_change": admin_row(200),
    "admin:password_change_done": admin_row(200),
    "admin:autocomplete": admin_row(
        200, query="app_label=practitioners&model_name=practitioner&field_name=user&term=a"
    ),
    "admin:jsi18n": admin_row(200),
    # No model has get_absolute_url(), so "view on site" finds nothing.
    "admin:view_on_site": admin_row(
        404,
        kwargs=lambda o: {
            "content_type_id": ContentType.objects.get_for_model(o.patient_a).pk,
            "object_id": o.patient_a.pk,
        },
    ),
    "admin:app_list": tuple(
        admin_row(200, kwargs=lambda o, label=label: {"app_label": label}, variant=label)
        for label in ADMIN_APP_LABELS
    ),
    # AdminSite.catch_all_view: 404 for a signed-in admin, the login for everyone else.
    "admin:admin/(?P<url>.*)$": admin_row(404, path="/admin/no-such-page/"),
    # UserAdmin's own URL (named auth_user_password_change whatever the user model).
    "admin:auth_user_password_change": model_admin_row(
        200, kwargs=lambda o: {"id": o.clinic_admin.pk}
    ),
}
# fmt: on


def make_group(o):
    return Group.objects.create(name="Reception")


def make_access_attempt(o):
    return AccessAttempt.objects.create(
        **_axes_fields(), get_data="", post_data="", failures_since_start=1
    )


def make_access_log(o):
    return AccessLog.objects.create(**_axes_fields())


def make_access_failure_log(o):
    return AccessFailureLog.objects.create(**_axes_fields(), locked_out=False)


def make_user(o):
    return o.clinic_admin  # the admin's own account: accounts are never deleted anyway


def make_audit_event(o):
    return record("access_matrix.checked", actor=o.clinic_admin, patient=o.patient_a)


def make_clinic_settings(o):
    return ClinicSettings.load()


def make_patient(o):
    return o.patient_a


def make_practitioner(o):
    return o.practitioner


def make_room(o):
    from tests.factories.scheduling import RoomFactory

    return RoomFactory()


def make_appointment_type(o):
    from tests.factories.scheduling import AppointmentTypeFactory

    return AppointmentTypeFactory()


def make_working_hours(o):
    from tests.factories.scheduling import WorkingHoursFactory

    return WorkingHoursFactory(practitioner=o.practitioner)


def make_exception(o):
    import datetime

    from tests.factories.scheduling import AvailabilityExceptionFactory

    start = datetime.datetime(2030, 1, 7, 9, tzinfo=datetime.UTC)
    return AvailabilityExceptionFactory(
        practitioner=o.practitioner, start_at=start, end_at=start + datetime.timedelta(hours=2)
    )


def make_closure(o):
    import datetime

    from tests.factories.scheduling import ClinicClosureFactory

    return ClinicClosureFactory(
        start_date=datetime.date(2030, 12, 25), end_date=datetime.date(2030, 12, 26)
    )


def _axes_fields():
    return {
        "user_agent": "pytest",
        "ip_address": "192.0.2.1",
        "username": "someone@clinic.test",
        "http_accept": "text/html",
        "path_info": "/accounts/login/",
    }


# What the clinic admin (a superuser) gets on each registered model's pages;
# everyone else gets the admin login. 403 is the ModelAdmin refusing: no
# has_add_permission (axes, audit) or no has_delete_permission (records that
# are deactivated or archived, never deleted; the append-only audit trail).
# A ModelAdmin without has_change_permission still shows its change page, read-only.
# fmt: off
ADMIN_MODELS = {
    # model                       make                      changelist add  history change delete
    "auth.group":                 (make_group,              200,       200, 200,    200,   200),
    "axes.accessattempt":         (make_access_attempt,     200,       403, 200,    200,   200),
    "axes.accesslog":             (make_access_log,         200,       403, 200,    200,   200),
    "axes.accessfailurelog":      (make_access_failure_log, 200,       403, 200,    200,   200),
    "accounts.user":              (make_user,               200,       200, 200,    200,   403),
    "audit.auditevent":           (make_audit_event,        200,       403, 200,    200,   403),
    "clinic.clinicsettings":      (make_clinic_settings,    200,       200, 200,    200,   403),  # add: 2 rows below
    "patients.patient":           (make_patient,            200,       200, 200,    200,   403),
    "practitioners.practitioner": (make_practitioner,       200,       200, 200,    200,   403),
    "scheduling.room":            (make_room,               200,       200, 200,    200,   403),
    "scheduling.appointmenttype": (make_appointment_type,   200,       200, 200,    200,   403),
    "scheduling.workinghours":    (make_working_hours,      200,       200, 200,    200,   200),
    "scheduling.availabilityexception": (make_exception,    200,       200, 200,    200,   200),
    "scheduling.clinicclosure":   (make_closure,            200,       200, 200,    200,   200),
}
# fmt: on


def _admin_model_rows(label, make_object, changelist, add, history, change, delete):
    app, model = label.split(".")

    def object_id(o):
        return {"object_id": make_object(o).pk}

    return {
        f"admin:{app}_{model}_changelist": model_admin_row(changelist),
        f"admin:{app}_{model}_add": model_admin_row(add),
        f"admin:{app}_{model}_history": model_admin_row(history, kwargs=object_id),
        f"admin:{app}_{model}_change": model_admin_row(change, kwargs=object_id),
        f"admin:{app}_{model}_delete": model_admin_row(delete, kwargs=object_id),
        # The pre-1.9 change URL, kept by Django as a redirect to the change page.
        f"admin:admin/{app}/{model}/<path:object_id>/": model_admin_row(
            Redirect(f"/admin/{app}/{model}/{{object_id}}/change/"), kwargs=object_id
        ),
    }


for _label, _spec in ADMIN_MODELS.items():
    MATRIX |= _admin_model_rows(_label, *_spec)


def with_clinic_settings(o):
    make_clinic_settings(o)
    return {}


# One row of clinic settings: it may be added only while there is none.
MATRIX["admin:clinic_clinicsettings_add"] = (
    model_admin_row(200, variant="no settings yet"),
    model_admin_row(403, kwargs=with_clinic_settings, variant="settings exist"),
)


# --- The tests ------------------------------------------------------------------

URLS, DUPLICATE_NAMES = url_patterns()
URL_BY_NAME = {entry.name: entry for entry in URLS}


def rows_of(name):
    rows = MATRIX[name]
    return rows if isinstance(rows, tuple) else (rows,)


def test_every_url_has_a_row():
    enumerated = set(URL_BY_NAME)
    missing = sorted(enumerated - MATRIX.keys())
    stale = sorted(MATRIX.keys() - enumerated)
    assert not missing and not stale, (
        f"URLs without a row in MATRIX: {missing}; MATRIX rows for URLs that no longer exist: {stale}"
    )
    assert not DUPLICATE_NAMES, f"URL names used by more than one pattern: {DUPLICATE_NAMES}"


def test_admin_app_labels_are_all_covered():
    from django.contrib import admin

    registered = {model._meta.app_label for model in admin.site._registry}
    assert registered == set(ADMIN_APP_LABELS)


def _cases():
    for name in MATRIX:
        for row in rows_of(name):
            for role in ROLES:
                label = f"{name}[{row.variant}]" if row.variant else name
                marks = [pytest.mark.skip(reason=row.skip)] if row.skip else []
                yield pytest.param(name, row, role, id=f"{label}-{role}", marks=marks)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Before the personas are made: hashing five passwords per case with the
    # default hasher would make the matrix slow.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def objects(clinic_admin, front_desk, practitioner, patient_a, patient_b):
    return SimpleNamespace(
        clinic_admin=clinic_admin,
        front_desk=front_desk,
        practitioner=practitioner,
        patient_a=patient_a,
        patient_b=patient_b,
    )


@pytest.mark.parametrize(("name", "row", "role"), list(_cases()))
def test_access(name, row, role, client, personas, objects):
    entry = URL_BY_NAME.get(name)
    if entry is None:
        pytest.fail(f"{name} is in MATRIX but not a URL of the site (see test_every_url_has_a_row)")
    kwargs = row.kwargs(objects)
    path = build_path(entry, row, kwargs)
    if personas[role] is not None:
        client.force_login(personas[role])

    response = client.generic(row.method, path)

    expected = row.expected(role)
    got = response.status_code
    request = f"{row.method} {path} as {role}"
    if isinstance(expected, Redirect):
        location = expected.location(path, kwargs)
        assert (got, response.get("Location")) == (expected.status, location), request
    else:
        where = f" (to {response['Location']})" if response.has_header("Location") else ""
        assert got == expected, f"{request}: {got}{where}, expected {expected}"


# --- Leaks the status matrix cannot see ------------------------------------------
# The clinic admin has no clinical capability (accounts/roles.py); the Django
# admin must not hand it clinical flags by another route.


def test_clinic_admin_cannot_read_clinical_flags_in_the_audit_admin(
    client, clinic_admin, practitioner, patient_a
):
    client.force_login(practitioner.user)
    client.post(
        f"/patients/{patient_a.uuid}/clinical-flags/",
        {"version": patient_a.version, "other_allergies": "Penicillin-ZZ"},
    )
    event = AuditEvent.objects.get(action="patients.clinical_flags.changed")
    assert event.data == {"changed_fields": ["other_allergies"]}
    client.force_login(clinic_admin)
    response = client.get(f"/admin/audit/auditevent/{event.pk}/change/")
    assert response.status_code == 200
    assert "Penicillin-ZZ" not in response.content.decode()


def test_clinic_admin_cannot_filter_patients_by_clinical_flags(client, clinic_admin):
    from tests.factories import PatientFactory

    PatientFactory(last_name="Expecting", is_pregnant=True)
    client.force_login(clinic_admin)
    response = client.get("/admin/patients/patient/?is_pregnant__exact=1")
    assert "Expecting" not in response.content.decode()
