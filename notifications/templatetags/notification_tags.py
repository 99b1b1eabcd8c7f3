from django import template

from notifications import services

register = template.Library()


@register.simple_tag(takes_context=True)
def retry_allowed(context, message, appointment) -> bool:
    """{% retry_allowed message appointment as can_retry %}: offer a Retry button?"""
    user = context.get("user")
    return user is not None and services.retry_allowed(message, appointment, user)
