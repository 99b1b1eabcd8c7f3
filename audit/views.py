"""The clinic admin's search of the audit trail, and its CSV export.

The clinic admin has no clinical capability, so the pages never show the
values in an event's data: only its keys, plus the names of changed fields
(never their old or new values) for events that are not clinical.
"""

import csv
from collections.abc import Iterator

from django.core.paginator import Paginator
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.access import require
from accounts.roles import Capability
from audit.forms import AuditSearchForm
from audit.models import AuditEvent
from audit.presentation import describe_data
from audit.services import record_export

PAGE_SIZE = 50


def _events(form):
    events = AuditEvent.objects.select_related("actor", "patient").order_by("-occurred_at", "-id")
    return form.filter(events)


@never_cache
@require_GET
@require(Capability.MANAGE_CLINIC)
def search(request):
    form = AuditSearchForm(request.GET or None)
    page = None
    if form.is_bound and not form.is_valid():
        events = AuditEvent.objects.none()
    else:
        if not form.is_bound:
            form = AuditSearchForm({})
            form.is_valid()
        events = _events(form)
        page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
        for event in page:
            event.data_summary = describe_data(event.action, event.data)
    export_query = request.GET.copy()
    export_query.pop("page", None)
    return render(
        request,
        "audit/search.html",
        {"form": form, "page": page, "export_query": export_query.urlencode()},
    )


# --- CSV export -------------------------------------------------------------------

CSV_HEADER = [
    "when",
    "user",
    "role",
    "action",
    "patient number",
    "patient",
    "client address",
    "object type",
    "object id",
    "data keys",
    "chain position",
]


class _Echo:
    """A file-like object whose write returns the line, for csv.writer."""

    def write(self, value):
        return value


def _cell(value) -> str:
    """Text for a CSV cell; a leading =, +, -, @, tab or CR is neutralised so
    that spreadsheets do not run it as a formula (CSV injection)."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def _csv_rows(events) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_HEADER)
    for event in events.iterator(chunk_size=2000):
        actor, patient = event.actor, event.patient
        yield writer.writerow(
            [
                _cell(c)
                for c in (
                    timezone.localtime(event.occurred_at).isoformat(timespec="seconds"),
                    actor.email if actor else event.actor_label,
                    actor.get_role_display() if actor else "",
                    event.action,
                    patient.patient_number if patient else "",
                    patient.display_name if patient else "",
                    event.client_address or "",
                    event.object_type,
                    event.object_id,
                    describe_data(event.action, event.data),
                    event.chain_position,
                )
            ]
        )


@never_cache
@require_GET
@require(Capability.MANAGE_CLINIC)
def export_csv(request):
    form = AuditSearchForm(request.GET)
    if not form.is_valid():
        return HttpResponse(
            "The filters are not valid: correct them on the audit page.",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    record_export(by=request.user, filters=form.active_filters())
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(_csv_rows(_events(form)), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="audit-trail-{stamp}.csv"'
    return response
