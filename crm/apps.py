from django.apps import AppConfig


class CrmConfig(AppConfig):
    verbose_name = "Connections"
    name = "crm"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.contrib.auth import get_user_model

        from config.pages import register_dashboard_panel

        from .journal import register_item_type
        from .models import Company, Contact
        from .queries import dashboard_panel

        register_dashboard_panel("contacts", lambda user: dashboard_panel())

        register_item_type("C", Company, "name")
        register_item_type("I", Contact, "fullname")
        register_item_type("U", get_user_model(), "name")

        from accounts.webhooks import register_webhook_events

        from .api import company_for_webhook, contact_for_webhook

        changes = ("created", "updated", "deleted")
        register_webhook_events("contact", changes, contact_for_webhook)
        register_webhook_events("company", changes, company_for_webhook)
