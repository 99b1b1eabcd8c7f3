"""What the generator makes: the clinic group's size and its weekly pattern.

The defaults are the issue's: 50,000 patients, 40 practitioners and five years
of appointments (the last twelve weeks of them still to come).

The layout: every practitioner has a room of their own and works Monday to
Saturday, 08:00–20:00 clinic time, one week a year off, and the clinic closes
on 25 and 26 December and 1 January. Each working day is filled from 08:00 by
a cursor: with the day's fill rate it books an appointment (Initial
consultation 60+15 min, Follow-up treatment 45+15, Review and treatment 30+0;
1 : 4 : 5) and moves past its blocked time, otherwise it leaves 30 minutes
free. The past is filled at 85 %; the future thins out from 85 % tomorrow to
10 % twelve weeks on, as a real book does. Appointments of one practitioner
never overlap and each is in that practitioner's room, so the exclusion
constraints hold by construction.

That is about 13.5 appointments per practitioner-day and ~0.83 million
appointments over the defaults: one practitioner cannot see a million patients'
visits in five years at 40 practitioners (that would be 17 a day, six days a
week, with 45-minute visits). ``--practitioners 48`` gives about 1,000,000.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, time, timedelta

SCALE_DOMAIN = "scale.example"
# Every generated account has this password (benchmarks log in with it).
SCALE_PASSWORD = "scale-bench-2026"

WORKDAYS = (0, 1, 2, 3, 4, 5)  # Monday to Saturday
DAY_START, DAY_END = time(8, 0), time(20, 0)
FREE_STEP_MINUTES = 30
PAST_FILL = 0.85
FUTURE_FILL_MIN = 0.10
WEEKS_AHEAD = 12
# (name, minutes, buffer, colour, bookable online, weight): the demo's types.
TYPE_WEIGHTS = {"Initial consultation": 1, "Follow-up treatment": 4, "Review and treatment": 5}
CLOSED = ((12, 25), (12, 26), (1, 1))
HOLIDAY_DAYS = 6  # one working week off per practitioner and year

# Appointment outcomes.
PAST_CANCELLED = 0.06
PAST_NO_SHOW = 0.03
FUTURE_CANCELLED = 0.05
PORTAL_SHARE = 0.10  # patients with a portal account
FRONT_DESK = 8


@dataclass(frozen=True)
class Plan:
    patients: int = 50_000
    practitioners: int = 40
    years: float = 5.0
    seed: int = 2026
    weeks_ahead: int = WEEKS_AHEAD
    front_desk: int = FRONT_DESK

    def window(self, today: date) -> tuple[date, date]:
        """First and last day of appointments: ``years`` in all, the last
        ``weeks_ahead`` weeks of them after today."""
        total = max(round(self.years * 365), 7)
        last = today + timedelta(days=self.weeks_ahead * 7)
        return last - timedelta(days=total - 1), last

    def fill(self, day: date, today: date) -> float:
        """The share of a day's time that is booked."""
        if day <= today:
            return PAST_FILL
        ahead = (day - today).days
        horizon = max(self.weeks_ahead * 7, 1)
        return max(FUTURE_FILL_MIN, PAST_FILL * (1 - ahead / horizon))

    def estimated_appointments(self) -> int:
        """A rough figure for the progress bar (the layout decides)."""
        days = self.years * 365 * len(WORKDAYS) / 7 - (len(CLOSED) + HOLIDAY_DAYS) * self.years
        return max(math.ceil(days * self.practitioners * 13.5), 1)
