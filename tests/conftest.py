"""Shared fixtures: named personas for every role (STYLE.md, convention 13)."""

import os
import tempfile

import pytest
from django.db.backends.postgresql.operations import DatabaseOperations

from tests.factories import PatientFactory, PractitionerFactory, UserFactory

# Playwright's sync API runs an event loop in the test thread; the ORM calls in
# browser tests are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# Commands run in a subprocess (verify_audit after a restore) must not read a
# developer's checkpoints of another database.
os.environ["AUDIT_CHECKPOINT_FILE"] = os.path.join(
    tempfile.mkdtemp(prefix="clinic-tests-"), "no-audit-checkpoints"
)

_sql_flush = DatabaseOperations.sql_flush


def _sql_flush_past_the_guards(self, style, tables, **kwargs):
    """Transactional tests are emptied with TRUNCATE, which PostgreSQL refuses on
    clinical data and the audit trail (statement triggers). Replica mode skips
    those triggers for the flush's one transaction; only a superuser may set
    it, as the test database's role is (an application role cannot)."""
    statements = _sql_flush(self, style, tables, **kwargs)
    return ["SET LOCAL session_replication_role = replica", *statements] if statements else []


DatabaseOperations.sql_flush = _sql_flush_past_the_guards


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Tests log in hundreds of times; the slow production hasher adds nothing here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def session_saved_on_every_request(settings):
    """Query budgets count the worst case: a request that renews the session's idle
    expiry (savepoint, session save, release). In production that is at most one
    request a minute (clinic.middleware.RefreshSessionMiddleware, tested with the
    real interval in tests/clinic/test_database_unavailable.py)."""
    settings.SESSION_REFRESH_SECONDS = 0


@pytest.fixture(autouse=True)
def audit_checkpoints_of_this_test(settings, tmp_path):
    """Each test has its own (at first missing) audit checkpoint file."""
    settings.AUDIT_CHECKPOINT_FILE = tmp_path / "audit-checkpoints"


@pytest.fixture(autouse=True)
def documents_in_a_folder_of_the_test(settings, tmp_path, monkeypatch):
    """Uploaded documents go to this test's own folder, never the project's (in
    commands run in a subprocess too, such as scripts/backup and restore)."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private-media"
    monkeypatch.setenv("PRIVATE_MEDIA_ROOT", str(settings.PRIVATE_MEDIA_ROOT))
    settings.STORAGES = settings.STORAGES | {
        "documents": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": settings.PRIVATE_MEDIA_ROOT, "base_url": "/no-direct-access/"},
        }
    }


@pytest.fixture(autouse=True)
def base_url_of_the_test_server(settings):
    """Links in e-mails start with CLINIC_BASE_URL: in tests, the test client's host."""
    settings.CLINIC_BASE_URL = "http://testserver"


@pytest.fixture
def clinic_admin(db):
    return UserFactory(clinic_admin=True, email="admin@clinic.test", full_name="Ada Admin")


@pytest.fixture
def front_desk(db):
    return UserFactory(email="desk@clinic.test", full_name="Fran Desk")


@pytest.fixture
def practitioner(db):
    return PractitionerFactory(user__email="prac@clinic.test", user__full_name="Pat Practitioner")


@pytest.fixture
def other_practitioner(db):
    return PractitionerFactory(user__email="other.prac@clinic.test", user__full_name="Olly Other")


@pytest.fixture
def patient_a(db):
    user = UserFactory(patient=True, email="alice@patient.test", full_name="Alice Able")
    # A fixed address: the isolation tests look for patient B's names ("Baker")
    # in A's pages, and a random street could be called Baker.
    return PatientFactory(
        first_name="Alice",
        last_name="Able",
        user=user,
        address_line1="1 Able Row",
        city="Bristol",
        emergency_contact_name="Ann Able",
    )


@pytest.fixture
def patient_b(db):
    user = UserFactory(patient=True, email="bob@patient.test", full_name="Bob Baker")
    return PatientFactory(first_name="Bob", last_name="Baker", user=user)


@pytest.fixture
def personas(clinic_admin, front_desk, practitioner, patient_a):
    """Each role's user, keyed by the role names the access matrix uses."""
    return {
        "anonymous": None,
        "patient": patient_a.user,
        "front_desk": front_desk,
        "practitioner": practitioner.user,
        "clinic_admin": clinic_admin,
    }


@pytest.fixture
def client_for(client):
    """Log the test client in as a user (or not at all, for None)."""

    def login(user):
        client.logout()
        if user is not None:
            client.force_login(user)
        return client

    return login


# Transactional tests (and the browser tests' live server) must use
# serialized_rollback=True: Django empties the database after each one, and
# the data that migrations load (the acupoint catalogue) has to come back.


@pytest.fixture(autouse=True)
def text_messages_kept_in_memory(settings):
    """Text messages go to notifications.sms.gateways.outbox, like mail.outbox."""
    from notifications.sms import gateways

    settings.SMS_URL = "locmem://"
    gateways.outbox.clear()
    yield gateways.outbox
    gateways.outbox.clear()
