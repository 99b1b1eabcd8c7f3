"""Who may do what: the one place that maps roles to capabilities.

Views never test a role directly; they ask for a capability through
``accounts.access.require`` (or ``user.can(...)``), so changing what a role may
do means changing this table and nothing else.
"""

from enum import StrEnum

from django.db import models


class Role(models.TextChoices):
    CLINIC_ADMIN = "clinic_admin", "Clinic admin"
    FRONT_DESK = "front_desk", "Front desk"
    PRACTITIONER = "practitioner", "Practitioner"
    PATIENT = "patient", "Patient"


class Capability(StrEnum):
    # Demographics, contact details, search, create and edit patients.
    VIEW_PATIENTS = "view_patients"
    EDIT_PATIENTS = "edit_patients"
    # Archive and restore a patient's record (it is never deleted).
    ARCHIVE_PATIENTS = "archive_patients"
    # Clinical flags (pregnancy, pacemaker, ...) and, later, clinical notes.
    VIEW_CLINICAL = "view_clinical"
    EDIT_CLINICAL = "edit_clinical"
    # The calendar: every practitioner's appointments (no clinical notes).
    VIEW_CALENDAR = "view_calendar"
    # Book, move, cancel and check in anyone's appointments; keep the waitlist.
    BOOK_APPOINTMENTS = "book_appointments"
    # Change the appointments of one's own calendar.
    EDIT_OWN_APPOINTMENTS = "edit_own_appointments"
    # Write one's own treatment records (practitioners with a profile).
    RECORD_SESSIONS = "record_sessions"
    # The treatment-floor board: running retentions by room (no clinical notes).
    VIEW_FLOOR = "view_floor"
    # The practitioner directory.
    VIEW_PRACTITIONERS = "view_practitioners"
    # Staff, rooms, appointment types, settings; the Django admin.
    MANAGE_CLINIC = "manage_clinic"
    # Fees, invoices, payments, refunds, packages and billing reports (billing/).
    BILL = "bill"
    # The patient's own portal.
    USE_PORTAL = "use_portal"
    # One's own sign-in security: two-factor authentication (staff only).
    MANAGE_OWN_SECURITY = "manage_own_security"


STAFF_ROLES = frozenset({Role.CLINIC_ADMIN, Role.FRONT_DESK, Role.PRACTITIONER})

CAPABILITIES: dict[str, frozenset[Capability]] = {
    Role.CLINIC_ADMIN: frozenset(
        {
            Capability.VIEW_PATIENTS,
            Capability.EDIT_PATIENTS,
            Capability.ARCHIVE_PATIENTS,
            Capability.VIEW_PRACTITIONERS,
            Capability.MANAGE_CLINIC,
            Capability.VIEW_CALENDAR,
            Capability.BOOK_APPOINTMENTS,
            Capability.BILL,
            Capability.MANAGE_OWN_SECURITY,
        }
    ),
    Role.FRONT_DESK: frozenset(
        {
            Capability.VIEW_PATIENTS,
            Capability.EDIT_PATIENTS,
            Capability.ARCHIVE_PATIENTS,
            Capability.VIEW_PRACTITIONERS,
            Capability.VIEW_CALENDAR,
            Capability.BOOK_APPOINTMENTS,
            Capability.VIEW_FLOOR,
            Capability.BILL,
            Capability.MANAGE_OWN_SECURITY,
        }
    ),
    Role.PRACTITIONER: frozenset(
        {
            Capability.VIEW_PATIENTS,
            Capability.EDIT_PATIENTS,
            Capability.VIEW_CLINICAL,
            Capability.EDIT_CLINICAL,
            Capability.VIEW_PRACTITIONERS,
            Capability.VIEW_CALENDAR,
            Capability.EDIT_OWN_APPOINTMENTS,
            Capability.RECORD_SESSIONS,
            Capability.VIEW_FLOOR,
            Capability.MANAGE_OWN_SECURITY,
        }
    ),
    Role.PATIENT: frozenset({Capability.USE_PORTAL}),
}


def capabilities_of(role: str) -> frozenset[Capability]:
    return CAPABILITIES.get(role, frozenset())
