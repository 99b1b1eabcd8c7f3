"""The generated rows, as lines in COPY's text format (pure Python, no queries).

Everything comes from one ``random.Random(seed)``, so the same options on the
same day give the same clinic. Each generator yields lines and, where later
tables need it, records what they need (appointment -> session seeds,
session -> needle count) on the ``Clinic`` it is given.
"""

from __future__ import annotations

import random
import uuid
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from demo.seeding import (
    FEMALE_NAMES,
    GP_PRACTICES,
    IMPLANTED_DEVICES,
    LAST_NAMES,
    MALE_NAMES,
    NICKNAMES,
    OTHER_ALLERGIES,
    PLACES,
    POSTCODE_LETTERS,
    SKIN_CONDITIONS,
    STREETS,
)
from patients.models import Patient
from scale.copy import text
from scale.plan import (
    CLOSED,
    DAY_END,
    DAY_START,
    FREE_STEP_MINUTES,
    FUTURE_CANCELLED,
    HOLIDAY_DAYS,
    PAST_CANCELLED,
    PAST_NO_SHOW,
    PORTAL_SHARE,
    SCALE_DOMAIN,
    WORKDAYS,
    Plan,
)
from sessions.models import NeedlePlacement

N = "\\N"
MINUTE = 60
DAY = 86_400

# What a session of each kind has recorded.
SIGNED, DRAFT, RUNNING, STARTED = 0, 1, 2, 3


class Stamps:
    """UTC timestamps as COPY text, cached: the same minutes recur endlessly."""

    def __init__(self):
        self.cache: dict[int, str] = {}

    def __call__(self, epoch: int) -> str:
        found = self.cache.get(epoch)
        if found is None:
            moment = datetime.fromtimestamp(epoch, UTC)
            found = self.cache[epoch] = moment.strftime("%Y-%m-%d %H:%M:%S+00")
        return found


def new_uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def local_epoch(day: date, clock, zone: ZoneInfo) -> int:
    return int(datetime.combine(day, clock, tzinfo=zone).timestamp())


@dataclass
class Type:
    id: int
    name: str
    minutes: int
    buffer: int


@dataclass
class Staff:
    practitioner_id: int
    user_id: int
    room_id: int
    # What a signed record copies of its signer (migration 0004), as COPY text.
    signature: str = ""  # name, licence number, issuing body, expiry


@dataclass(slots=True)
class Seed:
    """One treatment session to write: from a completed (or running) appointment."""

    appointment_id: int
    patient: int  # index into the patients
    staff: int  # index into Clinic.staff
    start: int
    end: int
    day: str
    kind: int
    visit: int


@dataclass
class Clinic:
    """Ids handed out and facts one step leaves for the next."""

    plan: Plan
    rng: random.Random
    zone: ZoneInfo
    today: date
    now: int  # epoch seconds, whole minutes
    first_day: date
    last_day: date
    password_hash: str
    user_base: int = 0
    patient_base: int = 0
    appointment_base: int = 0
    session_base: int = 0
    admin_id: int = 0
    front_desk_ids: list[int] = field(default_factory=list)
    practitioner_user_ids: list[int] = field(default_factory=list)
    portal: dict[int, int] = field(default_factory=dict)  # patient index -> user id
    staff: list[Staff] = field(default_factory=list)
    types: list[Type] = field(default_factory=list)
    holidays: dict[int, set[date]] = field(default_factory=dict)  # staff index -> days
    closed: set[date] = field(default_factory=set)
    registered: list[int] = field(default_factory=list)  # patient index -> epoch
    uuids: list[str] = field(default_factory=list)  # patient index -> uuid
    names: list[tuple[str, str, str]] = field(default_factory=list)  # (sex, first, last)
    seeds: list[Seed] = field(default_factory=list)
    needles: array = field(default_factory=lambda: array("H"))  # per seed: needles in
    flags: dict[int, str] = field(default_factory=dict)  # patient index -> clinical flags (COPY)
    set_index: array = field(default_factory=lambda: array("i"))  # per seed: point set
    appointments: int = 0

    # --- the people ------------------------------------------------------------------

    def plan_users(self) -> None:
        """Who has an account, with ids from ``user_base`` on (``user_count`` of them)."""
        plan, rng = self.plan, self.rng
        chosen = sorted(rng.sample(range(plan.patients), portal_count(plan)))
        next_id = self.user_base
        self.admin_id, next_id = next_id, next_id + 1
        self.front_desk_ids = list(range(next_id, next_id + plan.front_desk))
        next_id += plan.front_desk
        self.practitioner_user_ids = list(range(next_id, next_id + plan.practitioners))
        next_id += plan.practitioners
        self.portal = {index: next_id + n for n, index in enumerate(chosen)}


