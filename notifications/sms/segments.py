"""How many SMS segments a text takes (3GPP TS 23.038).

A text made only of the GSM 03.38 default alphabet goes as GSM-7: 160
characters in one segment, or 153 per segment when split (the rest carries
the concatenation header); characters of the extension table (``{ } [ ] ~ \\ |
^ €`` and form feed) take two. Anything else sends the whole text as UCS-2:
70 UTF-16 code units, or 67 per segment when split (an emoji takes two).
"""

from __future__ import annotations

import math

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

GSM7 = "GSM-7"
UCS2 = "UCS-2"


def encoding(text: str) -> str:
    return GSM7 if all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in text) else UCS2


def length(text: str) -> int:
    """The text's length in its encoding's units (septets or UTF-16 code units)."""
    if encoding(text) == GSM7:
        return sum(2 if c in GSM7_EXTENSION else 1 for c in text)
    return len(text.encode("utf-16-le")) // 2


def segments(text: str) -> int:
    """The number of SMS segments ``text`` is sent as (0 for an empty one)."""
    units = length(text)
    single, split = (160, 153) if encoding(text) == GSM7 else (70, 67)
    if units <= single:
        return 1 if units else 0
    return math.ceil(units / split)
