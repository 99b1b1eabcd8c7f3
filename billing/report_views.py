"""Report pages and CSV exports (front desk and the clinic admin); a
practitioner's own revenue when the clinic allows it."""

from datetime import date, timedelta

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.access import require, require_any
from accounts.roles import Capability
from billing import exports, reports
from billing.forms import DATE_INPUT
from billing.models import BillingSettings
from practitioners.models import Practitioner


def first_of_year_back(today: date) -> date:
    """The first of the month eleven months back: twelve months with this one."""
    return (today.replace(day=1) - timedelta(days=320)).replace(day=1)


def within_reason(day: date) -> None:
    """Reports run over the clinic's years, not year 9999 (day arithmetic overflows)."""
    if not 1900 <= day.year <= 2999:
        raise forms.ValidationError("Choose a date between 1900 and 2999.")


class DayForm(forms.Form):
    day = forms.DateField(
        label="Day", widget=DATE_INPUT, required=False, validators=[within_reason]
    )


class RangeForm(forms.Form):
    start = forms.DateField(
        label="From", widget=DATE_INPUT, required=False, validators=[within_reason]
    )
    end = forms.DateField(label="To", widget=DATE_INPUT, required=False, validators=[within_reason])

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        data["start"] = data.get("start") or first_of_year_back(today)
        data["end"] = data.get("end") or today
        if data["start"] > data["end"]:
            self.add_error("end", "The end must be on or after the start.")
        elif (data["end"] - data["start"]).days > 3660:
            self.add_error("start", "Choose at most ten years.")
        return data


def _range(request) -> tuple[RangeForm, date | None, date | None]:
    form = RangeForm(request.GET or None)
    if form.is_bound and form.is_valid():
        return form, form.cleaned_data["start"], form.cleaned_data["end"]
    if form.is_bound:
        return form, None, None
    today = timezone.localdate()
    return form, first_of_year_back(today), today


@require_GET
@require(Capability.BILL)
def takings(request):
    form = DayForm(request.GET or None)
    day = (form.cleaned_data["day"] if form.is_valid() else None) or timezone.localdate()
    context = {
        "form": form,
        "report": reports.takings(day),
        "currency": BillingSettings.load().currency,
    }
    return render(request, "billing/takings.html", context)


@require_GET
@require(Capability.BILL)
def aged(request):
    context = {
        "report": reports.aged_balances(),
        "bands": reports.AGE_BANDS,
        "currency": BillingSettings.load().currency,
    }
    return render(request, "billing/aged.html", context)


@require_GET
@require_any(Capability.BILL, Capability.RECORD_SESSIONS)
def revenue(request):
    """Everyone's revenue for billing staff; a practitioner's own when the clinic allows."""
    settings = BillingSettings.load()
    practitioner = None
    if not request.user.can(Capability.BILL):
        practitioner = Practitioner.objects.filter(user=request.user).first()
        if practitioner is None or not settings.practitioners_see_own_revenue:
            raise PermissionDenied("The clinic does not show practitioners their revenue.")
    form, start, end = _range(request)
    rows = reports.revenue(start, end, practitioner=practitioner) if start else []
    context = {
        "form": form,
        "rows": rows,
        "practitioner": practitioner,
        "currency": settings.currency,
        "start": start,
        "end": end,
    }
    return render(request, "billing/revenue.html", context)


def _csv(rows, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(rows, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
@require(Capability.BILL)
def export(request, what):
    if what not in ("invoices", "payments"):
        raise Http404("No such export.")
    form, start, end = _range(request)
    if start is None:
        return render(request, "billing/export_error.html", {"form": form}, status=400)
    if what == "payments":
        return _csv(exports.payments_csv(start, end), f"payments-{start}-{end}.csv")
    return _csv(exports.invoices_csv(start, end), f"invoices-{start}-{end}.csv")