def portal_count(plan: Plan) -> int:
    return int(plan.patients * PORTAL_SHARE)


def user_count(plan: Plan) -> int:
    """The clinic admin, the front desk, the practitioners and the portal patients."""
    return 1 + plan.front_desk + plan.practitioners + portal_count(plan)


def staff_names(rng: random.Random, count: int) -> list[str]:
    names = []
    for _ in range(count):
        first = rng.choice(FEMALE_NAMES + MALE_NAMES)
        names.append(f"{first} {rng.choice(LAST_NAMES)}")
    return names


def user_lines(clinic: Clinic, patient_names: dict[int, str]) -> Iterator[str]:
    """The clinic admin, front desk, practitioners and the patients' portal accounts.
    E-mails: admin@, frontdesk01@, practitioner01@, patient000123@ (the patient's
    index) at scale.example; every password is SCALE_PASSWORD."""
    rng, password = clinic.rng, clinic.password_hash
    joined = clinic.first_day - timedelta(days=400)
    joined_at = f"{joined.isoformat()} 09:00:00+00"

    def line(user_id, email, name, role, superuser=False):
        flag = "t" if superuser else "f"
        return (
            f"{user_id}\t{password}\t{N}\t{flag}\t{email}\t{text(name)}\t{role}\tt\t{flag}"
            f"\t{joined_at}\n"
        )

    yield line(clinic.admin_id, f"admin@{SCALE_DOMAIN}", "Scale Admin", "clinic_admin", True)
    for n, (user_id, name) in enumerate(
        zip(clinic.front_desk_ids, staff_names(rng, len(clinic.front_desk_ids)), strict=True),
        start=1,
    ):
        yield line(user_id, f"frontdesk{n:02d}@{SCALE_DOMAIN}", name, "front_desk")
    names = staff_names(rng, len(clinic.practitioner_user_ids))
    for n, (user_id, name) in enumerate(zip(clinic.practitioner_user_ids, names, strict=True), 1):
        yield line(user_id, f"practitioner{n:02d}@{SCALE_DOMAIN}", name, "practitioner")
    for index, user_id in clinic.portal.items():
        yield line(user_id, portal_email(index), patient_names[index], "patient")


def portal_email(index: int) -> str:
    return f"patient{index:06d}@{SCALE_DOMAIN}"


# --- Patients -------------------------------------------------------------------------


def _birth_date(rng: random.Random) -> date:
    year = min(int(rng.triangular(1935, 2008, 1972)), 2007)
    return date(year, 1, 1) + timedelta(days=rng.randrange(365))


def plan_patients(clinic: Clinic) -> dict[int, str]:
    """Registration times (spread from a year before the first appointment to a
    week ago, in id order), uuids, and the names the portal accounts need."""
    plan, rng = clinic.plan, clinic.rng
    start = local_epoch(clinic.first_day - timedelta(days=365), DAY_START, clinic.zone)
    end = max(local_epoch(clinic.today - timedelta(days=7), DAY_START, clinic.zone), start + DAY)
    step = (end - start) / max(plan.patients, 1)
    clinic.registered = [
        int(start + (i + rng.random()) * step) // MINUTE * MINUTE for i in range(plan.patients)
    ]
    clinic.uuids = [new_uuid(rng) for _ in range(plan.patients)]
    # Names are drawn here so that a portal account and its patient agree.
    clinic.names = []
    for _ in range(plan.patients):
        sex = rng.choices(("female", "male", "unknown"), (60, 39, 1))[0]
        pool = FEMALE_NAMES if sex == "female" else MALE_NAMES if sex == "male" else FEMALE_NAMES
        clinic.names.append((sex, rng.choice(pool), rng.choice(LAST_NAMES)))
    return {i: f"{clinic.names[i][1]} {clinic.names[i][2]}" for i in clinic.portal}


