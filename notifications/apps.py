from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """E-mails to patients about their appointments, with delivery states."""

    name = "notifications"
