from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "intake"
    verbose_name = "Online intake"

    def ready(self):
        # The intake link goes through the notifications queue as its own kind.
        from intake import services
        from notifications import kinds
        from notifications.models import OutboundMessage

        kinds.register(
            OutboundMessage.Kind.INTAKE_LINK,
            build=services.build_link_email,
            outdated=services.link_message_outdated,
        )
