"""``{{ form.field|fast_field }}``: a form field laid out as crispy-forms'
bootstrap5 ``|as_crispy_field`` lays it out, in one Jinja2 template
(clinic/jinja2/clinic/forms/field_bootstrap5.html, through the project's form
renderer) instead of crispy's chain of Django templates.

Issue 14: the treatment record's assessment has 36 fields; crispy rendered
each through about a dozen templates and took over half of the page's time.
Widgets other than these plain ones (radio lists, checkbox lists, files) go
through crispy as before.
"""

from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field
from django import template
from django.utils.html import escape

register = template.Library()

FAST = {"text", "email", "number", "textarea", "select", "selectmultiple", "checkbox", "date"}
TEMPLATE = "clinic/forms/field_bootstrap5.html"


@register.filter
def fast_field(field):
    if field.widget_type not in FAST:
        return as_crispy_field(field)
    # Escaped here as Django escapes (Jinja2 writes &#39; for an apostrophe, Django &#x27;).
    context = {
        "field": field,
        "label": escape(field.label),
        "errors": [escape(error) for error in field.errors],
    }
    return field.render(template_name=TEMPLATE, context=context)
