"""A practitioner's own saved protocols: list, create, edit, delete.

They are applied to a session from the record page (services.apply_protocol).
Another practitioner's protocol is not found (404); the roles without
RECORD_SESSIONS are refused (403)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import require
from accounts.roles import Capability
from sessions.models import Protocol, ProtocolPoint
from sessions.protocol_forms import ProtocolForm, point_line, usual_needle
from sessions.services import delete_protocol, needle_count, save_protocol


def _practitioner(request):
    practitioner = getattr(request.user, "practitioner", None)
    if practitioner is None:
        raise PermissionDenied("Protocols belong to a practitioner's profile; yours has none.")
    return practitioner


def _own_protocol(request, uuid) -> Protocol:
    return get_object_or_404(
        Protocol.objects.filter(practitioner=_practitioner(request)), uuid=uuid
    )


def _summaries(protocols):
    """(protocol, its points as text, its needle count) for the list."""
    rows = []
    for protocol in protocols:
        points = list(protocol.points.all())
        default = usual_needle(points)
        rows.append(
            {
                "protocol": protocol,
                "lines": [point_line(p, default) for p in points],
                "needle": default,
                "needles": needle_count(points),
            }
        )
    return rows


def _save(request, form):
    try:
        protocol = save_protocol(
            practitioner=form.practitioner,
            protocol=form.protocol,
            data=form.cleaned_data,
            by=request.user,
        )
    except ValidationError as error:
        form.add_error("name", error)
        return None
    count = needle_count(form.cleaned_data["parsed_points"])
    messages.success(
        request,
        f"Saved “{protocol.name}”: {len(form.cleaned_data['parsed_points'])} point(s), "
        f"{count} needle(s).",
    )
    return protocol


@require_http_methods(["GET", "POST"])
@require(Capability.RECORD_SESSIONS)
def protocol_list(request):
    practitioner = _practitioner(request)
    form = ProtocolForm(request.POST or None, practitioner=practitioner)
    if request.method == "POST" and form.is_valid() and _save(request, form):
        return redirect("records:protocols")
    protocols = Protocol.objects.filter(practitioner=practitioner).prefetch_related(
        Prefetch("points", ProtocolPoint.objects.select_related("acupoint", "needle"))
    )
    context = {"rows": _summaries(protocols), "form": form}
    return render(request, "sessions/protocols.html", context)


@require_http_methods(["GET", "POST"])
@require(Capability.RECORD_SESSIONS)
def protocol_edit(request, uuid):
    protocol = _own_protocol(request, uuid)
    form = ProtocolForm(request.POST or None, practitioner=protocol.practitioner, protocol=protocol)
    if request.method == "POST" and form.is_valid() and _save(request, form):
        return redirect("records:protocols")
    return render(request, "sessions/protocol.html", {"protocol": protocol, "form": form})


@require_POST
@require(Capability.RECORD_SESSIONS)
def protocol_delete(request, uuid):
    protocol = _own_protocol(request, uuid)
    name = protocol.name
    delete_protocol(protocol=protocol, by=request.user)
    messages.success(
        request, f"Deleted the protocol “{name}”. Sessions it was applied to keep their points."
    )
    return redirect("records:protocols")
