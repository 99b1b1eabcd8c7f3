"""The navigation menu, per capability, so each role sees only its own entries."""

import uuid
from dataclasses import dataclass
from urllib.parse import urlencode

from django.urls import reverse

from accounts.roles import Capability


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    active: bool


# (label, url name, capability needed or None for everyone signed in). Booking
# and registering patients are buttons on the calendar, patient and home pages.
MENU = [
    ("Home", "home", None),
    ("Book online", "portal:book", Capability.USE_PORTAL),
    ("History", "portal:history", Capability.USE_PORTAL),
    ("Progress", "portal:progress", Capability.USE_PORTAL),
    ("Documents", "documents:mine", Capability.USE_PORTAL),
    ("Export", "portal:export", Capability.USE_PORTAL),
    ("Bills", "portal:billing", Capability.USE_PORTAL),
    ("Today", "records:today", Capability.RECORD_SESSIONS),
    ("Calendar", "scheduling:day", Capability.VIEW_CALENDAR),
    ("Patients", "patients:list", Capability.VIEW_PATIENTS),
    ("Find a time", "scheduling:find", Capability.VIEW_CALENDAR),
    ("Waitlist", "scheduling:waitlist", Capability.BOOK_APPOINTMENTS),
    ("Treatment floor", "records:floor", Capability.VIEW_FLOOR),
    ("Billing", "billing:home", Capability.BILL),
    ("Protocols", "records:protocols", Capability.RECORD_SESSIONS),
    ("Outcomes", "reports:outcomes", Capability.VIEW_CLINICAL),
    ("Practice reports", "reports:practice", Capability.BOOK_APPOINTMENTS),
    ("Practitioners", "practitioners:list", Capability.VIEW_PRACTITIONERS),
    ("Audit trail", "audit:search", Capability.MANAGE_CLINIC),
    ("Clinic admin", "admin:index", Capability.MANAGE_CLINIC),
]

# The signed-in user's own account, shown beside their name rather than in the menu.
ACCOUNT_MENU = [
    ("Security", "two_factor:status", Capability.MANAGE_OWN_SECURITY),
    ("Password", "password_change", None),
]


# Entries that keep the patient of the page one is on (?patient=<uuid>).
KEEPS_PATIENT = {"scheduling:find"}


def menu_for(user, current_path: str, menu=MENU, *, patient: str | None = None) -> list[NavItem]:
    entries = [
        (label, reverse(url_name), url_name in KEEPS_PATIENT)
        for label, url_name, capability in menu
        if capability is None or user.can(capability)
    ]
    # The entry whose URL is the longest prefix of the current path is active.
    matches = [
        url
        for _, url, _ in entries
        if current_path == url or (current_path.startswith(url) and url != "/")
    ]
    current = max(matches, key=len, default=None)
    return [
        NavItem(
            label,
            f"{url}?{urlencode({'patient': patient})}" if keeps and patient else url,
            url == current,
        )
        for label, url, keeps in entries
    ]


def patient_of_page(request) -> str | None:
    """The patient the current page is about: a patient page's own, or the one a
    booking or finding page names (?patient=). Checked where it is used."""
    match = getattr(request, "resolver_match", None)
    value = None
    if match is not None and match.namespace == "patients":
        value = match.kwargs.get("uuid")
    value = value or request.GET.get("patient")
    try:
        return str(uuid.UUID(str(value))) if value else None
    except ValueError:
        return None
