from django.contrib import messages
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import require, require_any
from accounts.roles import Capability
from notifications.models import OutboundMessage
from patients.models import Patient
from scheduling import services
from scheduling.access import get_appointment_for_user, get_appointment_to_change
from scheduling.dates import long_date, long_datetime
from scheduling.forms import (
    BookingForm,
    CancelForm,
    MoveForm,
    StatusForm,
    UndoForm,
    start_from_query,
)
from scheduling.models import Appointment
from scheduling.slots import free_times_for_move
from sessions.floor import room_still_occupied
from sessions.models import TreatmentSession

CALENDAR_CHANGED = {"HX-Trigger": "calendarChanged"}


def _booking_initial(request) -> dict:
    """Pre-fill from a calendar slot or a patient's page: ?patient=&practitioner=&room=&start=."""
    initial = {
        key: request.GET[key]
        for key in ("patient", "practitioner", "room", "appointment_type")
        if request.GET.get(key)
    }
    start = start_from_query(request.GET.get("start"))
    if start is not None:
        initial |= {"date": start.date(), "time": start.time()}
    return initial


@require_http_methods(["GET", "POST"])
@require_any(Capability.BOOK_APPOINTMENTS, Capability.EDIT_OWN_APPOINTMENTS)
def book(request):
    form = BookingForm(request.POST or None, initial=_booking_initial(request), user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            appointment = services.book_appointment(
                patient=data["patient"],
                practitioner=data["practitioner"],
                room=data["room"],
                appointment_type=data["appointment_type"],
                start_at=form.start_at,
                by=request.user,
                outside_hours_reason=data["outside_hours_reason"].strip(),
                notes=data["notes"].strip(),
            )
        except services.BookingError as error:
            form.add_error(None, error)  # a time's error goes to its field
        else:
            messages.success(
                request,
                f"Booked {appointment.patient.display_name} with {appointment.practitioner} on "
                f"{long_date(appointment.start_at)} at {timezone.localtime(appointment.start_at):%H:%M}.",
            )
            if warning := appointment.practitioner.licence_warning(
                timezone.localdate(appointment.start_at)
            ):
                messages.warning(request, warning)
            return redirect("scheduling:appointment", uuid=appointment.uuid)
    patient = _chosen_patient(form)
    context = {"form": form, "patient": patient, "can_bill": request.user.can(Capability.BILL)}
    return render(request, "scheduling/book.html", context)


def _chosen_patient(form) -> Patient | None:
    value = form["patient"].value()
    if not value:
        return None
    try:
        return Patient.objects.active().filter(uuid=value).first()
    except Exception:  # a malformed uuid typed into the URL
        return None


@require_GET
@require(Capability.VIEW_CALENDAR)
def patient_options(request):
    """htmx: patients matching the booking form's search box, as radio buttons."""
    query = "".join(ch for ch in request.GET.get("q", "") if ch.isprintable()).strip()[:100]
    patients = Patient.objects.active().search(query)[:10] if len(query) >= 2 else []
    return render(
        request, "scheduling/patient_options.html", {"patients": patients, "query": query}
    )


@require_GET
@require(Capability.VIEW_CALENDAR)
def detail(request, uuid):
    appointment = get_appointment_for_user(request, uuid)
    # The treating practitioner opens (or continues) the record from here.
    can_record = (
        request.user.can(Capability.RECORD_SESSIONS)
        and appointment.practitioner.user_id == request.user.id
        and appointment.is_active
    )
    context = {
        "appointment": appointment,
        "can_record": can_record,
        "record": (
            TreatmentSession.objects.filter(appointment=appointment).only("uuid").first()
            if can_record
            else None
        ),
        "can_change": appointment.changeable_by(request.user),
        # The billing summary (packages left, money owed) is loaded by htmx from
        # billing's own URL: scheduling does not import billing.
        "can_bill": request.user.can(Capability.BILL),
        "status_form": StatusForm(initial={"version": appointment.version}),
        "events": appointment.events.select_related("by"),
        "outbound_messages": OutboundMessage.objects.filter(appointment=appointment),
        "waitlist_matches": (
            services.waitlist_matches(appointment)
            if appointment.status == Appointment.Status.CANCELLED
            and appointment.start_at > timezone.now()
            else []
        ),
    }
    return render(request, "scheduling/appointment.html", context)


@require_http_methods(["GET", "POST"])
@require(Capability.VIEW_CALENDAR)
def move(request, uuid):
    appointment = get_appointment_to_change(request, uuid)
    form = MoveForm(request.POST or None, appointment=appointment, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            moved = _move(form, appointment, request.user)
        except services.BookingError as error:
            form.add_error(None, error)  # a time's error goes to its field
        else:
            when = timezone.localtime(moved.start_at)
            text = f"Moved to {long_date(when)} at {when:%H:%M} with {moved.practitioner}, {moved.room}."
            if request.htmx:
                # The new time, and the form again (at the new version) to adjust it.
                again = MoveForm(appointment=moved, user=request.user)
                context = {
                    "form": again,
                    "appointment": moved,
                    "done": text,
                    "free_times": _free_times(moved),
                    "undo": _undo_offer(moved),
                }
                response = render(request, "scheduling/move_done.html", context)
                response["HX-Trigger"] = CALENDAR_CHANGED["HX-Trigger"]
                return response
            messages.success(request, text)
            return redirect("scheduling:appointment", uuid=moved.uuid)
    template = "scheduling/move_form.html" if request.htmx else "scheduling/move.html"
    context = {"form": form, "appointment": appointment, "free_times": _free_times(appointment)}
    return render(request, template, context)


def _free_times(appointment) -> list[dict]:
    """The next free times with the same practitioner and room, as the move
    form's one-click choices: the value its button sends, and its words."""
    return [
        {"value": f"{slot.local_start:%Y-%m-%dT%H:%M}", "label": long_datetime(slot.start)}
        for slot in free_times_for_move(appointment)
    ]


def _form_problem(form) -> str:
    """A move form's errors as one sentence, for the calendar's drag and keyboard moves."""
    return " ".join(error for errors in form.errors.values() for error in errors)


def _move(form, appointment, by):
    """The move service with a valid MoveForm's answers: the move page and a
    drop on the calendar move the same way."""
    data = form.cleaned_data
    return services.move_appointment(
        appointment=appointment,
        start_at=form.start_at,
        end_at=form.end_at,
        practitioner=data["practitioner"],
        room=data["room"],
        by=by,
        version=data["version"],
        outside_hours_reason=data["outside_hours_reason"].strip(),
    )


def _moved_text(moved) -> str:
    when = timezone.localtime(moved.start_at)
    end = timezone.localtime(moved.end_at)
    return (
        f"Moved {moved.patient.display_name} to {long_date(when)} {when:%H:%M}–{end:%H:%M} "
        f"with {moved.practitioner}, {moved.room}."
    )


def _undo_offer(moved) -> dict:
    return {
        "undo_url": reverse("scheduling:move-undo", kwargs={"uuid": moved.uuid}),
        "version": moved.version,
    }


@require_GET
@require(Capability.VIEW_CALENDAR)
def move_check(request, uuid):
    """The calendar asks, while an appointment is dragged (or moved with the
    keys), what dropping it there would meet: the move's own rules, run as a
    dry run (``services.preview_move``). Nothing is saved."""
    appointment = get_appointment_to_change(request, uuid)
    form = MoveForm(request.GET, appointment=appointment, user=request.user)
    if not form.is_valid():
        return JsonResponse({"allowed": False, "problem": _form_problem(form), "needs_reason": ""})
    data = form.cleaned_data
    preview = services.preview_move(
        appointment=appointment,
        start_at=form.start_at,
        end_at=form.end_at,
        practitioner=data["practitioner"],
        room=data["room"],
        version=data["version"],
        outside_hours_reason=data["outside_hours_reason"].strip(),
    )
    return JsonResponse(
        {
            "allowed": preview.allowed,
            "problem": preview.problem,
            "needs_reason": preview.needs_reason,
        }
    )


@require_POST
@require(Capability.VIEW_CALENDAR)
def move_drop(request, uuid):
    """A drag (or keyboard) move dropped on the calendar: the move form's fields,
    the move service; the answer says what happened and how to undo it."""
    appointment = get_appointment_to_change(request, uuid)
    form = MoveForm(request.POST, appointment=appointment, user=request.user)
    if not form.is_valid():
        return JsonResponse({"moved": False, "problem": _form_problem(form)}, status=400)
    try:
        moved = _move(form, appointment, request.user)
    except services.BookingError as error:
        return JsonResponse({"moved": False, "problem": " ".join(error.messages)}, status=409)
    return JsonResponse({"moved": True, "message": _moved_text(moved)} | _undo_offer(moved))


@require_POST
@require(Capability.VIEW_CALENDAR)
def move_undo(request, uuid):
    """One-step undo: the last move taken back, as a move of its own."""
    appointment = get_appointment_to_change(request, uuid)
    form = UndoForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"moved": False, "problem": "Nothing to undo was named."}, status=400)
    try:
        moved = services.undo_move(
            appointment=appointment, by=request.user, version=form.cleaned_data["version"]
        )
    except services.BookingError as error:
        problem = " ".join(error.messages)
        if request.htmx:  # the move form's Undo: the form again, saying why
            again = MoveForm(appointment=appointment, user=request.user)
            context = {"form": again, "appointment": appointment, "problem": problem}
            return render(request, "scheduling/move_form.html", context)
        return JsonResponse({"moved": False, "problem": problem}, status=409)
    text = "Undone. " + _moved_text(moved)
    if request.htmx:  # the move form's Undo: the form again at the time it had
        context = {
            "form": MoveForm(appointment=moved, user=request.user),
            "appointment": moved,
            "done": text,
            "free_times": _free_times(moved),
        }
        response = render(request, "scheduling/move_done.html", context)
        response["HX-Trigger"] = CALENDAR_CHANGED["HX-Trigger"]
        return response
    return JsonResponse({"moved": True, "message": text})


