from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data for trying the app locally (never in production)."""

    name = "demo"
