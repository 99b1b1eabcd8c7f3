"""Clinical outcome figures, as pure functions over plain rows.

The rows come from a few fixed queries (``reports.queries``); everything here
is arithmetic on them, so that the tests can work each answer out by hand.

* **Course of care**: the app keeps no course on the records, so, as on the
  clinical page (``sessions.progress``), a patient's signed sessions form one
  course until a gap of more than 90 days starts the next.
* **Baseline / latest** (DOMAIN.md "Has the patient improved?"): per measure,
  the first and the last session of the course that scored it. A course has
  **improved** when, for at least one measure whose baseline leaves room for
  its minimal important change (NPRS 2, ODI 10, RMDQ 3), the latest score is
  that much below the baseline. A course with no measure with room is left out
  of every responder figure (nothing to decide on).
* **By visit v**: the same decision on the course's first v sessions, among
  the courses that had at least v.
* **Cumulative curve** (Kaplan–Meier): the first session number at which the
  course counted as improved; a course that stopped (or is still running)
  without it is censored at its number of sessions.
* **Drop-out**: an ended course (no signed session for ``ENDED_AFTER_DAYS``
  and nothing booked) of one or two sessions whose last session still planned
  a next visit, i.e. the patient was not discharged but did not come back.
* **Small cells**: a figure resting on fewer than ``MIN_CELL`` courses is not
  shown (``Figure.shown``); every figure carries its n.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from reports.stats import KmStep, MeanCI, kaplan_meier, mean_ci
from sessions.outcomes import MEASURES, NPRS, ODI, ODI_BANDS, Measure
from sessions.progress import COURSE_GAP_DAYS

MIN_CELL = 5
RESPONDER_VISITS = (4, 6, 8, 10)
CURVE_SESSIONS = 12
ENDED_AFTER_DAYS = 30
PER_SESSIONS = 1000


@dataclass(frozen=True)
class SessionRow:
    """One signed session, as the reports need it."""

    id: int
    patient_id: int
    practitioner_id: int
    date: datetime.date
    cause: str = ""
    nprs: int | None = None
    odi: Decimal | None = None  # complete ODI %, None when unanswered or incomplete
    rmdq: int | None = None
    next_visit_planned: bool = True
    protocol: str = ""  # the first protocol applied to it, "" for none
    points: tuple[str, ...] = ()  # the point codes needled, sorted

    def score(self, measure: Measure):
        return getattr(self, measure.key)


def odi_band(percent) -> str:
    """'Moderate disability' (DOMAIN.md bands), '' without a score."""
    if percent is None:
        return ""
    return next(label for upper, label in ODI_BANDS if percent <= upper)


class Decisions:
    """What every figure asks of a course, from ``_decisions`` ((decidable,
    improved) on its first k sessions), ``count``, ``end``, ``patient_id`` and
    ``discharged``: shared by a course worked out from its sessions and one
    read back from the summary table (reports.summary)."""

    def decidable(self, upto: int | None = None) -> bool:
        """At least one measure's baseline (within ``upto`` sessions) leaves room to improve."""
        return self._decisions[min(upto or self.count, self.count) - 1][0]

    def improved(self, upto: int | None = None) -> bool:
        """A measure with room has its latest score (within ``upto`` sessions)
        at least its minimal important change below its baseline."""
        return self._decisions[min(upto or self.count, self.count) - 1][1]

    def improved_by(self, visit: int) -> bool | None:
        """Improved on the first ``visit`` sessions; None when the course had
        fewer, or no measure with room by then (not counted at that visit)."""
        if self.count < visit or not self.decidable(visit):
            return None
        return self.improved(visit)

    @cached_property
    def improved_at(self) -> int | None:
        """The first session number at which the course counted as improved."""
        return next((k for k, (_, improved) in enumerate(self._decisions, 1) if improved), None)

    def ended(self, today: datetime.date, booked_patients: set[int]) -> bool:
        return self.patient_id not in booked_patients and (today - self.end).days > ENDED_AFTER_DAYS

    def dropped_out(self, today: datetime.date, booked_patients: set[int]) -> bool:
        return self.count <= 2 and not self.discharged and self.ended(today, booked_patients)


