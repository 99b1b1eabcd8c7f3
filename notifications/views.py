from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse, HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from accounts.access import require
from accounts.roles import Capability
from notifications import optouts, services, sms
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


EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


@csrf_exempt  # called by the SMS provider, which signs the request instead
@login_not_required
@require_POST
def sms_inbound(request):
    """The SMS provider's webhook for replies (Twilio: the number's "A message
    comes in" URL). Public, but only a request signed with the provider's
    secret is read: a STOP records an opt-out, START lifts it."""
    gateway = sms.gateway()
    if not hasattr(gateway, "signature_valid"):
        raise Http404("No SMS provider that sends replies is configured.")
    # The URL the provider called, as configured there: from CLINIC_BASE_URL,
    # never from the Host header.
    url = settings.CLINIC_BASE_URL + request.get_full_path()
    params = [(name, value) for name, values in request.POST.lists() for value in values]
    if not gateway.signature_valid(url, params, request.headers.get("X-Twilio-Signature", "")):
        return HttpResponseForbidden("Bad signature.")
    optouts.record_reply(
        request.POST.get("From", ""),
        request.POST.get("Body", ""),
        request.POST.get("OptOutType", ""),
    )
    return HttpResponse(EMPTY_TWIML, content_type="text/xml")
