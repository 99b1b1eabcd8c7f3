"""Twilio: sending through its Messages REST API, and checking the signature
of the webhooks it calls (inbound texts, including STOP and START).

POST {api}/2010-04-01/Accounts/{AccountSid}/Messages.json with HTTP Basic
authentication (Account SID and Auth Token) and the form fields To, From (or
MessagingServiceSid) and Body; 201 Created answers with the message's SID.
Error 21610 means the number replied STOP. Only the standard library is used.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import urllib.error
import urllib.request
from urllib.parse import urlencode

from notifications.sms.gateways import GatewayError, OptedOut

API = "https://api.twilio.com"
TIMEOUT_SECONDS = 15
UNSUBSCRIBED_RECIPIENT = 21610


class TwilioGateway:
    name = "twilio"

    def __init__(self, *, account_sid: str, auth_token: str, sender: str, api: str | None = None):
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.sender = sender
        self.api = (api or API).rstrip("/")
        if not self.api.startswith(("https://", "http://")):
            raise ValueError(f"The Twilio API address must be http(s): {self.api!r}")

    def send(self, to: str, body: str) -> str:
        """Hand one text to Twilio; returns its message SID."""
        fields = {"To": to, "Body": body}
        if self.sender.startswith("MG"):
            fields["MessagingServiceSid"] = self.sender
        else:
            fields["From"] = self.sender
        credentials = f"{self.account_sid}:{self.auth_token}".encode()
        request = urllib.request.Request(  # noqa: S310 (http(s) only, checked above)
            f"{self.api}/2010-04-01/Accounts/{self.account_sid}/Messages.json",
            data=urlencode(fields).encode(),
            method="POST",
            headers={
                "Authorization": "Basic " + base64.b64encode(credentials).decode("ascii"),
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
                answer = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            raise _error_from(error) from None
        except (urllib.error.URLError, TimeoutError, ValueError) as error:
            raise GatewayError(f"Twilio could not be reached: {error}") from error
        return str(answer.get("sid", ""))

    def signature_valid(self, url: str, params: list[tuple[str, str]], signature: str) -> bool:
        return hmac.compare_digest(signature_for(self.auth_token, url, params), signature)


def _error_from(error: urllib.error.HTTPError) -> GatewayError:
    try:
        detail = json.loads(error.read() or b"{}")
    except ValueError:
        detail = {}
    code, text = detail.get("code"), detail.get("message") or error.reason
    kind = OptedOut if code == UNSUBSCRIBED_RECIPIENT else GatewayError
    return kind(
        f"Twilio answered {error.code}" + (f" (error {code})" if code else "") + f": {text}"
    )


def signature_for(auth_token: str, url: str, params) -> str:
    """X-Twilio-Signature: Base64 of HMAC-SHA1, keyed with the Auth Token, of
    the full URL followed by each POST parameter's name and value, sorted by
    name (a repeated name's distinct values sorted too), as Twilio's own
    libraries compute it."""
    values: dict[str, set[str]] = {}
    for name, value in params:
        values.setdefault(name, set()).add(value)
    payload = url + "".join(
        name + value for name in sorted(values) for value in sorted(values[name])
    )
    digest = hmac.new(auth_token.encode(), payload.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")
