"""The acupoint catalogue shipped with the app (sessions/data/*.csv, copied
from the clinic's reference data) and the CSV export of it."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path

# Older channel abbreviations still found in texts and typed by habit.
ALIASES = {"LV": "LR", "SJ": "TE", "TB": "TE", "DU": "GV", "REN": "CV"}
_ALIAS_RE = re.compile(r"^(LV|SJ|TB|DU|REN)(?=\d)")

DATA_DIR = Path(__file__).resolve().parent / "data"
MIDLINE_CHANNELS = {"GV", "CV"}
ASHI = {
    "code": "ASHI",
    "kind": "ashi",
    "channel": "",
    "channel_name": "",
    "number": None,
    "pinyin": "Ashi",
}


def _rows(name: str) -> Iterator[dict[str, str]]:
    with (DATA_DIR / name).open(newline="", encoding="utf-8") as handle:
        yield from csv.DictReader(handle)


def catalogue_rows() -> list[dict]:
    """The 361 WHO points in order, then the 48 extra points, then Ashi."""
    rows = [
        {
            "code": row["code"],
            "kind": "channel",
            "channel": row["channel"],
            "channel_name": row["channel_name"],
            "number": int(row["number"]),
            "pinyin": row["pinyin"],
        }
        for row in _rows("who_acupoints.csv")
    ]
    rows += [
        {
            "code": row["code"],
            "kind": "extra",
            "channel": "EX",
            "channel_name": "Extra point",
            "number": None,
            "pinyin": row["pinyin"],
        }
        for row in _rows("extra_points.csv")
    ]
    rows.append(dict(ASHI))
    return rows


# EX-B2 Jiaji: one point beside each spinous process, T1 to L5 (extra_point_sides.csv).
JIAJI_LEVELS = tuple([f"T{n}" for n in range(1, 13)] + [f"L{n}" for n in range(1, 6)])
NAMED_POINTS = {"EX-B2": JIAJI_LEVELS}
# extra_point_sides.csv says "bilateral" for a paired point: left, right or both.
_SIDE_RULES = {"bilateral": "paired", "midline": "midline", "group": "group"}


def side_rules() -> dict[str, dict]:
    """Each point's side rule and points per side. Channel points are paired,
    GV and CV midline; extra points follow extra_point_sides.csv."""
    rules = {
        row["code"]: {
            "side_rule": _SIDE_RULES.get(row["side_rule"], row["side_rule"]),
            "points_per_side": int(row["points_per_side"]),
            "named_points": list(NAMED_POINTS.get(row["code"], ())),
        }
        for row in _rows("extra_point_sides.csv")
    }
    for row in catalogue_rows():
        if row["code"] not in rules:
            midline = row["channel"] in MIDLINE_CHANNELS
            rules[row["code"]] = {
                "side_rule": "midline" if midline else "paired",
                "points_per_side": 1,
                "named_points": [],
            }
    return rules


def depth_caution_rows() -> list[dict]:
    """Points over the lung, heart, great vessels, medulla or eye (rule "depth")
    and points never needled (rule "do_not_needle")."""
    return [
        {
            "code": row["code"],
            "depth_rule": row["rule"],
            "structure_at_risk": row["structure_at_risk"],
            "depth_guidance": row["guidance"],
        }
        for row in _rows("depth_caution_points.csv")
    ]


def pregnancy_caution_rows() -> list[dict]:
    return [
        {"code": row["code"], "reason": row["why"]} for row in _rows("pregnancy_caution_points.csv")
    ]


def point_key(text: str) -> str:
    """Normalise a typed point code: 'bl 23', 'BL-23' -> 'BL23'; 'LV3' -> 'LR3';
    'ex-b 2' -> 'EXB2'. Codes are stored and compared in this form."""
    key = re.sub(r"[\s\-_.]", "", text.upper())
    return _ALIAS_RE.sub(lambda m: ALIASES[m.group(1)], key)
