from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

import audit.services


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    audit.services.record("accounts.login", actor=user)


@receiver(user_logged_out)
def on_logout(sender, request, user, **kwargs):
    if user is not None:
        audit.services.record("accounts.logout", actor=user)


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    audit.services.record(
        "accounts.login_failed", actor_label=str(credentials.get("username", ""))[:254]
    )
