"""Access checks for views: every view names the capability it needs.

``require`` turns a missing capability into 403 (the page exists, the role may
not use it). Object lookups that a role may not see at all answer 404 instead,
through the ``visible_to`` QuerySet methods of each model.
"""

from functools import wraps

from django.core.exceptions import PermissionDenied

from accounts.roles import Capability


def require(*capabilities: Capability):
    """Decorate a view so that only users with every capability may call it."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            user = request.user
            if not all(user.can(c) for c in capabilities):
                raise PermissionDenied("Your role does not give access to this page.")
            return view(request, *args, **kwargs)

        wrapped.required_capabilities = capabilities
        return wrapped

    return decorator


def require_any(*capabilities: Capability):
    """Decorate a view so that users with at least one of the capabilities may call it."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not any(request.user.can(c) for c in capabilities):
                raise PermissionDenied("Your role does not give access to this page.")
            return view(request, *args, **kwargs)

        wrapped.required_capabilities = capabilities
        return wrapped

    return decorator
