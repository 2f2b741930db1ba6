from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from config.pages import register_settings_section
        from crm.journal import register_item_type
        from projects.hooks import register_reference_check

        from .models import LedgerCategory, Periodical, TaxCode

        register_settings_section("tax-codes", "Tax codes", position=30)
        register_settings_section("ledgers", "Ledger categories", position=40)
        register_settings_section("charge-rates", "Charge rates", position=50)
        register_settings_section("products", "Products", position=55)
        # The journal's R5: a recurring invoice, for those who may see invoices.
        register_item_type("R", Periodical, "title", area="invoices")

        # Job items keep these codes; projects, a layer below, asks billing if they exist.
        register_reference_check("taxcode", lambda code: TaxCode.objects.filter(code=code).exists())
        register_reference_check(
            "ledger", lambda code: LedgerCategory.objects.filter(code=code).exists()
        )
