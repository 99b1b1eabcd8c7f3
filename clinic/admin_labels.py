"""Names for the Django admin's inputs that have none (axe-core's "label" and
"select-name" rules, WCAG 1.3.1 and 4.1.2).

Django's split date-and-time widget writes "Date:" and "Time:" as plain text
next to its two inputs, and a tabular inline names its columns only in the
header row: a screen reader announces those inputs without a name. ModelAdmins
with such fields take ``LabelledInputsMixin``; tabular inlines also set
``label_every_input`` and use ``LabelledInlineFormSet`` (its delete boxes).
"""

from django.contrib.admin.widgets import AdminSplitDateTime, RelatedFieldWidgetWrapper
from django.forms.models import BaseInlineFormSet
from django.utils.text import capfirst


class LabelledInputsMixin:
    label_every_input = False  # True on a tabular inline: its cells have no <label>

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if field is None:
            return field
        widget = field.widget
        if isinstance(widget, RelatedFieldWidgetWrapper):
            widget = widget.widget
        label = capfirst(field.label)
        if isinstance(widget, AdminSplitDateTime):
            date, time = widget.widgets
            date.attrs["aria-label"] = f"{label}: date"
            time.attrs["aria-label"] = f"{label}: time"
        elif self.label_every_input:
            widget.attrs.setdefault("aria-label", label)
        return field


class LabelledInlineFormSet(BaseInlineFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].widget.attrs["aria-label"] = "Delete this row"
