"""Course of care: plan N appointments, see every conflict, then book the chosen ones.

POST action=preview shows the plan and saves nothing. POST action=save plans
again from the same details (the times may have been taken since), checks the
ticked rows and books them in one transaction: all of them or none.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts.access import require
from accounts.roles import Capability
from scheduling import services
from scheduling.course import PlannedVisit, book_course, plan_course
from scheduling.dates import long_datetime
from scheduling.planning_forms import CourseForm
from scheduling.views.finder import chosen_patient

PREVIEW, SAVE = "preview", "save"


def _initial(request) -> dict:
    """Pre-fill from a link: ?patient=&appointment_type=&practitioner=&room=."""
    return {
        key: request.GET[key]
        for key in ("patient", "appointment_type", "practitioner", "room")
        if request.GET.get(key)
    }


def _plan(form) -> list[PlannedVisit]:
    data = form.cleaned_data
    return plan_course(
        patient=data["patient"],
        appointment_type=data["appointment_type"],
        practitioner=data["practitioner"],
        room=data["room"],
        first_date=data["first_date"],
        start_time=data["time"],
        count=data["count"],
        pattern=data["pattern"],
        every_days=data["every_days"],
    )


def _when(visit: PlannedVisit) -> str:
    return long_datetime(visit.start)


def _refusal(form, visits, chosen) -> str | None:
    """Why the ticked rows cannot be booked as they are, or None."""
    if not chosen:
        return "Tick at least one appointment to book. Nothing was saved."
    taken = [v for v in visits if v.key in chosen and v.blocked]
    if taken:
        listed = "; ".join(f"{_when(v)}: {', '.join(v.problems)}" for v in taken)
        return (
            f"Nothing was saved: {listed}. The plan below shows the conflicts now; "
            "untick those rows or change the details, then save again."
        )
    return None


def _booking_refusal(form, error: services.BookingError) -> str:
    """Why book_course refused (it owns the rules), said for the whole plan."""
    if "outside_hours_reason" in getattr(error, "error_dict", {}):
        form.add_error(
            "outside_hours_reason",
            "Some ticked appointments are outside working hours: say why, or untick them.",
        )
        return "Nothing was saved: a reason is needed for appointments outside working hours."
    # Someone took one of the times since the plan was made.
    return (
        f"Nothing was saved: {' '.join(error.messages)} The plan below shows the "
        "conflicts now; untick those rows, then save again."
    )


@require_http_methods(["GET", "POST"])
@require(Capability.BOOK_APPOINTMENTS)
def course(request):
    if request.method == "GET":
        form = CourseForm(initial=_initial(request), user=request.user)
        patient = chosen_patient(request.GET["patient"]) if request.GET.get("patient") else None
        return render(request, "scheduling/course.html", {"form": form, "patient": patient})

    form = CourseForm(request.POST, user=request.user)
    valid = form.is_valid()
    patient = form.cleaned_data.get("patient")
    context = {"form": form, "patient": patient}
    if not valid:
        return render(request, "scheduling/course.html", context)

    visits = _plan(form)
    chosen = set(request.POST.getlist("rows"))
    checked = {v.key for v in visits if v.ok}
    if request.POST.get("action") == SAVE:
        if request.POST.get("plan") != form.plan_key():
            form.add_error(
                None,
                "The details changed since the preview, so nothing was saved. "
                "Check the new plan below and save again.",
            )
        else:
            refusal = _refusal(form, visits, chosen)
            if refusal is None:
                try:
                    booked = book_course(
                        [v for v in visits if v.key in chosen],
                        patient=patient,
                        appointment_type=form.cleaned_data["appointment_type"],
                        practitioner=form.cleaned_data["practitioner"],
                        by=request.user,
                        outside_hours_reason=form.cleaned_data["outside_hours_reason"],
                        notes=form.cleaned_data["notes"],
                    )
                except services.BookingError as error:
                    visits = _plan(form)
                    refusal = _booking_refusal(form, error)
                else:
                    messages.success(
                        request,
                        f"Booked {len(booked)} appointment{'s' if len(booked) != 1 else ''} "
                        f"for {patient.display_name}: "
                        + ", ".join(long_datetime(a.start_at) for a in booked)
                        + ".",
                    )
                    return redirect("patients:detail", uuid=patient.uuid)
            form.add_error(None, refusal)
            checked = {v.key for v in visits if v.key in chosen and not v.blocked}

    context |= {
        "rows": [(visit, visit.key in checked) for visit in visits],
        "plan_key": form.plan_key(),
        "bookable": sum(1 for v in visits if not v.blocked),
    }
    return render(request, "scheduling/course.html", context)