@dataclass
class Course(Decisions):
    patient_id: int
    sessions: list[SessionRow]
    number: int = 1  # the patient's first, second, ... course

    @property
    def start(self) -> datetime.date:
        return self.sessions[0].date

    @property
    def end(self) -> datetime.date:
        return self.sessions[-1].date

    @property
    def count(self) -> int:
        return len(self.sessions)

    @property
    def practitioner_id(self) -> int:
        """The practitioner of the course's first session."""
        return self.sessions[0].practitioner_id

    @property
    def practitioner_ids(self) -> set[int]:
        return {s.practitioner_id for s in self.sessions}

    @property
    def cause(self) -> str:
        return next((s.cause for s in self.sessions if s.cause), "")

    @property
    def protocol(self) -> str:
        return next((s.protocol for s in self.sessions if s.protocol), "")

    @property
    def point_set(self) -> tuple[str, ...]:
        """The set of points needled most often in the course's sessions."""
        sets = Counter(s.points for s in self.sessions if s.points)
        return sets.most_common(1)[0][0] if sets else ()

    @property
    def points_used(self) -> tuple[str, ...]:
        return tuple(sorted({p for s in self.sessions for p in s.points}))

    def baseline(self, measure: Measure, upto: int | None = None):
        return next(
            (s.score(measure) for s in self.sessions[:upto] if s.score(measure) is not None), None
        )

    def latest(self, measure: Measure, upto: int | None = None):
        """The last score within the first ``upto`` sessions, when it is not the baseline's."""
        scored = [s.score(measure) for s in self.sessions[:upto] if s.score(measure) is not None]
        return scored[-1] if len(scored) > 1 else None

    def change(self, measure: Measure):
        """Latest minus baseline (negative is better); None without a later score."""
        latest = self.latest(measure)
        return None if latest is None else float(latest - self.baseline(measure))

    @property
    def baseline_band(self) -> str:
        return odi_band(self.baseline(ODI))

    @property
    def discharged(self) -> bool:
        return not self.sessions[-1].next_visit_planned

    @cached_property
    def _decisions(self) -> tuple[tuple[bool, bool], ...]:
        """(decidable, improved) on the first k sessions, for k = 1..count: one
        pass over the sessions (the figures ask for them many times)."""
        baseline = dict.fromkeys(m.key for m in MEASURES)
        latest = dict.fromkeys(m.key for m in MEASURES)
        decisions = []
        for session in self.sessions:
            for m in MEASURES:
                score = session.score(m)
                if score is None:
                    continue
                if baseline[m.key] is None:
                    baseline[m.key] = score
                else:
                    latest[m.key] = score
            decidable = any(m.has_room(baseline[m.key]) for m in MEASURES)
            improved = any(
                m.has_room(baseline[m.key])
                and latest[m.key] is not None
                and m.improved(baseline[m.key], latest[m.key])
                for m in MEASURES
            )
            decisions.append((decidable, improved))
        return tuple(decisions)


def build_courses(rows: Iterable[SessionRow], *, gap_days: int = COURSE_GAP_DAYS) -> list[Course]:
    """Courses of care from signed sessions (any order): per patient, oldest
    first, a new course after a gap of more than ``gap_days``."""
    by_patient: dict[int, list[SessionRow]] = defaultdict(list)
    for row in rows:
        by_patient[row.patient_id].append(row)
    courses = []
    for patient_id, sessions in by_patient.items():
        sessions.sort(key=lambda s: (s.date, s.id))
        current = [sessions[0]]
        number = 1
        for session in sessions[1:]:
            if (session.date - current[-1].date).days > gap_days:
                courses.append(Course(patient_id, current, number))
                current, number = [], number + 1
            current.append(session)
        courses.append(Course(patient_id, current, number))
    courses.sort(key=lambda c: (c.start, c.patient_id))
    return courses


@dataclass(frozen=True)
class Filters:
    """What the outcome pages narrow the courses to ("" / None: everything)."""

    cause: str = ""
    band: str = ""  # an ODI band label, on the baseline ODI
    protocol: str = ""
    start: datetime.date | None = None  # courses that started from ...
    end: datetime.date | None = None  # ... to (inclusive)
    practitioner_id: int | None = None  # the course's first practitioner


def apply_filters(courses: Iterable[Course], f: Filters) -> list[Course]:
    return [
        c
        for c in courses
        if (not f.cause or c.cause == f.cause)
        and (not f.band or c.baseline_band == f.band)
        and (not f.protocol or c.protocol == f.protocol)
        and (f.start is None or c.start >= f.start)
        and (f.end is None or c.start <= f.end)
        and (f.practitioner_id is None or c.practitioner_id == f.practitioner_id)
    ]


