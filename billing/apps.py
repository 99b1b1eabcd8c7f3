from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Billing"

    def ready(self):
        # Billing listens to scheduling's status changes (scheduling never imports billing).
        from billing import hooks

        hooks.connect()
