"""Django's template tags end on their own line: a ``{# … #}`` comment, a
``{% … %}`` tag or a ``{{ … }}`` variable spread over several lines is not
parsed but shown as text on the page (base.html's htmx note showed above every
page). Longer notes use ``{% comment %}``."""

import re

from django.conf import settings

OPEN_WITHOUT_CLOSE = re.compile(r"\{#(?![^\n]*#\})|\{%(?![^\n]*%\})|\{\{(?![^\n]*\}\})")


def test_no_django_template_tag_spans_lines():
    found = [
        f"{path.relative_to(settings.BASE_DIR)}:{number}"
        for path in sorted((settings.BASE_DIR / "templates").rglob("*"))
        if path.is_file() and path.suffix in {".html", ".txt", ".svg", ".xml", ".ics"}
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if OPEN_WITHOUT_CLOSE.search(line)
    ]
    assert not found, f"A template tag must close on its own line: {found}"