def patient_lines(clinic: Clinic, stamps: Stamps) -> Iterator[str]:
    rng, today = clinic.rng, clinic.today
    rand = rng.random
    for i in range(clinic.plan.patients):
        sex, first, last = clinic.names[i]
        born = _birth_date(rng)
        age = today.year - born.year
        preferred = rng.choice(NICKNAMES[first]) if first in NICKNAMES and rand() < 0.5 else ""
        user_id = clinic.portal.get(i)
        if user_id is not None:
            email = portal_email(i)
        elif rand() < 0.9:
            email = f"{first.lower()}.{last.lower()}{rng.randint(1, 999)}@example.net"
            email = "".join(ch for ch in email if ch.isascii() and ch not in " '")
        else:
            email = ""
        phone = f"+447{rng.randint(100, 999)}{rng.randint(100000, 999999)}"  # E.164
        city, district, outwards, _ = PLACES[int(rand() * len(PLACES))]
        line1 = f"{rng.randint(1, 180)} {STREETS[int(rand() * len(STREETS))]}"
        postcode = (
            f"{outwards[0]} {rng.randint(1, 9)}{rng.choice(POSTCODE_LETTERS)}"
            f"{rng.choice(POSTCODE_LETTERS)}"
        )
        practice, doctors, practice_phone = GP_PRACTICES[int(rand() * len(GP_PRACTICES))]
        contact_first = rng.choice(FEMALE_NAMES + MALE_NAMES)
        registered = clinic.registered[i]
        registered_day = datetime.fromtimestamp(registered, clinic.zone).date()
        pregnant = sex == "female" and 20 <= age <= 43 and rand() < 0.02
        due = (today + timedelta(days=rng.randint(14, 230))).isoformat() if pregnant else N
        device = age >= 62 and rand() < 0.02
        bleeding = age >= 50 and rand() < 0.05
        epilepsy = rand() < 0.01
        phobia = rand() < 0.04
        nickel = rand() < 0.03
        latex = rand() < 0.02
        allergies = rng.choice(OTHER_ALLERGIES) if rand() < 0.04 else ""
        skin = rng.choice(SKIN_CONDITIONS) if rand() < 0.02 else ""
        flagged = pregnant or device or bleeding or epilepsy or phobia or nickel or latex
        flagged = flagged or allergies or skin
        flags_at = stamps(registered + 600) if flagged else N
        if flagged:  # what a record signed for this patient copies (migration 0004)
            clinic.flags[i] = copy_array(
                Patient(
                    date_of_birth=born, is_pregnant=pregnant, has_implanted_device=device,
                    bleeding_risk=bleeding, has_epilepsy=epilepsy, needle_phobia_or_fainting=phobia,
                    allergy_nickel=nickel, allergy_latex=latex, other_allergies=allergies,
                    skin_conditions=skin,
                    pregnancy_due_date=date.fromisoformat(due) if pregnant else None,
                ).clinical_flags
            )  # fmt: skip
        archived = stamps(clinic.now - rng.randint(30, 700) * DAY) if rand() < 0.01 else N

        def b(value):
            return "t" if value else "f"

        yield (
            f"{clinic.patient_base + i}\t{clinic.uuids[i]}\t{text(first)}\t{text(last)}"
            f"\t{text(preferred)}\t{born.isoformat()}\t{sex}\t{phone}\t{email}"
            f"\t{text(line1)}\t{text(district)}\t{city}\t{postcode}"
            f"\t{text(contact_first)} {text(last)}\tFamily\t07700 900{rng.randint(0, 999):03d}"
            f"\t{rng.choice(doctors)}\t{practice}\t{practice_phone}"
            f"\t{registered_day.isoformat()}\t2023-04"
            f"\t{'email' if email else 'sms'}\t{b(email)}\tt\tt"
            f"\t{b(pregnant)}\t{due}\t{b(device)}"
            f"\t{rng.choice(IMPLANTED_DEVICES) if device else ''}"
            f"\t{b(bleeding)}\t{b(epilepsy)}\t{b(phobia)}\t{b(nickel)}\t{b(latex)}"
            f"\t{text(allergies)}\t{text(skin)}\t{flags_at}\t{archived}"
            f"\t{stamps(registered)}\t{stamps(registered)}\t1"
            f"\t{N if user_id is None else user_id}\n"
        )


