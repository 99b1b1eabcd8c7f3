"""Widgets rendered through Jinja2 where Django ships a Jinja2 copy of the template.

A form renders every widget, and every <option> of a select and every box of a
checkbox list, through a template of its own: with Django's template engine
that was a fifth of "find a time" and of the session record page. Django ships
the same widget templates for Jinja2 (django/forms/jinja2), which render the
same HTML several times faster. The Django admin's own widgets (the related-
object wrapper, the date pickers) exist only as Django templates, so those fall
back to Django's engine. Pages themselves stay Django templates; only the
calendar grids and find a time's results are Jinja2 templates of their own
(jinja2_templates/, the second engine in settings.TEMPLATES), which the pages
include as markup.
"""

from django.forms.renderers import BaseRenderer, DjangoTemplates, Jinja2
from django.template import TemplateDoesNotExist


class WidgetRenderer(BaseRenderer):
    def __init__(self):
        self._fast = Jinja2()
        self._fallback = DjangoTemplates()

    def get_template(self, template_name):
        try:
            return self._fast.get_template(template_name)
        except TemplateDoesNotExist:
            return self._fallback.get_template(template_name)
