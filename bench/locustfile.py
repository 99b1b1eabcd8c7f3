"""Locust users for bench/run_benchmark.py: one key page per run.

Environment (set by run_benchmark.py):

* ``BENCH_PAGE``: which page (a key of PAGES);
* ``BENCH_TARGETS``: a JSON file of accounts and ids picked from the database;
* ``BENCH_HOSTS``: base URLs, comma-separated; with two or more, every user
  logs in on the first and then sends its requests to each server in turn
  (the login must work on all of them: sessions live in the database);
* ``BENCH_QUERIES``: where to write the X-Query-Count figures of the run.

Each simulated user logs in with its own account (its own session), then asks
for its page again and again with no think time: a closed loop of N users.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
from collections import defaultdict
from urllib.parse import quote

from locust import FastHttpUser, constant, events, task

PAGE = os.environ.get("BENCH_PAGE", "bare")
HOSTS = [h for h in os.environ.get("BENCH_HOSTS", "http://127.0.0.1:8765").split(",") if h]
with open(os.environ.get("BENCH_TARGETS", "bench-targets.json"), encoding="utf-8") as handle:
    TARGETS = json.load(handle)

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _day(rng):
    return f"/calendar/?date={rng.choice(TARGETS['days'])}"


def _search(rng):
    return f"/patients/?q={quote(rng.choice(TARGETS['search_terms']))}"


def _find(rng):
    t = TARGETS["find"]
    return f"/calendar/find/?appointment_type={t['type']}&from_date={t['from']}&to_date={t['to']}"


def _timeline(rng):
    return f"/records/patient/{rng.choice(TARGETS['timeline_patients'])}/"


def _draft(rng, account):
    # The record is edited in steps (issue 14); /records/<uuid>/ of a draft is a
    # redirect to its first unfinished one. The needles step is the heaviest.
    return f"/records/{rng.choice(account['drafts'])}/step/needles/"


# page: (role of the account, the URL to ask for)
PAGES = {
    "bare": ("front_desk", lambda rng, account: "/bench/bare/"),
    "day_calendar": ("front_desk", lambda rng, account: _day(rng)),
    "patient_search": ("front_desk", lambda rng, account: _search(rng)),
    "find_a_time": ("front_desk", lambda rng, account: _find(rng)),
    "clinical_timeline": ("practitioner", lambda rng, account: _timeline(rng)),
    "session_edit": ("practitioner", _draft),
    "floor_board": ("front_desk", lambda rng, account: "/records/floor/"),
    "portal_history": ("patient", lambda rng, account: "/portal/history/"),
    # Report pages (issues 15 and 16)
    "outcomes": ("practitioner", lambda rng, account: "/reports/outcomes/"),
    "practice_reports": ("front_desk", lambda rng, account: "/reports/practice/"),
    "takings": ("front_desk", lambda rng, account: "/billing/reports/takings/"),
    "aged_debt": ("front_desk", lambda rng, account: "/billing/reports/aged/"),
}

_numbers = itertools.count()
_queries: dict[str, list[int]] = defaultdict(list)


@events.request.add_listener
def _count_queries(name, response, exception, **kwargs):
    if exception is None and response is not None and name == PAGE:
        header = response.headers.get("X-Query-Count")
        if header is not None:
            _queries[name].append(int(header))


@events.quitting.add_listener
def _write_queries(environment, **kwargs):
    target = os.environ.get("BENCH_QUERIES")
    if target:
        with open(target, "w", encoding="utf-8") as handle:
            json.dump(_queries, handle)


class PageUser(FastHttpUser):
    wait_time = constant(0)
    host = HOSTS[0]

    def on_start(self):
        number = next(_numbers)
        self.rng = random.Random(number)  # noqa: S311 (load, not security)
        role, self.url_of = PAGES[PAGE]
        accounts = TARGETS["accounts"][role]
        self.account = accounts[number % len(accounts)]
        self.sent = 0
        page = self.client.get("/accounts/login/", name="login")
        token = CSRF.search(page.text or "")
        response = self.client.post(
            "/accounts/login/",
            data={
                "csrfmiddlewaretoken": token.group(1) if token else "",
                "username": self.account["email"],
                "password": TARGETS["password"],
            },
            name="login",
        )
        if "/accounts/login/" in (response.url or ""):
            raise RuntimeError(f"Could not log in as {self.account['email']}")

    @task
    def page(self):
        path = self.url_of(self.rng, self.account)
        base = HOSTS[self.sent % len(HOSTS)]
        self.sent += 1
        with self.client.get(base + path, name=PAGE, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
            elif "/accounts/login/" in (response.url or ""):
                response.failure("logged out (sent to the login page)")
