from django import template

from patients import phones

register = template.Library()


@register.filter
def phone(stored: str) -> str:
    """{{ patient.phone|phone }}: an E.164 number as people write it in the
    clinic's country ("07700 900123"), a foreign one internationally
    ("+33 6 12 34 56 78"); anything else as stored."""
    return phones.display(stored or "")
