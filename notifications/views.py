from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from accounts.access import require
from accounts.roles import Capability
from notifications import services
from notifications.models import OutboundMessage
from scheduling.models import Appointment


@require_POST
@require(Capability.BOOK_APPOINTMENTS)
def retry(request, uuid):
    """Queue a failed message again (the worker sends it); back to its appointment's page."""
    message = get_object_or_404(
        OutboundMessage.objects.filter(
            appointment__in=Appointment.objects.visible_to(request.user)
        ).select_related("appointment"),
        uuid=uuid,
    )
    try:
        result = services.retry(message, by=request.user)
    except services.NotRetryable as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            f"{result.get_kind_display()} to {result.recipient} will be sent again in a moment.",
        )
    return redirect("scheduling:appointment", uuid=message.appointment.uuid)
