from datetime import date, datetime

DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y")


def parse_date(text: str) -> date | None:
    """A date of birth typed into the search box, in the formats people use."""
    for fmt in DATE_FORMATS:
        try:
            parsed = datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        if parsed.year >= 1900:
            return parsed
    return None


NAME_CHARACTERS = frozenset(" -'’.")


def name_from_query(text: str) -> dict[str, str]:
    """A search that looked like a name ("Harriet Okafor"), as the new-patient
    form's first and last name: the last word is the last name. Anything else
    (a phone, a date, a patient number) gives nothing."""
    words = text.split()
    if not words or not all(ch.isalpha() or ch in NAME_CHARACTERS for ch in text):
        return {}
    if len(words) == 1:
        return {"last_name": words[0][:100]}
    return {"first_name": " ".join(words[:-1])[:100], "last_name": words[-1][:100]}
