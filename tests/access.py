"""Machinery for the access matrix (tests/test_access_matrix.py).

* ``url_patterns()`` walks the root URL resolver and names every pattern the
  way ``reverse()`` does ("patients:detail", "admin:patients_patient_change");
  a pattern without a name is named by its namespace and full route
  ("admin:admin/patients/patient/<path:object_id>/").
* ``Row`` is one line of the matrix: how to request a URL and what each role
  must get back, a status code or a ``Redirect``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote

from django.urls import URLPattern, URLResolver, get_resolver, reverse

ROLES = ("anonymous", "patient", "front_desk", "practitioner", "clinic_admin")


# --- Enumerating the URL patterns ------------------------------------------------


@dataclass(frozen=True)
class UrlEntry:
    name: str  # qualified name, or namespace:route for an unnamed pattern
    route: str  # the full route from the site root, without the leading slash
    named: bool


def _walk(resolver: URLResolver, prefix: str, namespace: str | None):
    for item in resolver.url_patterns:
        route = prefix + str(item.pattern)
        if isinstance(item, URLResolver):
            inner = namespace
            if item.namespace:
                inner = f"{namespace}:{item.namespace}" if namespace else item.namespace
            yield from _walk(item, route, inner)
        elif isinstance(item, URLPattern):
            local = item.name or route
            name = f"{namespace}:{local}" if namespace else local
            yield UrlEntry(name=name, route=route, named=item.name is not None)
        else:  # pragma: no cover - Django has only these two kinds
            raise TypeError(f"Unexpected URL pattern {item!r}")


def url_patterns() -> tuple[list[UrlEntry], list[str]]:
    """Every URL pattern of the site, and the qualified names that occur twice
    (a second pattern under one name would never be reached by reverse())."""
    entries = list(_walk(get_resolver(), "", None))
    seen: set[str] = set()
    duplicates = []
    for entry in entries:
        if entry.name in seen:
            duplicates.append(entry.name)
        seen.add(entry.name)
    return entries, duplicates


# --- Expectations ----------------------------------------------------------------


@dataclass(frozen=True)
class Redirect:
    """A redirect whose Location is ``template`` formatted with the URL's kwargs
    and ``{next}``, the requested path and query quoted as Django's
    redirect_to_login() quotes them."""

    template: str
    status: int = 302

    def location(self, full_path: str, kwargs: dict[str, Any]) -> str:
        return self.template.format(next=quote(full_path, safe="/"), **kwargs)

    def __repr__(self):
        return f"{self.status} to {self.template}"


Expected = int | Redirect
Kwargs = Callable[[SimpleNamespace], dict[str, Any]]


def no_kwargs(objects: SimpleNamespace) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Row:
    """One URL requested one way, and what each of the five roles must get."""

    method: str
    anonymous: Expected
    patient: Expected
    front_desk: Expected
    practitioner: Expected
    clinic_admin: Expected
    # Builds the URL's kwargs from the test's objects; may create what it needs.
    kwargs: Kwargs = no_kwargs
    query: str = ""
    # For patterns that reverse() cannot build (regex catch-alls): the path itself.
    path: str | None = None
    # Labels a second row of the same URL (another object, another method).
    variant: str = ""
    # Why this row is not requested at all (must say why).
    skip: str = ""

    def expected(self, role: str) -> Expected:
        return getattr(self, role)


_CONVERTER = re.compile(r"<(?:\w+:)?(\w+)>")


def build_path(entry: UrlEntry, row: Row, kwargs: dict[str, Any]) -> str:
    if row.path is not None:
        path = row.path
    elif entry.named:
        path = reverse(entry.name, kwargs=kwargs)
    else:
        if "(?P<" in entry.route or entry.route.startswith("^"):
            raise AssertionError(f"{entry.name}: a regex route needs an explicit path= in its row")
        path = "/" + _CONVERTER.sub(lambda m: str(kwargs[m.group(1)]), entry.route)
    return f"{path}?{row.query}" if row.query else path
