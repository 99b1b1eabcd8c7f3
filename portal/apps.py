from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The patients' own pages: appointments, history, progress, export."""

    name = "portal"