PATIENT_COLUMNS = [
    "id", "uuid", "first_name", "last_name", "preferred_name", "date_of_birth", "sex",
    "phone", "email", "address_line1", "address_line2", "city", "postcode",
    "emergency_contact_name", "emergency_contact_relationship", "emergency_contact_phone",
    "family_doctor_name", "family_doctor_practice", "family_doctor_phone",
    "consent_to_treatment_date", "consent_text_version", "preferred_contact", "allow_email",
    "allow_sms", "appointment_reminders", "is_pregnant", "pregnancy_due_date",
    "has_implanted_device", "implanted_device_details", "bleeding_risk", "has_epilepsy",
    "needle_phobia_or_fainting", "allergy_nickel", "allergy_latex", "other_allergies",
    "skin_conditions", "clinical_flags_updated_at", "archived_at",
    "created_at", "updated_at", "version", "user_id",
]  # fmt: skip
USER_COLUMNS = [
    "id", "password", "last_login", "is_superuser", "email", "full_name", "role",
    "is_active", "is_staff", "date_joined",
]  # fmt: skip


# --- Calendar -------------------------------------------------------------------------


def plan_calendar(clinic: Clinic) -> list[list[tuple[date, date]]]:
    """Clinic closures and one week off a year for each practitioner; returns
    each practitioner's (by staff index) weeks off as (Monday, Saturday) pairs."""
    rng = clinic.rng
    first, last = clinic.first_day, clinic.last_day
    for year in range(first.year, last.year + 1):
        for month, day in CLOSED:
            closed = date(year, month, day)
            if first <= closed <= last:
                clinic.closed.add(closed)
    weeks = []
    span_days = (last - first).days
    years = max(1, round(span_days / 365))
    for index in range(len(clinic.staff)):
        off: set[date] = set()
        mine = []
        for year in range(years):
            offset = year * 365 + rng.randrange(max(min(365, span_days - year * 365) - 7, 1))
            monday = first + timedelta(days=offset)
            monday -= timedelta(days=monday.weekday())
            days = [monday + timedelta(days=d) for d in range(HOLIDAY_DAYS)]
            off.update(days)
            mine.append((days[0], days[-1]))
        clinic.holidays[index] = off
        weeks.append(mine)
    return weeks


# --- Appointments ---------------------------------------------------------------------

APPOINTMENT_COLUMNS = [
    "id", "uuid", "patient_id", "practitioner_id", "room_id", "appointment_type_id",
    "start_at", "end_at", "blocked_until", "status", "cancelled_at", "cancelled_by",
    "cancellation_reason", "late_cancellation", "outside_hours_reason", "notes",
    "booked_online", "booked_by_id", "created_at", "updated_at", "sequence", "version",
]  # fmt: skip
CANCEL_REASONS = ("Unwell", "Work commitment", "Childcare", "Car broke down", "Feeling better")
BOOKING_NOTES = ("", "", "", "", "", "", "Prefers a female practitioner", "Parking permit")


