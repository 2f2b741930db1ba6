from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from config.pages import register_settings_section

        register_settings_section("tax-codes", "Tax codes", position=30)
        register_settings_section("ledgers", "Ledger categories", position=40)
        register_settings_section("charge-rates", "Charge rates", position=50)
