from decimal import Decimal

from django import template

register = template.Library()

SYMBOLS = {"GBP": "£", "EUR": "€", "USD": "$", "AUD": "A$", "CAD": "C$", "NZD": "NZ$"}


@register.filter
def money(amount, currency="GBP") -> str:
    """12.5, "GBP" → "£12.50"; a negative amount → "−£12.50"."""
    if amount in (None, ""):
        return ""
    value = Decimal(amount)
    sign = "−" if value < 0 else ""
    return f"{sign}{SYMBOLS.get(currency, currency + ' ')}{abs(value):,.2f}"