@require_POST
@require(Capability.VIEW_CALENDAR)
def status(request, uuid):
    appointment = get_appointment_to_change(request, uuid)
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, "That status change was not understood; nothing changed.")
    else:
        try:
            changed = services.change_status(
                appointment=appointment,
                status=form.cleaned_data["status"],
                by=request.user,
                version=form.cleaned_data["version"],
            )
        except services.BookingError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, f"{changed.patient.display_name}: {changed.get_status_display()}."
            )
            if changed.status == Appointment.Status.ARRIVED:
                _warn_if_room_occupied(request, changed)
    url = reverse("scheduling:appointment", kwargs={"uuid": appointment.uuid})
    if request.htmx:
        return HttpResponse(headers={"HX-Location": url, **CALENDAR_CHANGED})
    return redirect(url)


def _warn_if_room_occupied(request, appointment) -> None:
    """Checking a patient in is never refused, but the desk is told when the
    room still has another patient's needles in (the treatment floor board)."""
    running = room_still_occupied(appointment.room, except_patient=appointment.patient)
    if running is not None:
        messages.warning(
            request,
            f"{appointment.room.name} still has needles in (patient "
            f"{running.patient.display_name}, since "
            f"{timezone.localtime(running.needles_in_at):%H:%M}).",
        )


@require_http_methods(["GET", "POST"])
@require(Capability.VIEW_CALENDAR)
def cancel(request, uuid):
    appointment = get_appointment_to_change(request, uuid)
    form = CancelForm(request.POST or None, initial={"version": appointment.version})
    if request.method == "POST" and form.is_valid():
        try:
            cancelled = services.cancel_appointment(
                appointment=appointment,
                by=request.user,
                cancelled_by=form.cleaned_data["cancelled_by"],
                reason=form.cleaned_data["reason"],
                version=form.cleaned_data["version"],
            )
        except services.BookingError as error:
            form.add_error(None, error.message)
        else:
            late = " This is a late cancellation." if cancelled.late_cancellation else ""
            messages.success(request, f"Appointment cancelled.{late}")
            return redirect("scheduling:appointment", uuid=cancelled.uuid)
    return render(request, "scheduling/cancel.html", {"form": form, "appointment": appointment})
