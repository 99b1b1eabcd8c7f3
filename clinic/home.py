"""What each role sees on its home page."""

from django.utils import timezone

from accounts.roles import Role
from patients.models import Patient
from practitioners.models import Practitioner


def home_context(user) -> tuple[str, dict]:
    today = timezone.localdate()
    if user.role == Role.PATIENT:
        patient = Patient.objects.visible_to(user).first()
        return "home/patient.html", {"patient": patient}
    if user.role == Role.PRACTITIONER:
        practitioner = Practitioner.objects.filter(user=user).first()
        return "home/practitioner.html", {"practitioner": practitioner, "today": today}
    if user.role == Role.FRONT_DESK:
        return "home/front_desk.html", {
            "today": today,
            "recent_patients": Patient.objects.active().order_by("-created_at")[:5],
        }
    return "home/clinic_admin.html", {
        "today": today,
        "patient_count": Patient.objects.active().count(),
        "practitioners": Practitioner.objects.with_user().order_by("user__full_name"),
    }
