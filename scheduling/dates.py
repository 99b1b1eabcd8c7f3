"""One way to write a date on the calendar pages, in messages and in the
appointment history: "Wednesday 2 December", "Wednesday 2 December 14:30"
(no leading zero; local time in the clinic's zone). Templates use the same
format through ``|date:"l j F"``."""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone


def long_date(day: date | datetime) -> str:
    if isinstance(day, datetime):
        day = timezone.localtime(day)
    return f"{day:%A} {day.day} {day:%B}"


def long_datetime(moment: datetime) -> str:
    local = timezone.localtime(moment)
    return f"{long_date(local)} {local:%H:%M}"
