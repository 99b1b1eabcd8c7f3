"""How audit events are shown to the clinic admin, on the audit pages, in the
CSV export and in the Django admin: the same rule everywhere.

The clinic admin has no clinical capability, so an event's data is shown as its
keys only, plus the names of changed fields (never their old or new values) for
events that are not clinical. No value ever: a key's value may be a clinical
fact ({"kind": "pregnancy_point"}, {"acupoint": "BL25"}) whatever the action.
"""

# Actions whose data may describe clinical matters: keys only, whatever the key.
CLINICAL_ACTION_PREFIXES = ("sessions.", "patients.clinical_flags")
# Keys whose values are field names, shown (as names only) for other actions.
FIELD_NAME_KEYS = frozenset({"changed_fields"})


def describe_data(action: str, data) -> str:
    """An event's data for the clinic admin: the keys, and field names for
    ``changed_fields``; never a value."""
    if not isinstance(data, dict) or not data:
        return ""
    clinical = action.startswith(CLINICAL_ACTION_PREFIXES)
    parts = []
    for key in sorted(data):
        value = data[key]
        if key in FIELD_NAME_KEYS and not clinical and isinstance(value, dict | list):
            names = ", ".join(sorted(str(name) for name in value))
            parts.append(f"{key}: {names}" if names else key)
        else:
            parts.append(key)
    return "; ".join(parts)
