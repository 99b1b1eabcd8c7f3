from django.apps import AppConfig


class ClinicConfig(AppConfig):
    """The project package, installed for its management commands."""

    name = "clinic"
