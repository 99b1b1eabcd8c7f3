"""Request hygiene, caching and failure handling for every request."""

import logging
import sys
import time

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.exceptions import SessionInterrupted
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.core.signals import got_request_exception
from django.db import DatabaseError, InterfaceError, OperationalError
from django.dispatch import receiver
from django.http import HttpResponse
from django.template import loader
from django.utils.cache import add_never_cache_headers, patch_cache_control

logger = logging.getLogger(__name__)

NUL = "\x00"


class StripNulFromHeadersMiddleware:
    """Remove NUL bytes from request headers.

    PostgreSQL refuses NUL in text, and django-axes stores the User-Agent and
    Accept headers of every login attempt: a NUL there turned a login into a
    500. Nothing legitimate sends NUL in a header, so it is dropped."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        for key, value in list(request.META.items()):
            if key.startswith("HTTP_") and isinstance(value, str) and NUL in value:
                request.META[key] = value.replace(NUL, "")
        return self.get_response(request)


class SessionMiddleware(DjangoSessionMiddleware):
    """Django's session middleware, which also answers a lost database connection
    with a clear 503 "try again" page (and then does not save the session).

    When PostgreSQL goes away mid-request (a restart, a failover, a killed
    backend), the query fails and the server rolls back the transaction it was
    in, so nothing partial is written. Without this, the user would see a 500,
    or a misleading 400 ("session was deleted before the request completed",
    SessionInterrupted) when the session's save was the query that failed.
    Any OperationalError counts: a serialization failure or a statement timeout
    also deserves "try again".
    """

    def process_exception(self, request, exception):
        if isinstance(exception, OperationalError | InterfaceError):
            request.database_unavailable = True
            return service_unavailable(request, exception)
        return None

    def process_response(self, request, response):
        if getattr(request, "database_unavailable", False):
            return response if response.status_code == 503 else service_unavailable(request)
        try:
            return super().process_response(request, response)
        except SessionInterrupted as error:
            if not _caused_by_the_database(error):
                raise
            return service_unavailable(request, error)
        except (OperationalError, InterfaceError) as error:
            # The first save of a new session (must_create) raises it as it is.
            return service_unavailable(request, error)


@receiver(got_request_exception)
def _note_a_lost_database(sender, request=None, **kwargs):
    """A query that failed in a middleware (not a view) becomes a 500 response
    before SessionMiddleware sees it: mark the request so that it answers 503."""
    error = sys.exc_info()[1]
    if request is not None and isinstance(error, OperationalError | InterfaceError):
        request.database_unavailable = True


def _caused_by_the_database(error: BaseException | None) -> bool:
    for _ in range(10):  # the chain of causes, not followed for ever
        if error is None:
            return False
        if isinstance(error, DatabaseError):
            return True
        error = error.__cause__ or error.__context__
    return False


def service_unavailable(request, error: BaseException | None = None) -> HttpResponse:
    logger.warning(
        "Database unavailable during %s %s: %s", request.method, request.path, error, exc_info=error
    )
    # No context processors: they may query the database.
    response = HttpResponse(loader.get_template("503.html").render(), status=503)
    response["Retry-After"] = "10"
    add_never_cache_headers(response)
    return response


class NoStoreMiddleware:
    """Browsers keep no copy of the app's pages: ``Cache-Control: no-store``.

    Pages show patients' data; on a shared front-desk computer, Back after
    logging out must not bring them back from the browser's cache. Applies to
    every response of the app (static files are served before this middleware
    by WhiteNoise), unless the view chose a private caching policy itself.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        existing = response.get("Cache-Control", "")
        if "private" not in existing and "no-store" not in existing:
            add_never_cache_headers(response)
        elif "no-store" not in existing and "max-age" not in existing:
            patch_cache_control(response, no_store=True)
        return response


class RefreshSessionMiddleware:
    """Keep a signed-in session alive while it is used, without saving it on every
    request (SESSION_SAVE_EVERY_REQUEST is off: a request whose database
    connection dropped would fail on that save).

    The session's expiry (SESSION_COOKIE_AGE after its last save) is renewed
    when its last save is more than SESSION_REFRESH_SECONDS old: an idle session
    still ends SESSION_IDLE_MINUTES after its last request, give or take that.
    """

    KEY = "_saved_at"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or not session.accessed or response.status_code >= 500:
            return response
        if session.get(SESSION_KEY) is None:
            return response  # not signed in (or just signed out): nothing to keep alive
        now = int(time.time())
        saved_at = session.get(self.KEY)
        if (
            session.modified
            or not isinstance(saved_at, int)
            or now - saved_at >= settings.SESSION_REFRESH_SECONDS
        ):
            session[self.KEY] = now  # marks the session modified: SessionMiddleware saves it
        return response
