from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from audit.services import record


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    record("accounts.login", actor=user)


@receiver(user_logged_out)
def on_logout(sender, request, user, **kwargs):
    if user is not None:
        record("accounts.logout", actor=user)


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    record("accounts.login_failed", actor_label=str(credentials.get("username", ""))[:254])