# --- Figures -------------------------------------------------------------------


@dataclass(frozen=True)
class Share:
    """A share of courses: numerator, n, and whether it may be shown."""

    count: int
    n: int

    @property
    def shown(self) -> bool:
        return self.n >= MIN_CELL

    @property
    def percent(self) -> int | None:
        return round(100 * self.count / self.n) if self.shown else None


def responders(courses: Sequence[Course], upto: int | None = None) -> Share:
    """Improved courses among those with ≥ ``upto`` sessions and room to improve."""
    eligible = [c for c in courses if (upto is None or c.count >= upto) and c.decidable(upto)]
    return Share(sum(c.improved(upto) for c in eligible), len(eligible))


def responders_by_visit(courses: Sequence[Course]) -> list[tuple[int, Share]]:
    return [(v, responders(courses, v)) for v in RESPONDER_VISITS]


@dataclass(frozen=True)
class Curve:
    steps: list[KmStep]  # shown steps only: at least MIN_CELL at risk
    n: int
    median: int | None  # sessions to meaningful improvement, None if not reached

    @property
    def shown(self) -> bool:
        return self.n >= MIN_CELL


def improvement_curve(courses: Sequence[Course], *, until: int = CURVE_SESSIONS) -> Curve:
    """Kaplan–Meier cumulative share improved by session number, stopped
    courses censored; steps with fewer than MIN_CELL at risk are cut off."""
    times = []
    for course in courses:
        if not course.decidable():
            continue
        at = course.improved_at
        times.append((at, True) if at is not None else (course.count, False))
    return curve_of(kaplan_meier(times, until=until), len(times))


def curve_of(steps: list[KmStep], n: int) -> Curve:
    """The curve of Kaplan–Meier steps over ``n`` courses: steps with fewer
    than MIN_CELL at risk cut off, and the median."""
    steps = [s for s in steps if s.at_risk >= MIN_CELL]
    median = next((s.time for s in steps if s.cumulative >= 0.5), None)
    return Curve(steps, n, median)


@dataclass(frozen=True)
class Change:
    measure: Measure
    ci: MeanCI | None
    n: int

    @property
    def shown(self) -> bool:
        return self.n >= MIN_CELL


def mean_change(courses: Sequence[Course], measure: Measure) -> Change:
    values = [v for v in (c.change(measure) for c in courses) if v is not None]
    return Change(measure, mean_ci(values), len(values))


@dataclass(frozen=True)
class DropOut:
    dropped: int
    n: int  # ended courses

    @property
    def share(self) -> Share:
        return Share(self.dropped, self.n)


def drop_out(courses: Sequence[Course], today: datetime.date, booked: set[int]) -> DropOut:
    ended = [c for c in courses if c.ended(today, booked)]
    return DropOut(sum(c.dropped_out(today, booked) for c in ended), len(ended))


@dataclass(frozen=True)
class Summary:
    """The headline figures of a set of courses."""

    label: str
    n: int
    responders: Share
    by_visit: list[tuple[int, Share]]
    nprs: Change
    odi: Change

    @property
    def shown(self) -> bool:
        return self.n >= MIN_CELL


def summarise(label: str, courses: Sequence[Course]) -> Summary:
    return Summary(
        label=label,
        n=len(courses),
        responders=responders(courses),
        by_visit=responders_by_visit(courses),
        nprs=mean_change(courses, NPRS),
        odi=mean_change(courses, ODI),
    )


def breakdown(
    courses: Sequence[Course], key: Callable[[Course], str], labels: dict[str, str] | None = None
) -> list[Summary]:
    """One summary per value of ``key`` (a cell under MIN_CELL courses is not
    shown: ``Summary.shown``), ordered by label."""
    groups: dict[str, list[Course]] = defaultdict(list)
    for course in courses:
        groups[key(course)].append(course)
    labels = labels or {}
    return sorted(
        (summarise(labels.get(k, k) or "Not recorded", g) for k, g in groups.items()),
        key=lambda s: s.label,
    )


def top_point_sets(courses: Sequence[Course], limit: int = 5) -> list[Summary]:
    """The point sets used most (by number of courses), each summarised."""
    groups: dict[tuple[str, ...], list[Course]] = defaultdict(list)
    for course in courses:
        if course.point_set:
            groups[course.point_set].append(course)
    ranked = sorted(groups.items(), key=lambda item: (-len(item[1]), item[0]))[:limit]
    return [summarise(", ".join(points), group) for points, group in ranked]


