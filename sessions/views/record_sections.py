"""The POST endpoints of a draft record, one per section or action. Each goes
through a workflow of sessions.services (atomic, audited, refusing a signed
record) and answers with ``record_page.respond``, on the step the section is
part of: the updated section for htmx, a redirect back to the step (or the
step with the errors) without JS."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, ProgrammingError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.access import require
from accounts.roles import Capability
from sessions import services
from sessions.record_page import build_form, load_session, record_url, respond
from sessions.services import NeedsOverride, SessionError

SIGNED = "This record is signed and cannot change: corrections are made with an addendum."


def _go_to(request, url):
    """A full-page move: HX-Redirect for htmx, a plain redirect otherwise."""
    if request.htmx:
        return HttpResponse(headers={"HX-Redirect": url})
    return redirect(url)


def draft_endpoint(func):
    """POST only; staff only (patients 403); the record must be visible (404)
    and be the user's own (403), who must be able to record sessions (403).
    A signed record refuses every change with a message."""

    @require_POST
    @require(Capability.VIEW_PATIENTS)
    @wraps(func)
    def view(request, uuid, **kwargs):
        session = load_session(request, uuid, to_edit=True)
        if not request.user.can(Capability.RECORD_SESSIONS):
            raise PermissionDenied("Your role does not write treatment records.")
        if session.is_signed:
            messages.error(request, SIGNED)
            return _go_to(request, record_url(session))
        return func(request, session, **kwargs)

    return view


def _error_messages(error: SessionError) -> list[str]:
    return list(error.messages)


@draft_endpoint
def assessment(request, session):
    return _save_section(request, session, "assessment_form", "assessment", "Assessment saved.")


@draft_endpoint
def follow_up(request, session):
    return _save_section(request, session, "followup_form", "followup", "Follow-up saved.")


@draft_endpoint
def incident(request, session):
    return _save_section(
        request, session, "incident_form", "retention", "Missing-needle incident saved."
    )


def _save_section(request, session, form_name, section, saved):
    form = build_form(form_name, session, request.POST)
    if not form.is_valid():
        return respond(request, session, section, bound={form_name: form})
    audit_name = {
        "followup_form": "follow_up",
        "incident_form": "incident",
        "after_form": "after_removal",
    }.get(form_name, section)
    try:
        services.save_section(session=session, form=form, by=request.user, section=audit_name)
    except SessionError as error:
        return respond(
            request, session, section, bound={form_name: form}, errors=_error_messages(error)
        )
    return respond(request, session, section, saved=saved)


@draft_endpoint
def placement_add(request, session):
    form = build_form("placement_form", session, request.POST)
    bound = {"placement_form": form}
    if not form.is_valid():
        return respond(request, session, "needles", bound=bound)
    data = form.placement_data()
    try:
        placement = services.add_placement(
            session=session,
            data=data,
            by=request.user,
            override_reason=form.cleaned_data["override_reason"],
        )
    except NeedsOverride as needs:
        form.override_warnings = needs.warnings
        form.add_error(
            "override_reason",
            "Give a reason for going ahead (it is kept on the record), or change the placement.",
        )
        return respond(request, session, "needles", bound=bound)
    except SessionError as error:
        return respond(request, session, "needles", bound=bound, errors=_error_messages(error))
    count = placement.needle_count
    side = "" if placement.side == placement.Side.MIDLINE else f" {placement.side}"
    return respond(
        request,
        session,
        "needles",
        saved=f"{placement.acupoint.code}{side} added ({count} needle{'s' if count > 1 else ''}).",
        focus_point=True,
    )


@draft_endpoint
def placement_remove(request, session, pk):
    placement = next((p for p in session.placements.all() if p.pk == pk), None)
    if placement is None:
        raise Http404("No such placement on this record.")
    try:
        services.remove_placement(placement=placement, by=request.user)
    except SessionError as error:
        return respond(request, session, "needles", errors=_error_messages(error))
    return respond(
        request,
        session,
        "needles",
        saved=f"{placement.acupoint.code} removed.",
        focus_point=True,
    )


def _apply(request, session, apply, describe):
    try:
        added = apply()
    except SessionError as error:
        if getattr(error, "code", None) == "partially_applied":
            return respond(request, session, "needles", notice=error.message, focus_point=True)
        return respond(request, session, "needles", errors=_error_messages(error))
    except IntegrityError:
        return respond(
            request,
            session,
            "needles",
            errors=[f"{describe} has a point that cannot be placed as saved: nothing was added."],
        )
    return respond(
        request,
        session,
        "needles",
        saved=f"{describe}: {added} point{'s' if added != 1 else ''} added. Edit them as needed.",
        focus_point=True,
    )


@draft_endpoint
def protocol(request, session):
    form = build_form("protocol_form", session, request.POST)
    if not form.is_valid():
        return respond(request, session, "needles", bound={"protocol_form": form})
    chosen = form.cleaned_data["protocol"]
    return _apply(
        request,
        session,
        lambda: services.apply_protocol(session=session, protocol=chosen, by=request.user),
        f"Protocol “{chosen.name}”",
    )


@draft_endpoint
def copy_last(request, session):
    return _apply(
        request,
        session,
        lambda: services.copy_last_session(session=session, by=request.user),
        "Copied from the last session",
    )


@draft_endpoint
def needles_in(request, session):
    form = build_form("in_form", session, request.POST)
    bound = {"in_form": form}
    if not form.is_valid():
        return respond(request, session, "retention", bound=bound)
    try:
        current = services.needles_in(
            session=session, by=request.user, position=form.cleaned_data["patient_position"]
        )
    except SessionError as error:
        return respond(request, session, "retention", bound=bound, errors=_error_messages(error))
    at = timezone.localtime(current.needles_in_at)
    return respond(request, session, "retention", saved=f"Needles in at {at:%H:%M:%S}.")


@draft_endpoint
def after_removal(request, session):
    return _save_section(request, session, "after_form", "retention", "Saved.")


@draft_endpoint
def override(request, session):
    """The reason for going ahead despite a warning that applies now."""
    form = build_form("override_form", session, request.POST)
    bound = {"override_form": form}
    if not form.is_valid():
        problems = [error for errors in form.errors.values() for error in errors]
        return respond(request, session, "sign", bound=bound, errors=problems)
    try:
        services.override_warning(
            session=session,
            placement_id=form.cleaned_data["placement"],
            kind=form.cleaned_data["kind"],
            reason=form.cleaned_data["reason"],
            by=request.user,
        )
    except SessionError as error:
        return respond(request, session, "sign", bound=bound, errors=_error_messages(error))
    return respond(request, session, "sign", saved="Reason recorded with the warning.")


@draft_endpoint
def lesion_add(request, session):
    form = build_form("lesion_form", session, request.POST)
    if not form.is_valid():
        return respond(request, session, "needles", bound={"lesion_form": form})
    try:
        services.add_lesion_site(session=session, data=form.cleaned_data, by=request.user)
    except SessionError as error:
        return respond(request, session, "needles", errors=_error_messages(error))
    return respond(request, session, "needles", saved="Skin-lesion site recorded.")


@draft_endpoint
def lesion_resolve(request, session, pk):
    try:
        services.resolve_lesion_site(session=session, site_id=pk, by=request.user)
    except SessionError as error:
        return respond(request, session, "needles", errors=_error_messages(error))
    return respond(request, session, "needles", saved="Skin-lesion site marked as resolved.")


@draft_endpoint
def needles_out(request, session):
    form = build_form("out_form", session, request.POST)
    bound = {"out_form": form}
    if not form.is_valid():
        return respond(request, session, "retention", bound=bound)
    data = form.cleaned_data
    try:
        current = services.needles_out(
            session=session,
            by=request.user,
            removed=data["removed"],
            retention_reason=data["retention_reason"],
            pressure_applied=data["pressure_applied"],
        )
    except SessionError as error:
        return respond(request, session, "retention", bound=bound, errors=_error_messages(error))
    at = timezone.localtime(current.needles_out_at)
    return respond(
        request,
        session,
        "retention",
        saved=f"Needles out at {at:%H:%M:%S}: retention {current.retention_minutes} "
        f"minute{'s' if current.retention_minutes != 1 else ''}.",
    )


@draft_endpoint
def adverse_event(request, session):
    form = build_form("adverse_form", session, request.POST)
    if not form.is_valid():
        return respond(request, session, "adverse", bound={"adverse_form": form})
    try:
        services.add_adverse_event(session=session, data=form.cleaned_data, by=request.user)
    except SessionError as error:
        return respond(
            request, session, "adverse", bound={"adverse_form": form}, errors=_error_messages(error)
        )
    return respond(request, session, "adverse", saved="Adverse event recorded.")


@draft_endpoint
def sign(request, session):
    form = build_form("sign_form", session, request.POST)
    if not form.is_valid():
        return respond(
            request,
            session,
            "sign",
            errors=[error for errors in form.errors.values() for error in errors],
        )
    try:
        services.sign_session(
            session=session, by=request.user, version=form.cleaned_data["version"]
        )
    except SessionError as error:
        return respond(request, session, "sign", errors=_error_messages(error))
    except (IntegrityError, ProgrammingError) as error:
        # PostgreSQL's own signing guards (licence, snapshot) refused it: the
        # checklist should have said so first; say it now rather than fail.
        refusal = str(error).splitlines()[0]
        return respond(request, session, "sign", errors=[f"The record was not signed: {refusal}."])
    messages.success(request, "Record signed. It can no longer change: corrections are addenda.")
    return _go_to(request, record_url(session))


@require_POST
@require(Capability.VIEW_PATIENTS)
def addendum(request, uuid):
    """Any practitioner who can read a signed record may add a correction."""
    session = load_session(request, uuid)
    if not request.user.can(Capability.RECORD_SESSIONS):
        raise PermissionDenied("Your role does not write treatment records.")
    if not session.is_signed:
        messages.error(request, "The record is not signed yet: edit it directly.")
        return _go_to(request, record_url(session))
    form = build_form("addendum_form", session, request.POST)
    if not form.is_valid():
        return respond(request, session, "addenda", bound={"addendum_form": form})
    try:
        services.add_addendum(
            session=session,
            by=request.user,
            reason=form.cleaned_data["reason"],
            text=form.cleaned_data["text"],
        )
    except SessionError as error:
        return respond(
            request,
            session,
            "addenda",
            bound={"addendum_form": form},
            errors=_error_messages(error),
        )
    return respond(request, session, "addenda", saved="Addendum added.")
