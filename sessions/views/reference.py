"""The clinic's reference lists, for its practitioners (RECORD_SESSIONS): the
needles it stocks and the points traditionally avoided in pregnancy. List, add,
edit; needles are retired, never deleted; a point may be taken off the list.
Every change goes through sessions.reference (audited). Not in the Django
admin: these pages are the one way to change them.

Reference rows are not patient data and have no UUID: their integer ids are in
the URLs."""

from django.contrib import messages
from django.db.models import Exists, OuterRef
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import require
from accounts.roles import Capability
from sessions import reference
from sessions.models import Needle, NeedlePlacement, PregnancyCautionPoint
from sessions.reference_forms import NeedleForm, PregnancyCautionForm, PregnancyCautionReasonForm


def _needles():
    used = NeedlePlacement.objects.filter(needle=OuterRef("pk"))
    return Needle.objects.annotate(in_use=Exists(used)).order_by(
        "-is_active", "gauge_mm", "length_mm", "make"
    )


@require_http_methods(["GET", "POST"])
@require(Capability.RECORD_SESSIONS)
def needle_list(request):
    form = NeedleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            needle = reference.add_needle(by=request.user, **form.cleaned_data)
        except reference.ReferenceDataError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Added the needle {needle}.")
            return redirect("records:needles")
    return render(request, "sessions/reference_needles.html", {"needles": _needles(), "form": form})


@require_http_methods(["GET", "POST"])
@require(Capability.RECORD_SESSIONS)
def needle_edit(request, pk):
    needle = get_object_or_404(_needles(), pk=pk)
    form = NeedleForm(request.POST or None, instance=needle, in_use=needle.in_use)
    if request.method == "POST" and form.is_valid():
        try:
            saved = reference.change_needle(needle=needle, by=request.user, data=form.cleaned_data)
        except reference.ReferenceDataError as error:
            form.add_error(None, error)
        else:
            state = "in stock" if saved.is_active else "retired (kept on every record)"
            messages.success(request, f"Saved the needle {saved}: {state}.")
            return redirect("records:needles")
    return render(request, "sessions/reference_needle.html", {"needle": needle, "form": form})


def _cautions():
    return PregnancyCautionPoint.objects.select_related("acupoint").order_by("acupoint__sort_order")


@require_http_methods(["GET", "POST"])
@require(Capability.RECORD_SESSIONS)
def pregnancy_point_list(request):
    form = PregnancyCautionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            caution = reference.add_pregnancy_caution(by=request.user, **form.cleaned_data)
        except reference.ReferenceDataError as error:
            form.add_error("acupoint", error)
        else:
            messages.success(request, f"Added {caution.acupoint.code} to the pregnancy list.")
            return redirect("records:pregnancy-points")
    context = {"cautions": _cautions(), "form": form}
    return render(request, "sessions/reference_pregnancy_points.html", context)


@require_http_methods(["GET", "POST"])
@require(Capability.RECORD_SESSIONS)
def pregnancy_point_edit(request, pk):
    caution = get_object_or_404(_cautions(), pk=pk)
    form = PregnancyCautionReasonForm(request.POST or None, initial={"reason": caution.reason})
    if request.method == "POST" and form.is_valid():
        reference.change_pregnancy_caution(
            caution=caution, by=request.user, reason=form.cleaned_data["reason"]
        )
        messages.success(request, f"Saved the reason for {caution.acupoint.code}.")
        return redirect("records:pregnancy-points")
    context = {"caution": caution, "form": form}
    return render(request, "sessions/reference_pregnancy_point.html", context)


@require_POST
@require(Capability.RECORD_SESSIONS)
def pregnancy_point_remove(request, pk):
    caution = get_object_or_404(_cautions(), pk=pk)
    code = caution.acupoint.code
    reference.remove_pregnancy_caution(caution=caution, by=request.user)
    messages.success(
        request,
        f"Took {code} off the pregnancy list. Records that overrode its warning keep their reason.",
    )
    return redirect("records:pregnancy-points")
