"""A long treatment history read a page at a time, newest first.

The practitioner's clinical page and the patient's portal history show the
latest ``PAGE_SIZE`` sessions; "Earlier sessions" asks for the next page with
``?before=<uuid of the last session shown>``. The page is found by its keys
(keyset pagination: session date, then creation time, then id, all newest
first), never by an OFFSET, so the database reads only the rows it returns and
Python builds only the sessions the page shows. Whether there is more is counted
by a window function in the same query, so no extra row is built to find out.

The cursor's keys are read by subqueries of the caller's own queryset (the
rows this user may see, of this patient): a cursor naming another patient's
session, or one this user may not read, selects nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Subquery, Window
from django.http import Http404

from sessions.models import TreatmentSession

PAGE_SIZE = 10
NEWEST_FIRST = ("-session_date", "-created_at", "-id")


def parse_cursor(value: str | None) -> uuid.UUID | None:
    """The ``before`` query parameter: absent for the latest page; anything but a
    UUID is a page that does not exist (404, never a 500)."""
    if not value:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        raise Http404("No such page of sessions.") from None


def older_than(queryset: QuerySet[TreatmentSession], cursor: uuid.UUID):
    """The rows of ``queryset`` that come after the cursor's row, newest first
    (``queryset`` must not group: no aggregate annotations)."""
    row = queryset.filter(uuid=cursor).order_by()

    def key(field):
        return Subquery(row.values(field)[:1])

    date, created, pk = key("session_date"), key("created_at"), key("pk")
    return queryset.filter(
        Q(session_date__lt=date)
        | Q(session_date=date, created_at__lt=created)
        | Q(session_date=date, created_at=created, pk__lt=pk)
    )


@dataclass(frozen=True)
class Page:
    """One page of a history: its sessions, and the cursor of the next one."""

    sessions: list[TreatmentSession]
    before: uuid.UUID | None  # the cursor this page was asked for (None: the latest)
    earlier: int  # sessions older than this page

    @property
    def next_cursor(self) -> uuid.UUID | None:
        return self.sessions[-1].uuid if self.earlier and self.sessions else None


def page_of(
    queryset: QuerySet[TreatmentSession], *, before: uuid.UUID | None, size: int = PAGE_SIZE
) -> Page:
    """The page of ``queryset`` after ``before`` (the latest page when None): one
    query, plus the caller's prefetches for the rows it shows."""
    rows = queryset if before is None else older_than(queryset, before)
    sessions = list(rows.annotate(_matching=Window(Count("pk"))).order_by(*NEWEST_FIRST)[:size])
    matching = sessions[0]._matching if sessions else 0
    return Page(sessions=sessions, before=before, earlier=matching - len(sessions))
