from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    """Rooms, appointment types, working hours, appointments and the waitlist."""

    name = "scheduling"
