"""SMS gateways, chosen by settings.SMS_URL the way EMAIL_URL chooses the mail
backend:

* ``console://``: print each text to standard output (the default);
* ``locmem://``: keep them in ``outbox`` (tests);
* ``twilio://ACCOUNT_SID:AUTH_TOKEN@FROM``: Twilio's Messages API
  (notifications/sms/twilio.py). FROM is the sending number in E.164 or a
  Messaging Service SID (``MG…``); ``?api=`` overrides the API's address.
"""

from __future__ import annotations

import sys
from urllib.parse import parse_qs, unquote, urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class GatewayError(Exception):
    """The gateway did not accept the text; worth trying again later."""


class OptedOut(GatewayError):
    """The gateway refuses: the number replied STOP. Never tried again."""


# Texts "sent" by the locmem gateway, like django.core.mail.outbox.
outbox: list[tuple[str, str]] = []


class ConsoleGateway:
    name = "console"

    def send(self, to: str, body: str) -> str:
        sys.stdout.write(f"--- Text message to {to} ---\n{body}\n")
        sys.stdout.flush()
        return ""


class LocmemGateway:
    name = "locmem"

    def send(self, to: str, body: str) -> str:
        outbox.append((to, body))
        return f"locmem-{len(outbox)}"


def from_url(url: str):
    """The gateway an SMS_URL names."""
    parts = urlsplit(url)
    if parts.scheme == "console":
        return ConsoleGateway()
    if parts.scheme == "locmem":
        return LocmemGateway()
    if parts.scheme == "twilio":
        from notifications.sms.twilio import TwilioGateway

        # Split by hand: urlsplit would lower-case the host, and a Messaging
        # Service SID there is case-sensitive.
        credentials, _, sender = parts.netloc.rpartition("@")
        account_sid, _, auth_token = credentials.partition(":")
        if not (account_sid and auth_token and sender):
            raise ImproperlyConfigured(
                "SMS_URL for Twilio is twilio://ACCOUNT_SID:AUTH_TOKEN@FROM_NUMBER"
            )
        api = parse_qs(parts.query).get("api", [None])[0]
        return TwilioGateway(
            account_sid=unquote(account_sid),
            auth_token=unquote(auth_token),
            sender=unquote(sender),
            api=api,
        )
    raise ImproperlyConfigured(f"Unknown SMS_URL scheme {parts.scheme!r} (console, twilio)")


def gateway():
    """The configured gateway (read on each call: tests change the setting)."""
    return from_url(settings.SMS_URL)
