from django import template

from notifications import services

register = template.Library()


@register.simple_tag(takes_context=True)
def retry_allowed(context, message, appointment) -> bool:
    """{% retry_allowed message appointment as can_retry %}: offer a Retry button?"""
    user = context.get("user")
    # One opt-out look-up per number for the whole page, however many messages.
    opt_outs = context.render_context.setdefault("notification_opt_outs", {})
    return user is not None and services.retry_allowed(message, appointment, user, opt_outs)
