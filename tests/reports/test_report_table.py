"""The report table's template escapes every cell and label itself (for
speed, not by autoescape): a name typed into the app cannot become markup."""

from django.template import Context, Template

from reports.tables import Table

NASTY = "<script>alert('x')</script> & \"Oak\""


def test_cells_labels_and_the_empty_row_are_escaped():
    table = Table.of("rooms", "Rooms <b>", (NASTY, "Minutes"), [(NASTY, 5), ("Elm", 7)])
    html = Template(
        '{% load report_tables %}{% report_table table "reports:practice_csv" %}'
    ).render(Context({"table": table}))
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;Oak&quot;" in html
    assert 'data-label="&lt;script&gt;' in html  # the header as each cell's label
    assert '<td data-label="Minutes">5</td>' in html
    empty = Table.of("rooms", "Rooms", ("Room",), [], empty=NASTY)
    html = Template(
        '{% load report_tables %}{% report_table table "reports:practice_csv" %}'
    ).render(Context({"table": empty}))
    assert "<script>" not in html and "&lt;script&gt;" in html
