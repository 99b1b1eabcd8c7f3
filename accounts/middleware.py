"""Two-factor authentication before any page, for staff who have it or must have it.

Installed after django-otp's OTPMiddleware (which gives ``user.is_verified()``)
and before LoginRequiredMiddleware. For a signed-in staff member:

* with a confirmed device but a session that has not entered a code yet: every
  page except the ones below redirects to the verify page;
* without a device while the clinic requires two-factor: every page except the
  ones below redirects to the set-up page.

Always allowed: logging out, the health check, static files and the two-factor
pages themselves. Patients and anonymous visitors are never affected.
"""

from urllib.parse import quote

from django.conf import settings
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse

from accounts.twofactor import two_factor_state

STATIC_PREFIX = "/" + settings.STATIC_URL.lstrip("/")
ALWAYS_ALLOWED = frozenset({"logout", "admin:logout", "healthz"})
ALLOWED_WHILE_UNVERIFIED = ALWAYS_ALLOWED | {"two_factor:verify"}
ALLOWED_WHILE_SETTING_UP = ALWAYS_ALLOWED | {
    "two_factor:status",
    "two_factor:confirm",
    "two_factor:verify",
}


class RequireTwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        url_name = request.resolver_match.view_name if request.resolver_match else ""
        if url_name in ALWAYS_ALLOWED or request.path_info.startswith(STATIC_PREFIX):
            return None
        user = request.user
        if not user.is_authenticated or not user.is_clinic_staff:
            return None
        has_device, required = two_factor_state(user)
        if has_device:
            if _is_verified(user) or url_name in ALLOWED_WHILE_UNVERIFIED:
                return None
            return _redirect(request, reverse("two_factor:verify"), with_next=True)
        if required and url_name not in ALLOWED_WHILE_SETTING_UP:
            return _redirect(request, reverse("two_factor:status"), with_next=False)
        return None


def _is_verified(user) -> bool:
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified and is_verified())


def _redirect(request, url: str, *, with_next: bool):
    if with_next and request.method == "GET":
        url = f"{url}?next={quote(request.get_full_path(), safe='/')}"
    if request.headers.get("HX-Request") == "true":
        # htmx follows a 302 silently and swaps the page in: ask for a full redirect.
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return HttpResponseRedirect(url)
