"""What each role sees on its home page."""

from django.utils import timezone

from accounts.roles import Role
from patients.models import Patient
from practitioners.models import Practitioner
from sessions.today import practitioner_day


def home_context(user) -> tuple[str, dict]:
    today = timezone.localdate()
    if user.role == Role.PATIENT:
        # Patients land on their portal home; an account not linked to a record
        # yet gets a page saying so.
        from portal.views.appointments import home_context as portal_home_context

        patient = Patient.objects.visible_to(user).first()
        if patient is None:
            return "home/patient.html", {"patient": None}
        return "portal/home.html", portal_home_context(patient)
    if user.role == Role.PRACTITIONER:
        practitioner = Practitioner.objects.filter(user=user).first()
        agenda = practitioner_day(practitioner, today)
        return "home/practitioner.html", {
            "practitioner": practitioner,
            "today": today,
            "rows": agenda.rows,
            "walk_ins": agenda.walk_ins,
        }
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
