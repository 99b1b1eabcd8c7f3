"""Billing forms: they parse and normalise; the services decide (and the
database enforces). Amounts are Decimal with at most two places, more than zero."""

from datetime import timedelta
from decimal import Decimal

from django import forms
from django.utils import timezone

from billing.models import Payment
from billing.money import MAX_DIGITS

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def amount_field(label="Amount", **kwargs) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        max_digits=MAX_DIGITS,
        decimal_places=2,
        min_value=Decimal("0.01"),
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
        **kwargs,
    )


def reason_field(label="Reason") -> forms.CharField:
    return forms.CharField(label=label, max_length=300)


class IdPrefixForm(forms.Form):
    """Several forms share the invoice page: each gets its own element ids."""

    id_prefix = "f"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class PaymentForm(IdPrefixForm):
    id_prefix = "pay"
    method = forms.ChoiceField(
        label="Paid by",
        choices=[
            (value, label)
            for value, label in Payment.Method.choices
            if value != Payment.Method.PACKAGE
        ],
    )
    amount = amount_field()
    reference = forms.CharField(
        label="Reference (card slip, transfer, claim number)", max_length=100, required=False
    )
    keep_excess_as_credit = forms.BooleanField(
        label="If this is more than the balance, keep the rest as account credit",
        required=False,
    )
    # The balance the clerk saw: another payment meanwhile refuses this one.
    expected_balance = forms.DecimalField(
        max_digits=MAX_DIGITS, decimal_places=2, widget=forms.HiddenInput
    )


class RefundForm(IdPrefixForm):
    id_prefix = "refund"
    amount = amount_field("Refund amount")
    reason = reason_field()


class VoidForm(IdPrefixForm):
    id_prefix = "void"
    reason = reason_field("Why is it void?")


class CreditNoteForm(IdPrefixForm):
    id_prefix = "credit"
    amount = amount_field("Credit amount")
    reason = reason_field()


class WaiveForm(IdPrefixForm):
    id_prefix = "waive"
    reason = reason_field("Why is the fee waived?")


class ItemForm(IdPrefixForm):
    id_prefix = "item"
    description = forms.CharField(label="Item", max_length=200)
    unit_price = forms.DecimalField(
        label="Price each",
        max_digits=MAX_DIGITS,
        decimal_places=2,
        min_value=Decimal("0"),
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    quantity = forms.IntegerField(min_value=1, max_value=999, initial=1)


class PackageForm(IdPrefixForm):
    id_prefix = "package"
    name = forms.CharField(max_length=100, initial="Course of 6 treatments")
    treatments = forms.IntegerField(label="Number of treatments", min_value=1, max_value=100)
    price = forms.DecimalField(
        max_digits=MAX_DIGITS,
        decimal_places=2,
        min_value=Decimal("0"),
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    expires_on = forms.DateField(label="Expires on", widget=DATE_INPUT)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("treatments", 6)
        kwargs["initial"].setdefault("expires_on", timezone.localdate() + timedelta(days=180))
        super().__init__(*args, **kwargs)

    def clean_expires_on(self):
        day = self.cleaned_data["expires_on"]
        if day <= timezone.localdate():
            raise forms.ValidationError("The expiry date must be in the future.")
        return day


class RedeemForm(IdPrefixForm):
    id_prefix = "redeem"
    """Which package pays for which visit on the invoice (choices from the page)."""

    package = forms.ChoiceField(label="Package")
    appointment = forms.ChoiceField(label="Visit")

    def __init__(self, *args, packages, visits, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["package"].choices = [(str(p.uuid), str(p)) for p in packages]
        self.fields["appointment"].choices = [
            (str(line.appointment.uuid), line.description) for line in visits
        ]
        self.packages = {str(p.uuid): p for p in packages}
        self.visits = {str(line.appointment.uuid): line.appointment for line in visits}