def appointment_lines(clinic: Clinic, stamps: Stamps, weights: dict[str, int]) -> Iterator[str]:
    """Lay the appointments out practitioner by practitioner, day by day (see
    scale.plan), and record a session seed for each completed one."""
    plan, rng, zone, now = clinic.plan, clinic.rng, clinic.zone, clinic.now
    rand = rng.random
    staff_count = len(clinic.staff)
    # The patients' panels: patient i sees practitioner order[i % staff_count].
    order = list(range(staff_count))
    rng.shuffle(order)
    panels: list[list[int]] = [[] for _ in range(staff_count)]
    for i in range(plan.patients):
        panels[order[i % staff_count]].append(i)
    visits = array("H", [0]) * plan.patients
    type_table = [t for t in clinic.types for _ in range(weights.get(t.name, 1))]
    days = []
    day = clinic.first_day
    while day <= clinic.last_day:
        if day.weekday() in WORKDAYS and day not in clinic.closed:
            start, end = local_epoch(day, DAY_START, zone), local_epoch(day, DAY_END, zone)
            days.append((day, day.isoformat(), start, end, plan.fill(day, clinic.today)))
        day += timedelta(days=1)
    free_step = FREE_STEP_MINUTES * MINUTE
    next_id = clinic.appointment_base
    front_desk = clinic.front_desk_ids
    for index, staff in enumerate(clinic.staff):
        panel = panels[index]
        registered = [clinic.registered[i] for i in panel]
        known = 0  # patients of the panel registered so far
        holidays = clinic.holidays.get(index, set())
        prefix = f"\t{staff.practitioner_id}\t{staff.room_id}\t"
        last_completed = None
        for day, day_text, start, end, fill in days:
            if day in holidays:
                continue
            while known < len(registered) and registered[known] <= start:
                known += 1
            if not known:
                continue
            seen: set[int] = set()
            cursor = start
            while cursor < end:
                if rand() >= fill:
                    cursor += free_step
                    continue
                kind = type_table[int(rand() * len(type_table))]
                finish = cursor + kind.minutes * MINUTE
                if finish > end:
                    break
                blocked = finish + kind.buffer * MINUTE
                # Recent patients (a course of care) come most; nobody twice a day.
                for _ in range(4):
                    patient = panel[known - 1 - int(known * rand() ** 2)]
                    if patient not in seen:
                        break
                seen.add(patient)
                lead = (3 + int(rand() * 25)) * DAY + int(rand() * 8) * 3600
                created = min(cursor - lead, now - 3600)
                cancelled_at, cancelled_by, reason, late = N, "", "", "f"
                sequence, version, seed_kind = 0, 1, None
                roll = rand()
                if blocked <= now:
                    if roll < PAST_CANCELLED:
                        status = "cancelled"
                    elif roll < PAST_CANCELLED + PAST_NO_SHOW:
                        status, version = "no_show", 2
                    else:
                        status, version, seed_kind = "completed", 4, SIGNED
                elif cursor <= now:
                    # In the treatment room right now.
                    status, version = "in_treatment", 3
                    seed_kind = RUNNING if now >= cursor + 5 * MINUTE else STARTED
                else:
                    status = "cancelled" if roll < FUTURE_CANCELLED else "booked"
                updated = created
                if status == "cancelled":
                    before = (2 * 3600, 30 * 3600, 72 * 3600)[int(rand() * 3)]
                    when = min(cursor - before, now - MINUTE)
                    when = max(when, created + MINUTE)
                    cancelled_at = stamps(when)
                    cancelled_by = "patient" if rand() < 0.8 else "clinic"
                    reason = CANCEL_REASONS[int(rand() * len(CANCEL_REASONS))]
                    late = "t" if cursor - when < DAY else "f"
                    sequence, version, updated = 1, 2, when
                elif status != "booked":
                    updated = min(blocked, now)
                online = rand() < 0.05
                booked_by = N if online else front_desk[int(rand() * len(front_desk))]
                note = BOOKING_NOTES[int(rand() * len(BOOKING_NOTES))]
                if seed_kind is not None:
                    visit = visits[patient]
                    visits[patient] = min(visit + 1, 65535)
                    clinic.seeds.append(
                        Seed(next_id, patient, index, cursor, finish, day_text, seed_kind, visit)
                    )
                    if seed_kind == SIGNED:
                        last_completed = clinic.seeds[-1]
                yield (
                    f"{next_id}\t{new_uuid(rng)}\t{clinic.patient_base + patient}{prefix}"
                    f"{kind.id}\t{stamps(cursor)}\t{stamps(finish)}\t{stamps(blocked)}"
                    f"\t{status}\t{cancelled_at}\t{cancelled_by}\t{reason}\t{late}\t"
                    f"\t{note}\t{'t' if online else 'f'}\t{booked_by}\t{stamps(created)}"
                    f"\t{stamps(updated)}\t{sequence}\t{version}\n"
                )
                next_id += 1
                cursor = blocked
        # Each practitioner has signed all but their latest completed record.
        if last_completed is not None:
            last_completed.kind = DRAFT
    clinic.appointments = next_id - clinic.appointment_base


# --- Needle placements ---------------------------------------------------------------

PLACEMENT_COLUMNS = [
    "session_id", "position", "acupoint_id", "ashi_location", "side", "needle_id",
    "depth_mm", "angle", "stimulation", "manual_method", "ea_frequency", "ea_minutes",
    "de_qi", "notes", "points_needled", "named_points", "region",
    "signed_point_code", "signed_point_name", "signed_needle_gauge_mm",
    "signed_needle_length_mm", "signed_needle_make",
]  # fmt: skip
# A draft's placements copy nothing yet; a signed one's copy point and needle.
UNSIGNED_PLACEMENT = f"\t\t{N}\t{N}\t"
# Low back pain points (DOMAIN.md) and how often practitioners reach for them.
POINTS = {
    "BL23": 10, "BL25": 8, "BL40": 8, "ASHI": 8, "GB30": 6, "BL52": 5, "EX-B2": 5,
    "GB34": 5, "GV3": 4, "GV4": 4, "BL60": 4, "BL24": 3, "BL26": 3, "BL57": 3, "BL54": 3,
    "KI3": 3, "LI4": 3, "LR3": 3, "ST36": 3, "SI3": 2, "SP6": 2, "BL36": 2, "BL37": 2,
    "EX-UE7": 2, "GB31": 2, "BL32": 2,
}  # fmt: skip
DISTAL = {"LI4", "LR3", "KI3", "SI3", "BL60", "EX-UE7"}
# Where an Ashi point was, and its body-chart region (sessions.bodychart).
ASHI_PLACES = (
    ("2 cm left of L4", "lumbar_left"),
    ("2 cm right of L4", "lumbar_right"),
    ("left quadratus lumborum", "lumbar_left"),
    ("right quadratus lumborum", "lumbar_right"),
    ("left gluteus medius", "buttock_left"),
    ("right piriformis", "buttock_right"),
    ("left sacroiliac joint", "sacral"),
)
JIAJI_LEVEL_SETS = ("{L3,L4,L5}", "{L4,L5}", "{L2,L3,L4,L5}")
PROTOCOLS_PER_CLINIC = 400


