from contextvars import ContextVar

# Set per request by audit.middleware; read by audit.services.record.
client_address: ContextVar[str | None] = ContextVar("client_address", default=None)
