from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.forms import ClinicAdminAuthenticationForm
from accounts.models import User
from clinic.admin_labels import LabelledInputsMixin

# The admin's login normalises the e-mail address too (accounts/throttling.py).
admin.site.login_form = ClinicAdminAuthenticationForm


class ClinicUserChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class ClinicUserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "full_name", "role")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """Staff and portal accounts. Accounts are deactivated, never deleted,
    because the audit trail refers to them."""

    form = ClinicUserChangeForm
    add_form = ClinicUserCreationForm
    ordering = ["full_name"]
    list_display = ["full_name", "email", "role", "is_active", "last_login"]
    list_filter = ["role", "is_active"]
    search_fields = ["full_name", "email"]
    readonly_fields = ["last_login", "date_joined"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Person", {"fields": ["full_name", "role"]}),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["email", "full_name", "role", "password1", "password2"],
            },
        ),
    ]
    filter_horizontal = []

    def has_delete_permission(self, request, obj=None):
        return False


# django-otp's own admin for the two-factor devices, with its split date-time
# (the last throttled failure) given names a screen reader can say.
admin.site.unregister(TOTPDevice)


@admin.register(TOTPDevice)
class LabelledTOTPDeviceAdmin(LabelledInputsMixin, TOTPDeviceAdmin):
    pass
