"""Forms of the treatment record. They validate every value a person can type
(or a crafted request can send), so that odd input is explained in the form
and nothing reaches the database that its constraints would refuse."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django import forms
from django.utils import timezone

from clinic.models import ClinicSettings
from sessions import bodychart
from sessions.catalogue import JIAJI_LEVELS, point_key
from sessions.models import (
    Acupoint,
    AdverseEvent,
    Needle,
    NeedlePlacement,
    PainCause,
    PatientPosition,
    Protocol,
    Recommendation,
    RedFlag,
    SkinLesionSite,
    TreatmentSession,
    WarningOverride,
)
from sessions.outcomes import ODI_SECTIONS
from sessions.safety import depth_refusal, point_refusal

ODI_CHOICES = [("", "Not answered"), *[(str(n), str(n)) for n in range(6)]]
Stimulation = NeedlePlacement.Stimulation
CHECKBOXES = forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"})
STALE_PAGE = {
    "required": "The page was incomplete or out of date: reload it and try again.",
    "invalid": "The page was incomplete or out of date: reload it and try again.",
}


def _text(rows=2):
    return forms.Textarea(attrs={"rows": rows})


def _score(label, high, help_text=""):
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=high,
        required=False,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0, "max": high}),
    )


class VersionedModelForm(forms.ModelForm):
    """A section of the record, saved with services.save_section: the hidden
    version refuses a change made from an out-of-date page."""

    version = forms.IntegerField(widget=forms.HiddenInput, error_messages=STALE_PAGE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = self.instance.version


class AssessmentForm(VersionedModelForm):
    pain_locations = forms.MultipleChoiceField(
        label="Where is the pain?",
        choices=bodychart.CHOICES,
        required=False,
        widget=CHECKBOXES,
        help_text="Pain radiating to the buttock or leg: tick those regions too.",
    )
    nprs_now = _score("Pain now (NPRS 0–10)", 10, "0 = no pain, 10 = worst imaginable")
    nprs_best = _score("Best in the last 24 h (0–10)", 10)
    nprs_worst = _score("Worst in the last 24 h (0–10)", 10)
    rmdq_score = _score("RMDQ score (0–24)", 24, "Roland–Morris: number of “yes” answers")
    red_flags = forms.MultipleChoiceField(
        label="Red flags",
        choices=RedFlag.choices,
        required=False,
        widget=CHECKBOXES,
    )

    class Meta:
        model = TreatmentSession
        fields = [
            "presenting_complaint",
            "pain_locations",
            "pain_cause",
            "pain_cause_other",
            "onset",
            "aggravating_factors",
            "easing_factors",
            "nprs_now",
            "nprs_best",
            "nprs_worst",
            *[name for name, _ in ODI_SECTIONS],
            "rmdq_score",
            "red_flags",
            "red_flag_decision",
            "red_flag_notes",
            "contraindications_reviewed",
            "contraindication_notes",
            "tcm_pattern",
            "tcm_tongue",
            "tcm_pulse",
            "change_since_last",
        ]
        labels = {
            "pain_cause": "Cause",
            "pain_cause_other": "Other cause (describe)",
            "red_flag_decision": "Decision taken",
            "red_flag_notes": "Red flag notes (why treated, where referred)",
            "contraindications_reviewed": "Contraindications reviewed with the patient",
            "contraindication_notes": "Contraindications and cautions",
            "change_since_last": "Change since the last session",
        }
        widgets = {
            "presenting_complaint": _text(),
            "aggravating_factors": _text(),
            "easing_factors": _text(),
            "red_flag_notes": _text(),
            "contraindication_notes": _text(3),
            "change_since_last": _text(),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for number, (name, label) in enumerate(ODI_SECTIONS, start=1):
            self.fields[name] = forms.TypedChoiceField(
                label=f"{number}. {label}",
                choices=ODI_CHOICES,
                coerce=int,
                empty_value=None,
                required=False,
            )
        self.fields["pain_cause"].choices = [("", "Not recorded"), *PainCause.choices]
        self.fields["red_flag_decision"].choices = [
            ("", "No decision yet"),
            *self.fields["red_flag_decision"].choices[1:],
        ]

    def clean(self):
        data = super().clean()
        if (
            data.get("pain_cause") == PainCause.OTHER
            and not data.get("pain_cause_other", "").strip()
        ):
            self.add_error("pain_cause_other", "Describe the other cause.")
        return data


class FollowUpForm(VersionedModelForm):
    recommendations = forms.MultipleChoiceField(
        label="Recommendations",
        choices=Recommendation.choices,
        required=False,
        widget=CHECKBOXES,
    )
    next_visit_in_days = forms.IntegerField(
        label="Next visit in (days)",
        min_value=1,
        max_value=365,
        required=False,
        help_text="Weekly is 7, twice weekly 3 or 4.",
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 1, "max": 365}),
    )

    class Meta:
        model = TreatmentSession
        fields = [
            "response",
            "response_notes",
            "recommendations",
            "recommendation_notes",
            "plan",
            "next_visit_in_days",
        ]
        labels = {
            "response": "Response to treatment",
            "response_notes": "Response notes",
            "recommendation_notes": "Other recommendations",
            "plan": "Plan for future sessions",
        }
        widgets = {
            "response_notes": _text(),
            "recommendation_notes": _text(),
            "plan": _text(3),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["response"].choices = [
            ("", "Not recorded"),
            *TreatmentSession.Response.choices,
        ]


class IncidentForm(VersionedModelForm):
    """A needle count that does not reconcile: the missing-needle incident."""

    missing_needle_found = forms.NullBooleanField(
        label="Was the needle found?",
        required=False,
        widget=forms.RadioSelect(choices=[("True", "Found"), ("False", "Not found")]),
    )

    class Meta:
        model = TreatmentSession
        fields = ["missing_needle_incident", "missing_needle_found", "missing_needle_details"]
        labels = {
            "missing_needle_incident": "Record a missing-needle incident",
            "missing_needle_details": "Where it was found, or where it was looked for",
        }

    def clean(self):
        data = super().clean()
        if data.get("missing_needle_incident"):
            if data.get("missing_needle_found") is None:
                self.add_error("missing_needle_found", "Say whether the needle was found.")
            if not data.get("missing_needle_details", "").strip():
                self.add_error(
                    "missing_needle_details", "Say where it was found, or where it was looked for."
                )
        return data


ASHI_REGIONS = [("", "Choose…"), *bodychart.CHOICES, ("other", "Elsewhere (not on the chart)")]


def resolve_point(text: str) -> Acupoint | None:
    """An exact point code (any spelling or older alias, e.g. 'bl 23', 'LV3'),
    or a typeahead choice such as 'BL23 Shenshu'."""
    text = text.strip()
    if not text:
        return None
    candidates = [point_key(text)]
    if " " in text:
        candidates.append(point_key(text.split()[0]))
    for key in candidates:
        found = Acupoint.objects.filter(search_key=key).first()
        if found is not None:
            return found
    return None


class PlacementForm(forms.Form):
    acupoint = forms.CharField(
        label="Point",
        max_length=40,
        help_text="Code such as BL23 or GV4 (older codes like LV3 and SJ5 work), or Ashi.",
        error_messages={"required": "Type the point's code, e.g. BL23."},
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}
        ),
    )
    side = forms.ChoiceField(
        choices=[("", "Choose…"), *NeedlePlacement.Side.choices],
        required=False,
        help_text="GV and CV points are midline. Bilateral uses two needles.",
    )
    ashi_location = forms.CharField(
        label="Ashi point location",
        max_length=200,
        required=False,
        help_text="For Ashi points, e.g. “2 cm lateral to L4 spinous process, left”.",
    )
    region = forms.ChoiceField(
        label="Ashi region (body chart)",
        choices=ASHI_REGIONS,
        required=False,
        help_text="For Ashi points: where on the body chart (checked against skin-lesion sites).",
    )
    points_needled = forms.IntegerField(
        label="Number of its points used",
        min_value=1,
        max_value=17,
        required=False,
        help_text="For extra points with several points (EX-UE7 has 2 on each hand). "
        "Blank: all of them.",
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 1}),
    )
    named_points = forms.MultipleChoiceField(
        label="Jiaji levels",
        choices=[(level, level) for level in JIAJI_LEVELS],
        required=False,
        help_text="For EX-B2 Jiaji: the levels needled (one needle per level per side).",
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    needle = forms.ModelChoiceField(
        queryset=Needle.objects.none(),
        empty_label=None,
        error_messages={"invalid_choice": "Choose a needle from the clinic's list."},
    )
    depth_mm = forms.DecimalField(
        label="Depth (mm)",
        min_value=Decimal("0.1"),
        max_value=Decimal("100"),
        max_digits=4,
        decimal_places=1,
        required=False,
        widget=forms.NumberInput(attrs={"step": "0.5", "inputmode": "decimal"}),
    )
    angle = forms.ChoiceField(
        choices=NeedlePlacement.Angle.choices, initial=NeedlePlacement.Angle.PERPENDICULAR
    )
    stimulation = forms.ChoiceField(choices=Stimulation.choices, initial=Stimulation.NONE)
    manual_method = forms.ChoiceField(
        label="Manual method",
        choices=[("", "—"), *NeedlePlacement.ManualMethod.choices],
        required=False,
    )
    ea_frequency = forms.CharField(
        label="EA frequency (Hz)", max_length=20, required=False, help_text="e.g. 2 or 2/100"
    )
    ea_minutes = forms.IntegerField(
        label="EA minutes",
        min_value=1,
        max_value=120,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    de_qi = forms.BooleanField(label="De qi obtained", required=False)
    notes = forms.CharField(max_length=200, required=False)
    override_reason = forms.CharField(
        label="Reason for going ahead",
        max_length=300,
        required=False,
        help_text="Kept on the record with the warning.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["needle"].queryset = Needle.objects.filter(is_active=True)
        self.override_warnings = []

    def clean_acupoint(self):
        text = self.cleaned_data["acupoint"]
        found = resolve_point(text)
        if found is None:
            raise forms.ValidationError(
                f"“{text.strip()}” is not a point code we know. Type a code such as BL23 or "
                "GV4 (older codes like LV3 work too), or Ashi for a tender point."
            )
        return found

    def clean(self):
        data = super().clean()
        acupoint = data.get("acupoint")
        if acupoint is not None:
            self._clean_side(acupoint, data)
            self._clean_points(acupoint, data)
            self._clean_depth(acupoint, data)
        stimulation = data.get("stimulation")
        if stimulation == Stimulation.MANUAL:
            if not data.get("manual_method"):
                self.add_error("manual_method", "Choose the manual method.")
        else:
            data["manual_method"] = ""
        if stimulation == Stimulation.ELECTRO:
            if not data.get("ea_frequency", "").strip():
                self.add_error("ea_frequency", "Give the electroacupuncture frequency.")
            if data.get("ea_minutes") is None and "ea_minutes" not in self.errors:
                self.add_error("ea_minutes", "Give the electroacupuncture minutes.")
        else:
            data["ea_frequency"], data["ea_minutes"] = "", None
        return data

    def _clean_side(self, acupoint, data):
        side, Side = data.get("side", ""), NeedlePlacement.Side
        if acupoint.kind == Acupoint.Kind.ASHI:
            if side in ("", Side.MIDLINE):
                self.add_error("side", "Choose the side of the Ashi point.")
            if not data.get("ashi_location", "").strip():
                self.add_error(
                    "ashi_location",
                    "An Ashi point needs its location, e.g. “2 cm lateral to L4, left”.",
                )
            if not data.get("region"):
                self.add_error("region", "Choose where the Ashi point is (or “Elsewhere”).")
            return
        data["ashi_location"], data["region"] = "", ""
        allowed = acupoint.sides
        if side == "" and len(allowed) == 1:
            data["side"] = allowed[0]
        elif side not in allowed:
            if allowed == [Side.MIDLINE]:
                message = f"{acupoint.code} takes no side (a midline point or a group of points)."
            elif len(allowed) == 1:
                message = f"{acupoint.code} lies on the {allowed[0]} only."
            elif side == Side.MIDLINE:
                message = (
                    f"{acupoint.code} is not a midline point: choose left, right or bilateral."
                )
            else:
                message = f"Choose the side for {acupoint.code}: left, right or bilateral."
            self.add_error("side", message)

    def _clean_points(self, acupoint, data):
        named = data.get("named_points") or []
        if acupoint.named_points:
            if not named:
                self.add_error(
                    "named_points", f"Choose the {acupoint.code} levels needled (e.g. L3, L4, L5)."
                )
            data["named_points"] = [level for level in acupoint.named_points if level in named]
            data["points_needled"] = max(len(data["named_points"]), 1)
            return
        data["named_points"] = []
        count = data.get("points_needled") or acupoint.points_per_side
        if count > acupoint.points_per_side:
            self.add_error(
                "points_needled",
                f"{acupoint.code} has {acupoint.points_per_side} point"
                f"{'s' if acupoint.points_per_side > 1 else ''} on each side.",
            )
        data["points_needled"] = count

    def _clean_depth(self, acupoint, data):
        if acupoint.depth_rule == Acupoint.DepthRule.DEPTH and data.get("depth_mm") is None:
            self.add_error(
                "depth_mm",
                f"Record the depth at {acupoint.code}: the {acupoint.structure_at_risk} "
                "lies below.",
            )
        refusal = point_refusal(acupoint)
        if refusal:
            self.add_error("acupoint", refusal)
        refusal = depth_refusal(data.get("needle"), data.get("depth_mm"))
        if refusal:
            self.add_error("depth_mm", refusal)

    def placement_data(self) -> dict:
        data = self.cleaned_data
        return {
            "acupoint": data["acupoint"],
            "ashi_location": data["ashi_location"].strip(),
            "side": data["side"],
            "needle": data["needle"],
            "depth_mm": data["depth_mm"],
            "angle": data["angle"],
            "stimulation": data["stimulation"],
            "manual_method": data["manual_method"],
            "ea_frequency": data["ea_frequency"].strip(),
            "ea_minutes": data["ea_minutes"],
            "de_qi": data["de_qi"],
            "notes": data["notes"].strip(),
            "points_needled": data["points_needled"],
            "named_points": data["named_points"],
            "region": data["region"],
        }


class ChoiceByUuidField(forms.ModelChoiceField):
    """A model choice posted as its uuid: a malformed one is just not a choice."""

    def to_python(self, value):
        try:
            return super().to_python(value)
        except forms.ValidationError as error:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            ) from error


class ProtocolForm(forms.Form):
    protocol = ChoiceByUuidField(
        label="Saved protocol",
        queryset=Protocol.objects.none(),
        to_field_name="uuid",
        empty_label="Choose a protocol…",
        error_messages={
            "required": "Choose one of your protocols.",
            "invalid_choice": "Choose one of your protocols.",
        },
    )

    def __init__(self, *args, practitioner, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["protocol"].queryset = Protocol.objects.filter(practitioner=practitioner)


class NeedlesInForm(forms.Form):
    patient_position = forms.ChoiceField(
        label="Patient's position",
        choices=[("", "Choose…"), *PatientPosition.choices],
        error_messages={"required": "Choose the patient's position before the needles go in."},
    )


class AfterRemovalForm(VersionedModelForm):
    """What can still be added after the needles are out, on the draft: the
    reason for a retention outside the range, pressure after removal."""

    class Meta:
        model = TreatmentSession
        fields = ["retention_reason", "pressure_applied_after_removal"]
        labels = {
            "retention_reason": "Reason for the retention time",
            "pressure_applied_after_removal": "Pressure applied after removal",
        }

    def clean_retention_reason(self):
        return self.cleaned_data["retention_reason"].strip()


class OverrideForm(forms.Form):
    """The reason for going ahead despite a warning that applies now."""

    placement = forms.IntegerField(required=False, widget=forms.HiddenInput)
    kind = forms.ChoiceField(
        choices=WarningOverride.Kind.choices, widget=forms.HiddenInput, error_messages=STALE_PAGE
    )
    reason = forms.CharField(
        label="Reason for going ahead",
        max_length=300,
        error_messages={"required": "Give the reason for going ahead (it is kept on the record)."},
    )


class SkinLesionSiteForm(forms.Form):
    """A site not to needle: a point from the catalogue and/or a chart region."""

    acupoint = forms.CharField(
        label="Point at the site",
        max_length=40,
        required=False,
        help_text="A point code (BL23) or name, if the lesion is at a point.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    side = forms.ChoiceField(
        label="Left or right", choices=SkinLesionSite.Side.choices, required=False
    )
    region = forms.ChoiceField(
        label="Body-chart region",
        choices=[("", "None"), *bodychart.CHOICES],
        required=False,
    )
    description = forms.CharField(
        label="What is there",
        max_length=200,
        help_text="e.g. “eczema, weeping”, “lymphoedema”, “healing scar”.",
        error_messages={"required": "Say what is at the site (e.g. eczema, infection)."},
    )

    def clean_acupoint(self):
        text = self.cleaned_data["acupoint"]
        if not text.strip():
            return None
        found = resolve_point(text)
        if found is None or found.kind == Acupoint.Kind.ASHI:
            raise forms.ValidationError(
                f"“{text.strip()}” is not a point code we know: type a code such as BL23, or "
                "choose a body-chart region instead."
            )
        return found

    def clean(self):
        data = super().clean()
        if not self.errors and data.get("acupoint") is None and not data.get("region"):
            raise forms.ValidationError("Name the point, the body-chart region, or both.")
        if data.get("acupoint") is None:
            data["side"] = ""
        return data


class NeedlesOutForm(forms.Form):
    removed = forms.IntegerField(
        label="Needles removed (counted)",
        min_value=0,
        max_value=500,
        error_messages={"required": "Count the needles removed and enter the number."},
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0}),
    )
    retention_reason = forms.CharField(
        label="Reason for the retention time",
        max_length=200,
        required=False,
        help_text="Needed when the retention is outside the clinic's range "
        "(patient request, dizziness, EA protocol, …).",
    )
    pressure_applied = forms.BooleanField(label="Pressure applied after removal", required=False)

    def __init__(self, *args, session: TreatmentSession, settings: ClinicSettings, **kwargs):
        super().__init__(*args, **kwargs)
        self.session = session
        self.settings = settings

    def would_be_minutes(self, now=None) -> int | None:
        if self.session.needles_in_at is None:
            return None
        elapsed = (now or timezone.now()) - self.session.needles_in_at
        return round(max(elapsed, timedelta(0)).total_seconds() / 60)

    def clean(self):
        data = super().clean()
        minutes = self.would_be_minutes()
        if (
            self.settings.retention_outside(minutes)
            and not data.get("retention_reason", "").strip()
        ):
            low, high = self.settings.retention_range
            self.add_error(
                "retention_reason",
                f"The retention would be {minutes} minute{'s' if minutes != 1 else ''}, outside "
                f"the clinic's {low}–{high}: say why (patient request, dizziness, EA protocol, …).",
            )
        return data


class AdverseEventForm(forms.ModelForm):
    class Meta:
        model = AdverseEvent
        fields = ["type", "severity", "action_taken"]
        labels = {"type": "Adverse event"}

    def clean_action_taken(self):
        action = self.cleaned_data["action_taken"].strip()
        if not action:
            raise forms.ValidationError("Say what action was taken.")
        return action


class SignForm(forms.Form):
    """Signing is final: the practitioner confirms having read the summary shown
    above the button (points, needles, retention, overridden warnings)."""

    version = forms.IntegerField(widget=forms.HiddenInput, error_messages=STALE_PAGE)
    checked = forms.BooleanField(
        label="I have checked this record",
        error_messages={
            "required": "Tick “I have checked this record” after reading the summary, then sign."
        },
    )


class AddendumForm(forms.Form):
    reason = forms.CharField(
        label="Reason for the correction",
        max_length=300,
        error_messages={"required": "Give the reason for the addendum."},
    )
    text = forms.CharField(
        label="Correction or addition",
        widget=_text(4),
        error_messages={"required": "Write the correction."},
    )


class StartForm(forms.Form):
    """Open a record for one of one's appointments, or for a patient without one."""

    appointment = forms.UUIDField(required=False)
    patient = forms.UUIDField(
        required=False, error_messages={"invalid": "Choose the patient from the list."}
    )

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("appointment") and not data.get("patient"):
            raise forms.ValidationError("Choose the patient (or the appointment) to record.")
        return data
