"""Portal accounts: the front desk invites a patient; the patient follows the
e-mailed link and chooses a password."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.access import require
from accounts.models import User
from accounts.roles import Capability, Role
from clinic.models import ClinicSettings
from patients.views import get_patient_for_user
from portal import services


@require_POST
@require(Capability.EDIT_PATIENTS)
def invite(request, uuid):
    """Give the patient a portal account and e-mail them the link to set a password."""
    patient = get_patient_for_user(request, uuid)
    try:
        user = services.invite_patient(
            patient=patient, by=request.user, base_url=settings.CLINIC_BASE_URL
        )
    except services.InvitationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            f"Invitation sent to {user.email}. The link works once, for "
            f"{services.invitation_expires_in_days()} days.",
        )
    return redirect("patients:detail", uuid=patient.uuid)


@method_decorator(login_not_required, name="dispatch")
class WelcomeView(auth_views.PasswordResetConfirmView):
    """The invitation link: a SetPasswordForm checked by the password
    validators, then the patient is logged in and sent to the portal home.

    The token is Django's password-reset token, so the link stops working once
    a password is set (or the patient logs in), and after
    PASSWORD_RESET_TIMEOUT. As with Django's reset view, the token is moved
    from the URL into the session at once, so it never leaks in a Referer.
    """

    template_name = "portal/invite_welcome.html"
    title = "Welcome to your patient portal"
    post_reset_login = True
    success_url = reverse_lazy("portal:home")

    @property
    def post_reset_login_backend(self):
        # The backend that checks passwords: the last one (django-axes' comes first).
        return settings.AUTHENTICATION_BACKENDS[-1]

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        # Only invitations to patients: a staff account's reset goes through
        # the ordinary password reset, which does not log in.
        if user is None or user.role != Role.PATIENT or not hasattr(user, "patient"):
            return None
        return user

    @method_decorator(never_cache)
    def dispatch(self, request, *args, **kwargs):
        signed_in = request.user
        if signed_in.is_authenticated:
            invited = self.get_user(kwargs.get("uidb64", ""))
            if invited is None or invited.pk != signed_in.pk:
                # Following someone else's invitation would sign this person out.
                return render(
                    request,
                    "portal/invite_signed_in.html",
                    {"title": self.title},
                )
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {"clinic": ClinicSettings.load()}

    def form_valid(self, form):
        response = super().form_valid(form)
        user: User = form.user
        services.record_password_set(user)
        messages.success(self.request, "Your password is set. Welcome to your patient portal.")
        return response
