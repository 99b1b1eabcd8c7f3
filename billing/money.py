"""Money is Decimal with two places (the minor unit of GBP, EUR and USD), never float."""

from decimal import ROUND_HALF_UP, Decimal

from django.db import models

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
MAX_DIGITS = 10  # up to 99,999,999.99


def money_field(verbose_name=None, **kwargs) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=MAX_DIGITS, decimal_places=2, **kwargs)


def quantize(value: Decimal) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def tax_on(net: Decimal, rate_percent: Decimal) -> Decimal:
    return quantize(net * rate_percent / Decimal(100))
