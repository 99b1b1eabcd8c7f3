"""The clickable body chart of the back and legs, where the pain is.

A back view: the patient's left is on the viewer's left. Pain radiating to the
buttock or leg is recorded by selecting those regions as well. The keys are
what TreatmentSession.pain_locations stores; the shapes are SVG paths in a
200 × 420 box, drawn by templates/sessions/record_bodychart.html.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Region:
    key: str
    label: str
    path: str
    # A region of the buttock or leg: pain there (with back pain) is radiating.
    radiating: bool = False


REGIONS: tuple[Region, ...] = (
    Region("lumbar_left", "Lower back, left", "M60 118 H86 V166 H58 Z"),
    Region("lumbar_central", "Lower back, centre (spine)", "M88 118 H112 V166 H88 Z"),
    Region("lumbar_right", "Lower back, right", "M114 118 H140 L142 166 H114 Z"),
    Region("sacral", "Sacrum", "M86 168 H114 L108 204 H92 Z"),
    Region("buttock_left", "Buttock, left", "M56 168 H84 L90 206 L88 226 H56 Z", True),
    Region("buttock_right", "Buttock, right", "M144 168 H116 L110 206 L112 226 H144 Z", True),
    Region("thigh_left", "Back of the thigh, left", "M56 229 H97 L94 300 H64 Z", True),
    Region("thigh_right", "Back of the thigh, right", "M144 229 H103 L106 300 H136 Z", True),
    Region("calf_left", "Calf, left", "M64 303 H94 L90 380 H70 Z", True),
    Region("calf_right", "Calf, right", "M136 303 H106 L110 380 H130 Z", True),
    Region("foot_left", "Heel and foot, left", "M70 383 H91 L93 406 H62 Z", True),
    Region("foot_right", "Heel and foot, right", "M130 383 H109 L107 406 H138 Z", True),
)

CHOICES: list[tuple[str, str]] = [(region.key, region.label) for region in REGIONS]
LABELS: dict[str, str] = dict(CHOICES)
_BY_KEY = {region.key: region for region in REGIONS}

# Drawn for orientation only (head, shoulders and upper back, arms): not clickable.
OUTLINE = (
    "M100 8 a18 18 0 1 1 -0.1 0 Z",
    "M62 52 H138 L142 116 H58 Z",
    "M58 54 L40 60 L30 150 L40 152 L52 90 Z",
    "M142 54 L160 60 L170 150 L160 152 L148 90 Z",
)


def labels(keys: Iterable[str]) -> list[str]:
    """The regions' names in chart order (unknown keys, from older data, as they are)."""
    keys = list(keys)
    known = [region.label for region in REGIONS if region.key in keys]
    return known + [key for key in keys if key not in _BY_KEY]


def is_radiating(keys: Iterable[str]) -> bool:
    return any(_BY_KEY[key].radiating for key in keys if key in _BY_KEY)


def chart(selected: Iterable[str]) -> list[tuple[Region, bool]]:
    chosen = set(selected)
    return [(region, region.key in chosen) for region in REGIONS]
