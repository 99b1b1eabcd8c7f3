from django.apps import AppConfig


class SessionsConfig(AppConfig):
    """Treatment sessions. The label differs from the package name because
    django.contrib.sessions already owns the label ``sessions``."""

    name = "sessions"
    label = "treatment_sessions"
    verbose_name = "Treatment sessions"
