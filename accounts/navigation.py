"""The navigation menu, per capability, so each role sees only its own entries."""

from dataclasses import dataclass

from django.urls import reverse

from accounts.roles import Capability


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    active: bool


# (label, url name, capability needed or None for everyone signed in)
MENU = [
    ("Home", "home", None),
    ("Patients", "patients:list", Capability.VIEW_PATIENTS),
    ("Book", "scheduling:book", Capability.BOOK_APPOINTMENTS),
    ("New patient", "patients:create", Capability.EDIT_PATIENTS),
    ("Practitioners", "practitioners:list", Capability.VIEW_PRACTITIONERS),
    ("Clinic admin", "admin:index", Capability.MANAGE_CLINIC),
]


def menu_for(user, current_path: str) -> list[NavItem]:
    entries = [
        (label, reverse(url_name))
        for label, url_name, capability in MENU
        if capability is None or user.can(capability)
    ]
    # The entry whose URL is the longest prefix of the current path is active.
    matches = [
        url
        for _, url in entries
        if current_path == url or (current_path.startswith(url) and url != "/")
    ]
    current = max(matches, key=len, default=None)
    return [NavItem(label, url, url == current) for label, url in entries]
