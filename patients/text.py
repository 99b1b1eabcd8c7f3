"""Accent- and case-folding shared by Python and PostgreSQL.

The embedded PostgreSQL has no contrib extensions, so ``unaccent`` is not
available. Instead a generated column folds names with ``translate()`` over the
table below (and ``lower()``), and search terms are folded the same way in
Python with ``fold()``. Both sides come from the same ``_PAIRS`` table.
"""

import unicodedata

from django.db.models import Func, Value
from django.db.models.functions import Lower


def _build_pairs() -> tuple[str, str]:
    src, dst = [], []
    # Latin-1 Supplement and Latin Extended-A: letters with diacritics.
    for code in range(0x00C0, 0x0180):
        ch = chr(code)
        base = unicodedata.normalize("NFKD", ch)[0]
        if base != ch and base.isascii() and base.isalpha():
            src.append(ch)
            dst.append(base.lower())
    # Letters that do not decompose but are read as a plain letter.
    for ch, plain in {
        "Ø": "o",
        "ø": "o",
        "Đ": "d",
        "đ": "d",
        "Ł": "l",
        "ł": "l",
        "Ħ": "h",
        "ħ": "h",
    }.items():
        src.append(ch)
        dst.append(plain)
    return "".join(src), "".join(dst)


_FROM, _TO = _build_pairs()
_TABLE = str.maketrans(_FROM, _TO)


def fold(text: str) -> str:
    """Lower-case ASCII-folded text, exactly as the database's ``Fold`` computes it."""
    return text.translate(_TABLE).lower()


def fold_sql(expression):
    """SQL: lower(translate(expr, accented letters, plain letters)).

    ``translate`` runs first so that the result does not depend on the
    database's locale (under the C locale ``lower()`` leaves É alone).
    """
    return Lower(Func(expression, Value(_FROM), Value(_TO), function="translate"))


def digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())