def point_sets(
    rng: random.Random,
    acupoints: dict[str, tuple[int, str, bool]],
    needles: list[int],
    copies: dict[tuple[str, int], str] | None = None,
) -> list[tuple[int, list[str], list[str]]]:
    """The clinic's repertoire: PROTOCOLS_PER_CLINIC sets of 4–12 placements,
    each with its needle count and its placements as COPY text (after the
    session id and position), for a draft and for a signed record (which adds
    ``copies[(code, needle id)]``: what it copies of point and needle, as COPY
    text). Sides fit the points, as the database insists:
    GV and CV points midline, the others left, right or both; Ashi points say where."""
    codes = [code for code in POINTS if code in acupoints]
    weights = [POINTS[code] for code in codes]
    short, medium, long = needles[0], needles[min(2, len(needles) - 1)], needles[-2]
    sets = []
    for _ in range(PROTOCOLS_PER_CLINIC):
        count = rng.randint(4, 12)
        chosen: list[str] = []
        while len(chosen) < count:
            code = rng.choices(codes, weights)[0]
            if code not in chosen or code == "ASHI":
                chosen.append(code)
        needles_used = 0
        tails, signed_tails = [], []
        for code in chosen:
            point_id, kind, midline = acupoints[code]
            ashi = region = ""
            if midline:
                side = "midline"
            elif kind == "ashi":
                side = rng.choice(("left", "right"))
                ashi, region = rng.choice(ASHI_PLACES)
            else:
                side = rng.choices(("bilateral", "left", "right"), (6, 2, 2))[0]
            # Jiaji names its levels; Yaotongdian has two points a hand.
            points, levels = 1, "{}"
            if code == "EX-B2":
                levels = rng.choice(JIAJI_LEVEL_SETS)
                points = levels.count(",") + 1
            elif code == "EX-UE7":
                points = rng.choice((1, 2))
            needles_used += NeedlePlacement.count_for(side, points)
            if code in DISTAL:
                needle, depth = short, rng.choice(("5.0", "8.0", "10.0"))
            elif code == "BL40":  # over the popliteal vessels: oblique and shallow
                needle, depth = medium, rng.choice(("10.0", "12.0", "15.0"))
            elif code in ("GB30", "BL54", "BL36", "BL37"):
                needle, depth = long, rng.choice(("30.0", "40.0", "45.0"))
            else:
                needle, depth = medium, rng.choice(("15.0", "20.0", "25.0"))
            angle = "oblique" if midline or code in ("EX-B2", "BL40") else "perpendicular"
            stimulation = rng.choices(
                ("none", "manual", "electro", "warm_needle"), (40, 40, 15, 5)
            )[0]
            method, frequency, minutes = "", "", N
            if stimulation == "manual":
                method = rng.choice(("even", "reducing", "tonifying"))
            elif stimulation == "electro":
                frequency, minutes = rng.choice(("2", "2/100", "100")), "20"
            de_qi = "t" if rng.random() < 0.8 else "f"
            tail = (
                f"{point_id}\t{ashi}\t{side}\t{needle}\t{depth}\t{angle}\t{stimulation}"
                f"\t{method}\t{frequency}\t{minutes}\t{de_qi}\t\t{points}\t{levels}\t{region}"
            )
            tails.append(f"{tail}\t{UNSIGNED_PLACEMENT}")
            signed_tails.append(f"{tail}\t{(copies or {}).get((code, needle), UNSIGNED_PLACEMENT)}")
        sets.append((needles_used, tails, signed_tails))
    return sets


