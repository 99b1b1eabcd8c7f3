"""Request hygiene that must run before anything reads the request."""

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
