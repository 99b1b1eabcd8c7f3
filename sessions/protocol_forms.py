"""A practitioner's saved protocols, written as text: one point per line.

    BL23 bilateral
    BL25 bilateral 0.30x50 30mm
    BL40 left 0.25x40 manual
    GV4

Each line is the point's code (any spelling or older alias: "bl 23", "LV3"),
then in any order its side (left, right, bilateral; GV and CV points are on the
midline and take none), its needle as gauge x length in mm (otherwise the
protocol's default needle), a depth in mm and a stimulation (none, manual,
electro, warm). Ashi points are refused: each needs a location on the day.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q

from sessions.catalogue import point_key
from sessions.models import Acupoint, Needle, NeedlePlacement, Protocol, ProtocolPoint

Side = NeedlePlacement.Side
Stimulation = NeedlePlacement.Stimulation

MAX_POINTS = 40
SIDE_WORDS = {
    "left": Side.LEFT,
    "l": Side.LEFT,
    "right": Side.RIGHT,
    "r": Side.RIGHT,
    "bilateral": Side.BILATERAL,
    "bilat": Side.BILATERAL,
    "both": Side.BILATERAL,
    "midline": Side.MIDLINE,
}
STIMULATION_WORDS = {
    "none": Stimulation.NONE,
    "manual": Stimulation.MANUAL,
    "electro": Stimulation.ELECTRO,
    "ea": Stimulation.ELECTRO,
    "electroacupuncture": Stimulation.ELECTRO,
    "warm": Stimulation.WARM_NEEDLE,
    "warm_needle": Stimulation.WARM_NEEDLE,
    "warm-needle": Stimulation.WARM_NEEDLE,
    "moxa": Stimulation.WARM_NEEDLE,
}
# The point code at the start of a line, spaces and dashes allowed: "BL23",
# "bl 23", "EX-B 2", "REN12".
CODE_RE = re.compile(r"^(?:EX[\s\-_.]*[A-Z]{1,2}|[A-Z]{2,3})[\s\-_.]*\d{1,2}(?![\d.])", re.I)
NEEDLE_RE = re.compile(r"^(\d(?:\.\d{1,2})?)x(\d{1,3})(?:mm)?$")
DEPTH_RE = re.compile(r"^(\d{1,3}(?:\.\d)?)mm$")
ANGLE_WORDS = {angle.value: angle.value for angle in NeedlePlacement.Angle}
HOW_TO = (
    "Write the point, then its side (left, right or bilateral), and if you like a needle "
    "(0.25x40), a depth (25mm), an angle (perpendicular, oblique, transverse) and a "
    "stimulation (manual, electro, warm)."
)


@dataclass(frozen=True)
class ParsedPoint:
    line: int
    acupoint: Acupoint
    side: str
    needle: Needle | None  # None: the protocol's default needle
    depth_mm: Decimal | None
    stimulation: str
    angle: str = NeedlePlacement.Angle.PERPENDICULAR


def _normalise(text: str) -> str:
    """'0.25 × 40' -> '0.25x40', '25 mm' -> '25mm', commas and semicolons to spaces."""
    text = re.sub(r"[,;]", " ", text)
    text = re.sub(r"(\d)\s*[x×*]\s*(\d)", r"\1x\2", text, flags=re.I)
    return re.sub(r"(\d)\s+mm\b", r"\1mm", text, flags=re.I)


def _needle_label(needle: Needle) -> str:
    return f"{needle.gauge_mm}x{needle.length_mm}"


class NeedleChoices:
    """Needles named by size ("0.25x40"): the default needle first, then the ones
    this protocol already uses (so editing keeps their make), then the stock."""

    def __init__(self, default: Needle | None, in_use=()):
        self.by_size: dict[tuple[Decimal, int], Needle] = {}
        active = list(
            Needle.objects.filter(is_active=True).order_by("gauge_mm", "length_mm", "make")
        )
        for needle in [*([default] if default else []), *in_use, *active]:
            self.by_size.setdefault((needle.gauge_mm, needle.length_mm), needle)
        self.stocked = list(dict.fromkeys(_needle_label(n) for n in active))

    def find(self, gauge: str, length: str) -> Needle | None:
        try:
            key = (Decimal(gauge).quantize(Decimal("0.01")), int(length))
        except InvalidOperation:
            return None
        return self.by_size.get(key)


def parse_points(text: str, needles: NeedleChoices) -> list[ParsedPoint]:
    """The lines of a protocol, or a ValidationError listing every line that is wrong."""
    lines = [(number, _normalise(line).strip()) for number, line in enumerate(text.splitlines(), 1)]
    lines = [(number, line) for number, line in lines if line]
    if len(lines) > MAX_POINTS:
        raise ValidationError(f"A protocol has at most {MAX_POINTS} points; this has {len(lines)}.")

    codes = {}
    for number, line in lines:
        match = CODE_RE.match(line)
        code = match.group(0) if match else line.split()[0]
        codes[number] = (code, line[len(code) :].split())
    found = {
        point.search_key: point
        for point in Acupoint.objects.filter(
            search_key__in={point_key(code) for code, _ in codes.values()}
        )
    }

    errors: list[str] = []
    parsed: list[ParsedPoint] = []
    seen: dict[int, int] = {}
    for number, _line in lines:
        code, words = codes[number]
        where = f"Line {number} ({' '.join([code, *words])})"
        acupoint = found.get(point_key(code))
        if acupoint is None:
            errors.append(
                f"{where}: “{code}” is not a point code we know (codes look like BL23, GV4, EX-B2)."
            )
            continue
        if acupoint.kind == Acupoint.Kind.ASHI:
            errors.append(
                f"{where}: Ashi points cannot be saved in a protocol, because each needs its "
                "location on the day. Add them on the session record."
            )
            continue
        side = needle = depth = stimulation = angle = None
        problems = []
        for word in words:
            lower = word.lower()
            if lower in SIDE_WORDS and side is None:
                side = SIDE_WORDS[lower]
            elif lower in STIMULATION_WORDS and stimulation is None:
                stimulation = STIMULATION_WORDS[lower]
            elif lower in ANGLE_WORDS and angle is None:
                angle = ANGLE_WORDS[lower]
            elif (size := NEEDLE_RE.match(lower)) and needle is None:
                needle = needles.find(*size.groups())
                if needle is None:
                    stocked = ", ".join(needles.stocked) or "none"
                    problems.append(
                        f"no {size.group(1)} × {size.group(2)} mm needle in stock "
                        f"(stocked: {stocked})"
                    )
                    needle = False
            elif (mm := DEPTH_RE.match(lower)) and depth is None:
                depth = Decimal(mm.group(1))
                if not 0 < depth <= 100:
                    problems.append("a depth is between 0 and 100 mm")
            else:
                problems.append(f"“{word}” is not understood")
        allowed = acupoint.sides
        if side is None and len(allowed) == 1:
            side = allowed[0]
        elif allowed == [Side.MIDLINE] and side != Side.MIDLINE:
            problems.append(f"{acupoint.code} lies on the midline: it takes no side")
        elif side is None:
            problems.append(f"{acupoint.code} needs a side: left, right or bilateral")
        elif side not in allowed:
            sides = (
                ", ".join(allowed[:-1]) + f" or {allowed[-1]}" if len(allowed) > 1 else allowed[0]
            )
            problems.append(f"{acupoint.code} is not on the midline: {sides}")
        if acupoint.named_points:
            problems.append(
                f"{acupoint.code} needs its levels chosen on the day: add it on the session record"
            )
        if acupoint.pk in seen:
            problems.append(f"{acupoint.code} is already on line {seen[acupoint.pk]}")
        seen.setdefault(acupoint.pk, number)
        if problems:
            errors.append(f"{where}: {'; '.join(problems)}.")
            continue
        parsed.append(
            ParsedPoint(
                line=number,
                acupoint=acupoint,
                side=side,
                needle=needle,
                depth_mm=depth,
                stimulation=stimulation or Stimulation.NONE,
                angle=angle or NeedlePlacement.Angle.PERPENDICULAR,
            )
        )
    if errors:
        raise ValidationError(errors)
    if not parsed:
        raise ValidationError(f"Write at least one point. {HOW_TO}")
    return parsed


def point_line(point: ProtocolPoint, default_needle: Needle | None) -> str:
    """The line that parse_points reads back as this point."""
    words = [point.acupoint.code]
    if point.side != Side.MIDLINE or not point.acupoint.is_midline:
        words.append(point.side)
    if point.needle is not None and point.needle != default_needle:
        words.append(_needle_label(point.needle))
    if point.depth_mm is not None:
        words.append(f"{point.depth_mm.normalize():f}mm")
    if point.angle != NeedlePlacement.Angle.PERPENDICULAR:
        words.append(point.angle)
    if point.stimulation != Stimulation.NONE:
        words.append(
            {Stimulation.ELECTRO: "electro", Stimulation.WARM_NEEDLE: "warm"}.get(
                point.stimulation, point.stimulation
            )
        )
    return " ".join(words)


def usual_needle(points) -> Needle | None:
    counts = Counter(p.needle for p in points if p.needle is not None)
    return counts.most_common(1)[0][0] if counts else None


class ProtocolForm(forms.Form):
    name = forms.CharField(
        max_length=100,
        help_text="As you will look for it on the session record, e.g. “Lumbar strain”.",
    )
    default_needle = forms.ModelChoiceField(
        queryset=Needle.objects.none(),
        empty_label=None,
        label="Needle",
        help_text="Used for every point that does not name its own needle.",
    )
    points = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 10, "spellcheck": "false", "autocapitalize": "off"}),
        label="Points, one per line",
        help_text=(
            "e.g. “BL23 bilateral”, “BL40 left 0.25x40 25mm manual”, “GV4”. " + HOW_TO + " "
            "GV and CV points are on the midline and need no side."
        ),
    )

    def __init__(self, *args, practitioner, protocol: Protocol | None = None, **kwargs):
        self.practitioner = practitioner
        self.protocol = protocol
        self.current = list(
            protocol.points.select_related("acupoint", "needle") if protocol is not None else []
        )
        default = usual_needle(self.current)
        if protocol is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": protocol.name,
                "default_needle": default,
                "points": "\n".join(point_line(p, default) for p in self.current),
            }
        super().__init__(*args, **kwargs)
        in_use = {p.needle_id for p in self.current if p.needle_id}
        self.fields["default_needle"].queryset = Needle.objects.filter(
            Q(pk__in=in_use) | Q(is_active=True)
        )
        if protocol is None and not self.is_bound:
            self.fields["default_needle"].initial = self.fields["default_needle"].queryset.first()

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        others = Protocol.objects.filter(practitioner=self.practitioner, name__iexact=name)
        if self.protocol is not None:
            others = others.exclude(pk=self.protocol.pk)
        if others.exists():
            raise ValidationError(f"You already have a protocol called “{name}”.")
        return name

    def clean(self):
        cleaned = super().clean()
        if "points" in cleaned and "default_needle" in cleaned:
            needles = NeedleChoices(
                cleaned["default_needle"], [p.needle for p in self.current if p.needle]
            )
            try:
                cleaned["parsed_points"] = parse_points(cleaned["points"], needles)
            except ValidationError as error:
                self.add_error("points", error)
        return cleaned
