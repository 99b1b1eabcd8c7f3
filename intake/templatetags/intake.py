"""The intake panel on the patient's page: the front desk sees only whether
the intake is done (and may send a link); practitioners open the answers."""

from django import template

from accounts.roles import Capability
from intake.models import IntakeRequest

register = template.Library()


@register.inclusion_tag("intake/patient_panel.html", takes_context=True)
def intake_panel(context, patient, back_to=""):
    user = context["request"].user
    latest = IntakeRequest.objects.latest_for(patient)  # one query
    return {
        "patient": patient,
        "latest": latest,
        "can_send": user.can(Capability.EDIT_PATIENTS) and not patient.is_archived,
        "can_review": user.can(Capability.EDIT_CLINICAL),
        "csrf_token": context.get("csrf_token"),
        "back_to": back_to,
    }


@register.inclusion_tag("intake/record_notice.html")
def intake_review_notice(patient):
    """On the treatment record's cautions: a filled-in intake not reviewed yet."""
    pending = (
        IntakeRequest.objects.filter(
            patient=patient, completed_at__isnull=False, reviewed_at__isnull=True
        )
        .order_by("-completed_at")
        .first()
    )  # one query
    return {"pending": pending}
