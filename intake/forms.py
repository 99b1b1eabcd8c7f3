"""The patient's intake form (built from the version's questions), its consent
step (the consent form of patients, in the patient's words) and the
practitioner's review of the flag answers."""

from django import forms

from intake.models import IntakeQuestion
from patients.forms import ConsentForm

YES_NO = [("yes", "Yes"), ("no", "No")]
SCALE = [(str(n), str(n)) for n in range(11)]
MAX_ANSWER = 2000


def _field(question: IntakeQuestion) -> forms.Field:
    common = {
        "label": question.text,
        "required": question.required,
        "help_text": question.help_text,
    }
    kind = question.kind
    if kind == IntakeQuestion.Kind.YES_NO:
        return forms.ChoiceField(choices=YES_NO, widget=forms.RadioSelect, **common)
    if kind == IntakeQuestion.Kind.SCALE_0_10:
        return forms.ChoiceField(choices=SCALE, widget=forms.RadioSelect, **common)
    if kind == IntakeQuestion.Kind.CHOICE:
        choices = [(str(i), text) for i, text in enumerate(question.choice_list)]
        return forms.ChoiceField(choices=choices, widget=forms.RadioSelect, **common)
    if kind == IntakeQuestion.Kind.SHORT_TEXT:
        return forms.CharField(max_length=300, **common)
    return forms.CharField(
        max_length=MAX_ANSWER, widget=forms.Textarea(attrs={"rows": 3}), **common
    )


class IntakeAnswersForm(forms.Form):
    """One field per question, named by the question's key."""

    def __init__(self, *args, questions: list[IntakeQuestion], **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            self.fields[question.key] = _field(question)
            self.fields[question.key].error_messages["required"] = "Please answer this question."

    def sections(self):
        """(section label, [bound fields]) in the order of the questions."""
        grouped: dict[str, list] = {}
        for question in self.questions:
            grouped.setdefault(question.get_section_display(), []).append(self[question.key])
        return list(grouped.items())

    def answers(self) -> dict[str, str]:
        return {k: " ".join(str(v).split()) if "\n" not in str(v) else str(v).strip()
                for k, v in self.cleaned_data.items()}  # fmt: skip


class PatientConsentForm(ConsentForm):
    """The clinic's consent form, worded for the patient signing it themselves."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["signature_method"].label = "How would you like to sign?"
        self.fields["signature_method"].choices = [
            ("typed", "Type my full name"),
            ("drawn", "Draw my signature on the screen"),
        ]
        self.fields["typed_name"].label = "Your full name"
        self.fields[
            "typed_name_confirmed"
        ].label = "I have read the information above and this is my signature."


class FlagReviewForm(forms.Form):
    """For each flag question: the value to record (pre-filled with the
    patient's answer) and a note, needed when the value differs."""

    def __init__(self, *args, rows, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = rows
        for row in rows:
            if row.is_boolean:
                self.fields[f"value_{row.flag}"] = forms.TypedChoiceField(
                    label=row.question.get_flag_display(),
                    choices=YES_NO,
                    coerce=lambda v: v == "yes",
                    widget=forms.RadioSelect,
                    initial="yes" if row.answered_value else "no",
                )
            else:
                self.fields[f"value_{row.flag}"] = forms.CharField(
                    label=row.question.get_flag_display(),
                    required=False,
                    max_length=2000 if row.flag == "skin_conditions" else 200,
                    initial=row.answered_value,
                )
            self.fields[f"note_{row.flag}"] = forms.CharField(
                label="Why (if you record something else)", required=False, max_length=300
            )

    def pairs(self):
        return [(row, self[f"value_{row.flag}"], self[f"note_{row.flag}"]) for row in self.rows]

    def clean(self):
        data = super().clean()
        for row in self.rows:
            value = data.get(f"value_{row.flag}")
            if value is None:
                continue
            if not row.is_boolean:
                value = " ".join(value.split())
            if value != row.answered_value and not data.get(f"note_{row.flag}", "").strip():
                self.add_error(
                    f"note_{row.flag}",
                    "You recorded something other than the patient's answer: say why.",
                )
        return data

    def decisions(self) -> dict[str, dict]:
        return {
            row.flag: {
                "value": self.cleaned_data[f"value_{row.flag}"],
                "note": self.cleaned_data[f"note_{row.flag}"],
            }
            for row in self.rows
        }