# --- Safety --------------------------------------------------------------------


@dataclass(frozen=True)
class SafetyRow:
    label: str
    count: int
    sessions: int

    @property
    def per_1000(self) -> float | None:
        return round(PER_SESSIONS * self.count / self.sessions, 1) if self.sessions else None


@dataclass
class Safety:
    sessions: int
    adverse_by_type: list[SafetyRow] = field(default_factory=list)
    adverse_by_severity: list[SafetyRow] = field(default_factory=list)
    needle_incidents: SafetyRow | None = None
    overrides_by_kind: list[SafetyRow] = field(default_factory=list)
    red_flag_referrals: SafetyRow | None = None


def safety(
    session_ids: set[int],
    adverse: Iterable[tuple[int, str, str]],
    overrides: Iterable[tuple[int, str]],
    incidents: set[int],
    referrals: set[int],
    *,
    type_labels: dict[str, str],
    severity_labels: dict[str, str],
    override_labels: dict[str, str],
) -> Safety:
    """Counts per 1,000 signed sessions of the chosen courses. ``adverse``:
    (session id, type, severity); ``overrides``: (session id, kind);
    ``incidents`` and ``referrals``: session ids. (The pages add up the same
    counts kept per course: ``safety_counts``, then ``safety_from_counts``.)"""
    raw = index_safety(
        {"adverse": adverse, "overrides": overrides, "incidents": incidents, "referrals": referrals}
    )
    return safety_from_counts(
        safety_counts(session_ids, raw),
        type_labels=type_labels,
        severity_labels=severity_labels,
        override_labels=override_labels,
    )


def index_safety(raw: dict) -> dict:
    """Safety rows (reports.queries.safety_rows) with the adverse events and
    overrides listed by session, as ``safety_counts`` reads them."""
    adverse, overrides = defaultdict(list), defaultdict(list)
    for sid, kind, severity in raw["adverse"]:
        adverse[sid].append((kind, severity))
    for sid, kind in raw["overrides"]:
        overrides[sid].append(kind)
    return {**raw, "adverse": adverse, "overrides": overrides}


def safety_keys(labels: dict[str, dict[str, str]]) -> tuple[str, ...]:
    """Every key ``safety_counts`` may count, in a fixed order (the summary
    table stores the counts as an array in this order)."""
    return (
        "sessions",
        "incidents",
        "referrals",
        *[f"type:{k}" for k in labels["type_labels"]],
        *[f"severity:{k}" for k in labels["severity_labels"]],
        *[f"override:{k}" for k in labels["override_labels"]],
    )


def safety_counts(session_ids: Iterable[int], raw: dict) -> Counter:
    """The safety counts of some sessions, by key ("sessions", "type:bruising",
    "severity:mild", "override:depth_caution", "incidents", "referrals"), from
    ``raw`` (reports.queries.safety_rows, indexed by session)."""
    counts: Counter = Counter()
    for sid in session_ids:
        counts["sessions"] += 1
        for kind, severity in raw["adverse"].get(sid, ()):
            counts[f"type:{kind}"] += 1
            counts[f"severity:{severity}"] += 1
        for kind in raw["overrides"].get(sid, ()):
            counts[f"override:{kind}"] += 1
        counts["incidents"] += sid in raw["incidents"]
        counts["referrals"] += sid in raw["referrals"]
    return counts


def safety_from_counts(
    counts: Counter,
    *,
    type_labels: dict[str, str],
    severity_labels: dict[str, str],
    override_labels: dict[str, str],
) -> Safety:
    """``safety`` from counts summed over the chosen courses."""
    n = counts["sessions"]

    def rows(prefix, labels):
        return [
            SafetyRow(label, counts[f"{prefix}:{key}"], n)
            for key, label in labels.items()
            if counts[f"{prefix}:{key}"]
        ]

    return Safety(
        sessions=n,
        adverse_by_type=rows("type", type_labels),
        adverse_by_severity=rows("severity", severity_labels),
        needle_incidents=SafetyRow("Needle-count incidents", counts["incidents"], n),
        overrides_by_kind=rows("override", override_labels),
        red_flag_referrals=SafetyRow("Red-flag referrals", counts["referrals"], n),
    )