def choose_sets(clinic: Clinic, sets: list[tuple[int, list[str]]]) -> None:
    """Which set each session's placements are (a practitioner mostly uses their
    own few dozen), and so how many needles went in; none before needles in."""
    rand = clinic.rng.random
    clinic.set_index = array("i")
    clinic.needles = array("H")
    for seed in clinic.seeds:
        if seed.kind == STARTED:
            clinic.set_index.append(-1)
            clinic.needles.append(0)
        else:
            chosen = (seed.staff * 10 + int(rand() * 30)) % len(sets)
            clinic.set_index.append(chosen)
            clinic.needles.append(sets[chosen][0])


def placement_lines(clinic: Clinic, sets: list[tuple[int, list[str], list[str]]]) -> Iterator[str]:
    for number, chosen in enumerate(clinic.set_index):
        if chosen < 0:
            continue
        session_id = clinic.session_base + number
        tails = sets[chosen][2 if clinic.seeds[number].kind == SIGNED else 1]
        for position, tail in enumerate(tails):
            yield f"{session_id}\t{position}\t{tail}\n"


def copy_array(items: list[str]) -> str:
    """A text[] value in COPY text format."""
    quoted = (item.replace("\\", "\\\\").replace('"', '\\"') for item in items)
    return text("{" + ",".join(f'"{item}"' for item in quoted) + "}")


# --- Treatment sessions --------------------------------------------------------------

ODI_COLUMNS = [
    "odi_pain_intensity", "odi_personal_care", "odi_lifting", "odi_walking", "odi_sitting",
    "odi_standing", "odi_sleeping", "odi_sex_life", "odi_social_life", "odi_travelling",
]  # fmt: skip
SESSION_COLUMNS = [
    "id", "uuid", "patient_id", "practitioner_id", "appointment_id", "room_id",
    "session_date", "created_at", "updated_at", "version", "presenting_complaint",
    "pain_locations", "pain_cause", "pain_cause_other", "onset", "aggravating_factors",
    "easing_factors", "nprs_now", "nprs_best", "nprs_worst", *ODI_COLUMNS, "rmdq_score",
    "red_flags", "red_flag_decision", "red_flag_notes", "contraindications_reviewed",
    "contraindication_notes", "tcm_pattern", "tcm_tongue", "tcm_pulse", "change_since_last",
    "needles_in_at", "needles_out_at", "retention_reason", "needles_removed",
    "pressure_applied_after_removal", "missing_needle_incident", "missing_needle_found",
    "missing_needle_details", "response", "response_notes", "recommendations",
    "recommendation_notes", "plan", "next_visit_in_days", "signed_at", "signed_by_id",
    "signed_on", "signed_practitioner_name", "signed_licence_number", "signed_licence_body",
    "signed_licence_expiry", "signed_flags",
    "patient_position",
]  # fmt: skip
COMPLAINTS = (
    "Lower back pain for three months after lifting boxes at work",
    "Recurrent lower back ache, worse after long drives",
    "Low back pain radiating to the left buttock since gardening",
    "Stiff lower back every morning for years",
    "Sciatica down the right leg since a fall on ice",
)
LOCATIONS = (
    "{lumbar_central}", "{lumbar_left,lumbar_central}", "{lumbar_right,buttock_right}",
    "{lumbar_left,buttock_left,thigh_left}", "{sacral,lumbar_central}",
    "{lumbar_right,buttock_right,thigh_right,calf_right}",
)  # fmt: skip
CAUSES = ("muscle_strain", "muscle_strain", "herniated_disc", "arthritis", "")
ONSETS = ("Sudden, 3 weeks ago", "Gradual over 6 months", "Years, on and off", "2 months")
AGGRAVATING = ("Sitting, bending", "Standing for long", "Lifting, coughing", "Mornings")
EASING = ("Walking, heat", "Lying down", "Ibuprofen, stretching", "Moving about")
PATTERNS = (
    "Qi and Blood stagnation",
    "Kidney Yang deficiency",
    "Cold-Damp Bi",
    "Kidney Yin deficiency",
)
TONGUES = ("Pale, thin white coat", "Purple sides", "Red, little coat", "Swollen, teeth marks")
PULSES = ("Wiry", "Deep, weak", "Choppy", "Slippery")
CHANGES = (
    "Less pain on waking",
    "About the same",
    "Sleeping better",
    "Flare after a long drive",
)
RESPONSES = ("better",) * 6 + ("same",) * 3 + ("worse",)
RECOMMENDATIONS = ("{exercise,stay_active}", "{heat,walking}", "{posture}", "{exercise}")
PLANS = (
    "Weekly for four more sessions, then review",
    "Fortnightly maintenance",
    "Continue the course; review ODI at session 6",
)


