"""Rules of the code's shape that review alone would let slip (read from the
source with ``ast``, no database).

* A workflow (a write, its transaction, its audit entry) lives in a service
  module: views, form modules and admin pages validate and call it, never write the audit
  trail or open a transaction themselves.
* The audit call has one spelling, ``audit.services.record(...)`` after
  ``import audit.services``: no bare ``record(``, which reads like a treatment
  record, no local alias, and no ``AuditEvent`` row written anywhere else.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = sorted(p.parent.name for p in ROOT.glob("*/apps.py"))
AUDIT_SERVICES = ROOT / "audit" / "services.py"
WRITES = {"create", "bulk_create", "get_or_create", "update_or_create", "update", "delete"}


def app_modules() -> list[Path]:
    return sorted(
        path
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts
    )


def is_view_or_form(path: Path) -> bool:
    """Views (a views.py or a views/ package), form modules (forms.py,
    record_forms.py, ...) and the Django admin's pages (admin.py)."""
    return (
        path.name in ("views.py", "admin.py")
        or "views" in path.relative_to(ROOT).parts[:-1]
        or path.stem.endswith("forms")
    )


def _dotted(node: ast.AST) -> str:
    """``audit.services.record`` for the attribute chain of a call's target."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return ".".join(reversed(parts))


def audit_writes(tree: ast.AST) -> list[str]:
    """Every direct write of an audit event in a module, as ``line: text``."""
    spellings = {"audit.services.record", "AuditEvent"}
    for node in ast.walk(tree):  # the other names the same call may have here
        if isinstance(node, ast.ImportFrom) and node.module in ("audit.services", "audit"):
            for alias in node.names:
                if alias.name in ("record", "services"):
                    name = alias.asname or alias.name
                    spellings.add(name if alias.name == "record" else f"{name}.record")
        elif isinstance(node, ast.Import):
            spellings |= {
                f"{a.asname}.record" for a in node.names if a.name == "audit.services" and a.asname
            }
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        target = _dotted(node.func)
        writes_rows = target.startswith("AuditEvent.objects.") and target.endswith(
            tuple(f".{w}" for w in WRITES)
        )
        if target in spellings or writes_rows:
            found.append(f"{node.lineno}: {target}(")
    return found


def other_spellings(tree: ast.AST) -> list[str]:
    """Imports that give the audit call another name."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "audit.services":
            found += [
                f"{node.lineno}: from audit.services import {a.name}"
                for a in node.names
                if a.name == "record"
            ]
        elif isinstance(node, ast.ImportFrom) and node.module == "audit":
            found += [
                f"{node.lineno}: from audit import {a.name}"
                for a in node.names
                if a.name == "services"
            ]
        elif isinstance(node, ast.Import):
            found += [
                f"{node.lineno}: import {a.name} as {a.asname}"
                for a in node.names
                if a.name == "audit.services" and a.asname
            ]
    return found


def transactions(tree: ast.AST) -> list[str]:
    return [
        f"{node.lineno}: {_dotted(node)}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and _dotted(node) == "transaction.atomic"
    ]


def parse(path: Path) -> ast.AST:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


VIEWS_AND_FORMS = [p for p in app_modules() if is_view_or_form(p)]


def test_the_rules_see_the_apps_views_and_forms():
    names = {str(p.relative_to(ROOT)) for p in VIEWS_AND_FORMS}
    assert {"accounts/views.py", "portal/record_forms.py", "sessions/protocol_forms.py"} <= names
    assert "scheduling/views/feeds.py" in names and "scheduling/services.py" not in names


@pytest.mark.parametrize("path", VIEWS_AND_FORMS, ids=lambda p: str(p.relative_to(ROOT)))
def test_views_and_forms_never_write_the_audit_trail(path):
    writes = audit_writes(parse(path))
    assert not writes, (
        f"{path.relative_to(ROOT)} writes audit events itself: move the workflow "
        f"(the write and its audit) into the app's services.py. {writes}"
    )


@pytest.mark.parametrize("path", VIEWS_AND_FORMS, ids=lambda p: str(p.relative_to(ROOT)))
def test_views_and_forms_open_no_transaction(path):
    found = transactions(parse(path))
    assert not found, (
        f"{path.relative_to(ROOT)} opens a transaction: the service that writes owns it. {found}"
    )


def test_the_audit_call_has_one_spelling():
    problems = {}
    for path in app_modules():
        tree = parse(path)
        found = other_spellings(tree)
        if path != AUDIT_SERVICES:
            found += [w for w in audit_writes(tree) if "AuditEvent" in w.split(":", 1)[1]]
        if found:
            problems[str(path.relative_to(ROOT))] = found
    assert not problems, (
        "Write the audit trail as audit.services.record(...) after `import audit.services`, "
        f"and AuditEvent rows only there: {problems}"
    )


def test_the_checks_catch_what_they_are_for():
    """Each rule fails on the code it forbids (so a passing suite means something)."""
    view = ast.parse(
        "import audit.services\n"
        "from django.db import transaction\n"
        "def v(request):\n"
        "    with transaction.atomic():\n"
        "        audit.services.record('x', actor=request.user)\n"
        "        AuditEvent.objects.create(action='y')\n"
    )
    assert len(audit_writes(view)) == 2 and len(transactions(view)) == 1
    aliases = ast.parse(
        "from audit.services import record\n"
        "from audit import services\n"
        "import audit.services as audit_services\n"
    )
    assert len(other_spellings(aliases)) == 3
    calls = ast.parse(
        "from audit.services import record as log\n"
        "from audit import services\n"
        "log('x')\n"
        "services.record('y')\n"
    )
    assert len(audit_writes(calls)) == 2
