"""The outcome pages: the report, a CSV per table, and how each number is computed.

Practitioners only (VIEW_CLINICAL): the clinic's aggregates de-identified,
their own patients by name; the by-practitioner comparison for a clinical lead.
"""

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.access import require
from accounts.roles import Capability
from audit.services import record
from reports.outcomes import CURVE_SESSIONS, ENDED_AFTER_DAYS, MIN_CELL, RESPONDER_VISITS
from reports.pages import build_outcome_report
from reports.tables import csv_response


@require_GET
@require(Capability.VIEW_CLINICAL)
def outcomes(request):
    report = build_outcome_report(request.user, request.GET)
    return render(
        request,
        "reports/outcomes.html",
        {"report": report, "query": request.GET.urlencode()},
    )


@require_GET
@require(Capability.VIEW_CLINICAL)
def outcomes_csv(request, table):
    report = build_outcome_report(request.user, request.GET)
    if table not in report.tables:
        raise Http404("No such table.")
    record(
        "reports.outcomes.exported",
        actor=request.user,
        data={"table": table, "filters": request.GET.dict()},
    )
    return csv_response(report.tables[table], f"outcomes-{table}.csv")


@require_GET
@require(Capability.VIEW_CLINICAL)
def outcomes_about(request):
    return render(
        request,
        "reports/outcomes_about.html",
        {
            "min_cell": MIN_CELL,
            "visits": RESPONDER_VISITS,
            "curve_sessions": CURVE_SESSIONS,
            "ended_after": ENDED_AFTER_DAYS,
        },
    )
