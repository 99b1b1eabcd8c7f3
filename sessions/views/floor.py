"""The treatment-floor board: every room, with the needles still in it.

The page polls itself with htmx (the board fragment alone, every 15 seconds)
and static/js/floor-board.js ticks the elapsed times in between."""

from django.conf import settings
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from accounts.access import require
from accounts.roles import Capability
from sessions.floor import load_board

POLL_SECONDS = 15


@require_GET
@require(Capability.VIEW_FLOOR)
def floor(request):
    board = load_board(now=timezone.now(), viewer=request.user)
    context = {
        "board": board,
        "poll_seconds": POLL_SECONDS,
        # Polling would keep an unattended login alive for ever; the script stops
        # polling once nobody has touched the page for the idle time of a login.
        "idle_seconds": settings.SESSION_COOKIE_AGE,
    }
    fragment = bool(request.htmx) and not request.htmx.boosted
    template = "sessions/floor_board.html" if fragment else "sessions/floor.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response
