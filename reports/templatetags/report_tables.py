"""``{% report_table table "reports:practice_csv" query %}``: one report table
(reports/tables.py) drawn by a Jinja2 template,
jinja2_templates/reports/table.html.

Issue 16: the practice report over two years by week is about 8,000 rows of
cells; Django's template engine took about as long to draw them as the
database took to add them up (docs/performance.md).
"""

from html import escape

from django import template
from django.template import engines
from django.urls import reverse
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag
def report_table(table, csv_view: str, query: str = ""):
    csv_url = reverse(csv_view, args=[table.key]) + (f"?{query}" if query else "")
    html = (
        engines["jinja2"]
        .get_template("reports/table.html")
        .render(
            {
                "table": table,
                # Each header is the data-label of its column's cells: escaped once.
                "labels": [escape(header) for header in table.headers],
                "html_escape": escape,
                "csv_url": csv_url,
            }
        )
    )
    return mark_safe(html)  # noqa: S308 (every value escaped in the template)
