"""The widget renderer: Jinja2's copies of Django's widget templates, the same HTML
(up to white space between tags, which browsers ignore too)."""

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.test.html import parse_html

from clinic.form_renderer import WidgetRenderer

WIDGETS = [
    (forms.Select(choices=[("", "Choose"), ("GB", "Gallbladder"), ("LR", "Liver")]), "LR"),
    (forms.CheckboxSelectMultiple(choices=[("a", "Morning"), ("b", "Evening")]), ["b"]),
    (forms.RadioSelect(choices=[(0, "None"), (1, "Mild <1>")]), 1),
    (forms.DateInput(attrs={"type": "date"}), "2030-01-07"),
    (forms.Textarea(), "Pain <b>worse</b> & stiff"),
]


@pytest.mark.parametrize(("widget", "value"), WIDGETS, ids=lambda w: type(w).__name__)
def test_widgets_render_the_same_html_as_django_templates_would(widget, value):
    fast = widget.render("field", value, attrs={"id": "id_field"}, renderer=WidgetRenderer())
    slow = widget.render("field", value, attrs={"id": "id_field"}, renderer=DjangoTemplates())
    assert parse_html(fast) == parse_html(slow)
    assert "<b>" not in fast  # escaped, as Django's own templates escape


def test_a_template_only_django_has_comes_from_django_templates():
    # The admin's related-object wrapper has no Jinja2 copy.
    template = WidgetRenderer().get_template("admin/widgets/related_widget_wrapper.html")
    assert "django.template" in type(template).__module__
