"""Text messages: the gateway (SMS_URL), the words of each message and how
many SMS segments they take."""

from notifications.sms.gateways import GatewayError, OptedOut, gateway
from notifications.sms.segments import segments
from notifications.sms.texts import clinical_words, text_for


def send(to: str, body: str) -> str:
    """Send ``body`` to the E.164 number ``to`` through the configured gateway;
    returns the gateway's message id. Raises GatewayError (OptedOut) on refusal."""
    return gateway().send(to, body)


__all__ = ["GatewayError", "OptedOut", "clinical_words", "gateway", "segments", "send", "text_for"]
