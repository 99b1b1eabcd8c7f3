"""The treating practitioner picks a record's diagnosis codes (and confirms CPT
units in the US) on a page of its own, linked from the record."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts.access import require
from accounts.roles import Capability
from billing import coding
from billing.models import BillingSettings
from billing.services import BillingError
from sessions.access import get_session_to_edit


class CodingForm(forms.Form):
    codes = forms.MultipleChoiceField(
        label="Diagnosis codes", widget=forms.CheckboxSelectMultiple, required=True
    )
    initial_code = forms.ChoiceField(
        label="Initial 15 minutes",
        choices=[
            ("97810", "97810 without electrical stimulation"),
            ("97813", "97813 with electrical stimulation"),
        ],
        required=False,
    )
    further_code = forms.ChoiceField(
        label="Each further 15 minutes",
        choices=[
            ("97811", "97811 without electrical stimulation"),
            ("97814", "97814 with electrical stimulation"),
        ],
        required=False,
    )
    further_units = forms.IntegerField(
        label="Further units", min_value=0, max_value=8, required=False
    )

    def __init__(self, *args, codes, us: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["codes"].choices = [(c.code, f"{c.code} {c.description}") for c in codes]
        if not us:
            for name in ("initial_code", "further_code", "further_units"):
                del self.fields[name]

    def cpt(self) -> list[tuple[str, int]]:
        data = self.cleaned_data
        if "initial_code" not in data or not data.get("initial_code"):
            return []
        units = data.get("further_units") or 0
        return [(data["initial_code"], 1)] + ([(data["further_code"], units)] if units else [])


@require_http_methods(["GET", "POST"])
@require(Capability.RECORD_SESSIONS)
def codes(request, uuid):
    session = get_session_to_edit(request, uuid)
    settings = BillingSettings.load()
    available = list(coding.codes_for(settings))
    current = coding.current_coding(session)
    derived = coding.derived_cpt(session)
    initial = {
        "codes": current.diagnosis_codes
        if current
        else coding.suggested(available, session.pain_cause),
        "initial_code": derived[0][0],
        "further_code": derived[1][0]
        if len(derived) > 1
        else ("97814" if derived[0][0] == "97813" else "97811"),
        "further_units": derived[1][1] if len(derived) > 1 else 0,
    }
    form = CodingForm(
        request.POST or None, initial=initial, codes=available, us=settings.prints_cpt
    )
    if request.method == "POST" and form.is_valid():
        try:
            coding.record_coding(
                session=session, codes=form.cleaned_data["codes"], cpt=form.cpt(), by=request.user
            )
        except BillingError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, "Codes saved.")
            return redirect("billing:codes", uuid=session.uuid)
    context = {
        "session": session,
        "form": form,
        "current": current,
        "suggested": coding.suggested(available, session.pain_cause),
        "settings": settings,
    }
    return render(request, "billing/codes.html", context)
