from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from accounts.access import require
from accounts.roles import Capability
from practitioners.models import Practitioner


@require_GET
@require(Capability.VIEW_PRACTITIONERS)
def practitioner_list(request):
    practitioners = Practitioner.objects.with_user().order_by("-is_active", "user__full_name")
    return render(request, "practitioners/list.html", {"practitioners": practitioners})


@require_GET
@require(Capability.VIEW_PRACTITIONERS)
def practitioner_detail(request, uuid):
    practitioner = get_object_or_404(Practitioner.objects.with_user(), uuid=uuid)
    return render(request, "practitioners/detail.html", {"practitioner": practitioner})
