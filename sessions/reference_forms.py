"""Forms of the clinic's reference lists (sessions/views/reference.py): each
gives bad input a clear message; the rules of saving are sessions.reference's."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from sessions.catalogue import point_key
from sessions.models import Acupoint, Needle, PregnancyCautionPoint

GAUGE_MIN, GAUGE_MAX = Decimal("0.10"), Decimal("0.50")
LENGTH_MIN, LENGTH_MAX = 5, 150


class NeedleForm(forms.ModelForm):
    class Meta:
        model = Needle
        fields = ["gauge_mm", "length_mm", "make", "is_active"]
        labels = {"is_active": "In stock (offered for new placements)"}
        help_texts = {
            "gauge_mm": "Diameter, 0.10–0.50 mm (0.20, 0.25 and 0.30 are common).",
            "length_mm": "5–150 mm (13, 15, 25, 30, 40, 50, 60, 75 are common).",
        }
        widgets = {
            "gauge_mm": forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
            "length_mm": forms.NumberInput(attrs={"inputmode": "numeric"}),
        }

    def __init__(self, *args, in_use: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            del self.fields["is_active"]
        if in_use:
            for name in ("gauge_mm", "length_mm", "make"):
                self.fields[name].disabled = True
                self.fields[
                    name
                ].help_text = "Fixed: the needle is on treatment records. Retire it and add a new one instead."

    def clean_gauge_mm(self):
        gauge = self.cleaned_data["gauge_mm"]
        if not GAUGE_MIN <= gauge <= GAUGE_MAX:
            raise forms.ValidationError(
                f"Enter a gauge between {GAUGE_MIN} and {GAUGE_MAX} mm (you entered {gauge})."
            )
        return gauge

    def clean_length_mm(self):
        length = self.cleaned_data["length_mm"]
        if not LENGTH_MIN <= length <= LENGTH_MAX:
            raise forms.ValidationError(
                f"Enter a length between {LENGTH_MIN} and {LENGTH_MAX} mm (you entered {length})."
            )
        return length

    def clean_make(self):
        make = " ".join(self.cleaned_data["make"].split())
        if not make:
            raise forms.ValidationError("Enter the make, e.g. Seirin J-type.")
        return make

    def clean(self):
        data = super().clean()
        if {"gauge_mm", "length_mm", "make"} <= data.keys():
            same = Needle.objects.filter(
                gauge_mm=data["gauge_mm"], length_mm=data["length_mm"], make__iexact=data["make"]
            ).exclude(pk=self.instance.pk)
            if same.exists():
                # On a field: Django then skips its own, vaguer, uniqueness message.
                self.add_error(
                    "make",
                    f"The needle {data['gauge_mm']} × {data['length_mm']} mm {data['make']} "
                    "is already on the list.",
                )
        return data


class PregnancyCautionForm(forms.Form):
    acupoint = forms.CharField(
        label="Point code",
        max_length=12,
        help_text="A WHO code (SP6, LI4, BL60) or an extra point (EX-B2); older aliases work (LV3).",
    )
    reason = forms.CharField(
        label="Why it is cautioned",
        max_length=200,
        help_text="e.g. traditionally avoided in pregnancy (all texts).",
    )

    def clean_acupoint(self):
        code = self.cleaned_data["acupoint"].strip()
        point = (
            Acupoint.objects.exclude(kind=Acupoint.Kind.ASHI)
            .filter(search_key=point_key(code))
            .first()
        )
        if point is None:
            raise forms.ValidationError(
                f"Unknown point code “{code}”: use a WHO code such as SP6 or an extra point such "
                "as EX-B2."
            )
        if PregnancyCautionPoint.objects.filter(acupoint=point).exists():
            raise forms.ValidationError(f"{point.code} is already on the pregnancy list.")
        return point

    def clean_reason(self):
        reason = " ".join(self.cleaned_data["reason"].split())
        if not reason:
            raise forms.ValidationError("Say why the point is cautioned.")
        return reason


class PregnancyCautionReasonForm(forms.Form):
    reason = forms.CharField(label="Why it is cautioned", max_length=200)

    def clean_reason(self):
        reason = " ".join(self.cleaned_data["reason"].split())
        if not reason:
            raise forms.ValidationError("Say why the point is cautioned.")
        return reason
