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

from django.db.models import (
    BooleanField,
    Count,
    DateField,
    F,
    Func,
    QuerySet,
    Subquery,
    Window,
)
from django.http import Http404

from sessions.models import TreatmentSession

PAGE_SIZE = 10
KEYS = ("session_date", "created_at", "id")
NEWEST_FIRST = tuple(f"-{key}" for key in KEYS)


def parse_cursor(value: str | None) -> uuid.UUID | None:
    """The ``before`` query parameter: absent for the latest page; anything but a
    UUID is a page that does not exist (404, never a 500)."""
    if not value:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        raise Http404("No such page of sessions.") from None


class _OlderThan(Func):
    """``(session_date, created_at, id) < (SELECT the same FROM the cursor's row)``:
    PostgreSQL compares rows key by key, which is exactly the keyset's order. No
    cursor row (not among the rows this user may see) compares as NULL: no rows."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, cursor_row: QuerySet[TreatmentSession]):
        keys = cursor_row.order_by().values(*KEYS)[:1]
        super().__init__(*(F(k) for k in KEYS), Subquery(keys, output_field=DateField()))

    def as_sql(self, compiler, connection, **extra_context):
        *keys, cursor = self.get_source_expressions()
        sql, params = [], []
        for key in keys:
            key_sql, key_params = compiler.compile(key)
            sql.append(key_sql)
            params.extend(key_params)
        cursor_sql, cursor_params = compiler.compile(cursor)
        return f"(({', '.join(sql)}) < {cursor_sql})", (*params, *cursor_params)


def older_than(queryset: QuerySet[TreatmentSession], cursor: uuid.UUID):
    """The rows of ``queryset`` that come after the cursor's row, newest first.
    The cursor is looked up among the same rows (this patient's, that this user
    may see), in the same query."""
    return queryset.filter(_OlderThan(queryset.filter(uuid=cursor)))


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
