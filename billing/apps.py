from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from config.pages import register_settings_section
        from crm.benchmark.registry import register_benchmark_group
        from crm.journal import register_item_type
        from projects.hooks import register_reference_check, register_shared_numbers

        from . import benchmark
        from .models import LedgerCategory, Proposal, TaxCode
        from .proposals import CODE as PROPOSAL_CODE

        register_settings_section("tax-codes", "Tax codes", position=30)
        register_settings_section("ledgers", "Ledger categories", position=40)
        register_settings_section("charge-rates", "Charge rates", position=50)
        # invoices.json against its SQL, and the invoices list with its tab totals.
        register_benchmark_group(
            "billing",
            rows=benchmark.rows,
            cases=benchmark.cases,
            urlpatterns=benchmark.urlpatterns,
        )

        # Job items keep these codes; projects, a layer below, asks billing if they exist.
        register_reference_check("taxcode", lambda code: TaxCode.objects.filter(code=code).exists())
        register_reference_check(
            "ledger", lambda code: LedgerCategory.objects.filter(code=code).exists()
        )

        # Proposals take their numbers from the proposal/project counter projects
        # keeps, and the project made from one keeps its number: no project may take
        # a number a proposal has.
        register_shared_numbers(
            lambda: Proposal.objects.order_by("-id").values_list("id", flat=True).first() or 0
        )
        register_item_type(PROPOSAL_CODE, Proposal, "title", area="proposals")
