"""The outcome pages: the report, a CSV per table, and how each number is computed.

Practitioners only (VIEW_CLINICAL): the clinic's aggregates de-identified,
their own patients by name; the by-practitioner comparison for a clinical lead.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from accounts.access import require
from accounts.roles import Capability
from reports.outcomes import CURVE_SESSIONS, ENDED_AFTER_DAYS, MIN_CELL, RESPONDER_VISITS
from reports.pages import (
    build_outcome_report,
    build_outcome_table,
    build_research_export,
    is_clinical_lead,
)
from reports.practice_pages import build_practice_report
from reports.research import HEADERS, VISITS, K
from reports.services import record_outcomes_export, record_research_export
from reports.tables import csv_response, dict_csv_response


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
    found = build_outcome_table(request.user, request.GET, table)
    if found is None:
        raise Http404("No such table.")
    record_outcomes_export(by=request.user, table=table, filters=request.GET.dict())
    return csv_response(found, f"outcomes-{table}.csv")


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


@require_http_methods(["GET", "POST"])
@require(Capability.VIEW_CLINICAL)
def research_export(request):
    """GET: what the export holds; POST: the CSV, or why it is refused. Clinical lead only."""
    if not is_clinical_lead(request.user):
        raise PermissionDenied("The research export is for the clinic's clinical lead.")
    context = {"k": K, "visits": VISITS}
    if request.method == "POST":
        result = build_research_export(settings.RESEARCH_EXPORT_KEY)
        record_research_export(by=request.user, result=result)
        if result.refusal:
            context |= {"refusal": result.refusal, "small_groups": result.small_groups}
        else:
            return dict_csv_response(HEADERS, result.rows, "research-export.csv")
    return render(request, "reports/research.html", context)


@require_GET
@require(Capability.BOOK_APPOINTMENTS)
def practice(request):
    report = build_practice_report(request.GET)
    return render(
        request, "reports/practice.html", {"report": report, "query": request.GET.urlencode()}
    )


@require_GET
@require(Capability.BOOK_APPOINTMENTS)
def practice_csv(request, table):
    report = build_practice_report(request.GET)
    if table not in report.tables:
        raise Http404("No such table.")
    return csv_response(report.tables[table], f"practice-{table}.csv")
