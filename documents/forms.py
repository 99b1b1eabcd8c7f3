from django import forms
from django.utils import timezone

from documents.models import Document

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
ACCEPT = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"


class DocumentForm(forms.Form):
    """Staff attach a file; ``clinical`` only for those who may see clinical data."""

    file = forms.FileField(
        label="File",
        help_text="PDF, JPEG or PNG, up to the clinic's size limit.",
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )
    kind = forms.ChoiceField(choices=Document.Kind.choices)
    document_date = forms.DateField(
        label="Date of the document", widget=DATE_WIDGET, initial=timezone.localdate
    )
    description = forms.CharField(max_length=200, required=False)
    clinical = forms.BooleanField(
        label="Clinical: practitioners only (not the front desk)", required=False
    )
    shared_with_patient = forms.BooleanField(
        label="Share with the patient (shown in their portal)", required=False
    )

    def __init__(self, *args, may_mark_clinical: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not may_mark_clinical:
            del self.fields["clinical"]


class PatientDocumentForm(forms.Form):
    """A patient sends the clinic a document (e.g. a scan report)."""

    file = forms.FileField(
        label="File",
        help_text="A PDF, or a photo as JPEG or PNG.",
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )
    kind = forms.ChoiceField(
        label="What is it?",
        choices=[
            (Document.Kind.IMAGING, "A scan or X-ray report"),
            (Document.Kind.GP_LETTER, "A letter from my GP or hospital"),
            (Document.Kind.OTHER, "Something else"),
        ],
    )
    document_date = forms.DateField(
        label="Date on the document", widget=DATE_WIDGET, initial=timezone.localdate
    )
    description = forms.CharField(label="A few words about it", max_length=200, required=False)


class FiledInErrorForm(forms.Form):
    reason = forms.CharField(label="Why is it filed in error?", max_length=300)