def _clamp(value: float, high: int) -> int:
    return max(0, min(high, round(value)))


def session_lines(clinic: Clinic, stamps: Stamps) -> Iterator[str]:
    """One record per seed: signed ones complete (scores, retention within
    20–30 min mostly, needle count reconciled), drafts as far as they got."""
    rng = clinic.rng
    rand = rng.random
    baselines = bytes(rng.randint(4, 9) for _ in range(clinic.plan.patients))

    def pick(options):
        return options[int(rand() * len(options))]

    for number, seed in enumerate(clinic.seeds):
        staff = clinic.staff[seed.staff]
        base = baselines[seed.patient]
        better = min(seed.visit, 8)
        nprs = _clamp(base - 0.5 * better + (rand() * 2 - 1), 10)
        odi_level = base / 2 - 0.25 * better
        odi = [str(_clamp(odi_level + (rand() * 2 - 1), 5)) for _ in ODI_COLUMNS]
        if rand() < 0.3:
            odi[7] = N  # sex life: often left out
        first_visit = seed.visit == 0
        needles_in = needles_out = removed = N
        retention_reason, signed_at, signed_by = "", N, N
        snapshot = f"{N}\t\t\t\t{N}\t{N}"
        needles = clinic.needles[number]
        updated = seed.start + 15 * MINUTE
        if seed.kind in (SIGNED, DRAFT, RUNNING):
            needles_in_at = seed.start + 5 * MINUTE
            needles_in = stamps(needles_in_at)
            if seed.kind != RUNNING:
                # 20–30 minutes, within the visit; now and then longer, with a reason.
                window = (seed.end - needles_in_at) // MINUTE
                minutes = min(20 + int(rand() * 11), window)
                if window >= 35 and rand() < 0.03:
                    minutes = 35
                    retention_reason = "Patient asleep and comfortable; checked every 5 minutes"
                needles_out = stamps(needles_in_at + minutes * MINUTE)
                removed = str(needles)
                updated = needles_in_at + minutes * MINUTE
        if seed.kind == SIGNED:
            signed = min(seed.end + (5 + int(rand() * 40)) * MINUTE, clinic.now)
            signed_at, signed_by = stamps(signed), staff.user_id
            signed_on = datetime.fromtimestamp(signed, clinic.zone).date().isoformat()
            flags = clinic.flags.get(seed.patient, "{}")
            snapshot = f"{signed_on}\t{staff.signature}\t{flags}"
            updated = signed
        cause = pick(CAUSES)
        yield (
            f"{clinic.session_base + number}\t{new_uuid(rng)}"
            f"\t{clinic.patient_base + seed.patient}\t{staff.practitioner_id}"
            f"\t{seed.appointment_id}\t{staff.room_id}\t{seed.day}"
            f"\t{stamps(seed.start + 2 * MINUTE)}\t{stamps(updated)}\t6"
            f"\t{pick(COMPLAINTS) if first_visit else ''}\t{pick(LOCATIONS)}\t{cause}\t"
            f"\t{pick(ONSETS) if first_visit else ''}\t{pick(AGGRAVATING)}\t{pick(EASING)}"
            f"\t{nprs}\t{max(nprs - 2, 0)}\t{min(nprs + 2, 10)}\t" + "\t".join(odi) + f"\t{N}"
            f"\t{{}}\t\t\tt\t\t{pick(PATTERNS)}\t{pick(TONGUES)}\t{pick(PULSES)}"
            f"\t{'' if first_visit else pick(CHANGES)}"
            f"\t{needles_in}\t{needles_out}\t{retention_reason}\t{removed}"
            f"\t{'t' if rand() < 0.5 else 'f'}\tf\t{N}\t"
            f"\t{pick(RESPONSES) if seed.kind == SIGNED else ''}\t"
            f"\t{pick(RECOMMENDATIONS) if seed.kind == SIGNED else '{}'}\t"
            f"\t{pick(PLANS) if seed.kind == SIGNED else ''}"
            f"\t{pick((7, 7, 14)) if seed.kind == SIGNED else N}\t{signed_at}\t{signed_by}"
            f"\t{snapshot}\t{'prone' if needles_in != N else ''}\n"
        )
