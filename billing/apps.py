from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_delete, post_save
        from django.urls import reverse
        from django.utils import timezone

        from config.pages import (
            register_dashboard_panel,
            register_detail_panel,
            register_settings_section,
        )
        from crm.benchmark.registry import register_benchmark_group
        from crm.journal import register_item_type
        from projects.hooks import (
            register_billed_time,
            register_reference_check,
            register_shared_numbers,
        )

        from . import benchmark, dashboard, pdfs, queries
        from .models import (
            CreditNote,
            DocumentPdf,
            Invoice,
            InvoicedTime,
            LedgerCategory,
            Payment,
            Periodical,
            Proposal,
            TaxCode,
        )
        from .proposals import CODE as PROPOSAL_CODE
        from .work_views import invoice_url

        # The owner's morning page: money this month, what is overdue, recurring
        # invoices due soon; and everyone's hours this week.
        def money_panel(user) -> dict:
            return dashboard.money_panel(timezone.localdate(), timezone.now()) | {
                "reports_allowed": user.can("reports"),
                "today": timezone.localdate(),
            }

        def team_week_panel(user) -> dict:
            return dashboard.team_week_panel(timezone.localdate()) | {
                "reports_allowed": user.can("reports"),
            }

        register_dashboard_panel(
            "invoices", money_panel, template="billing/_dashboard_money.html", position=10
        )
        register_dashboard_panel(
            "timesheets",
            team_week_panel,
            template="billing/_dashboard_team_week.html",
            position=20,
        )

        register_settings_section("tax-codes", "Tax codes", position=30)
        register_settings_section("ledgers", "Ledger categories", position=40)
        register_settings_section("charge-rates", "Charge rates", position=50)
        register_settings_section("products", "Products", position=55)
        # The journal's R5: a recurring invoice, for those who may see invoices.
        register_item_type("R", Periodical, "title", area="invoices")
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

        from accounts.webhooks import register_webhook_events

        from . import api

        register_webhook_events(
            "invoice",
            ("created", "updated", "issued", "paid", "deleted"),
            api.invoice_for_webhook,
        )
        register_webhook_events("creditnote", ("issued",), api.credit_note_for_webhook)
        register_webhook_events("payment", ("created", "deleted"), api.payment_for_webhook)
        register_webhook_events("proposal", ("accepted",), api.proposal_for_webhook)

        # Billed time is fixed: the timesheet asks which entries an invoice holds.
        def billed_time(entry_ids: list[int]) -> dict[int, str]:
            rows = InvoicedTime.objects.filter(time_entry_id__in=entry_ids).values_list(
                "time_entry_id", "invoice_id", "invoice__reference"
            )
            return {
                entry: f"invoice {reference}" if reference else f"draft invoice #{invoice}"
                for entry, invoice, reference in rows
            }

        register_billed_time(billed_time)

        # A document's PDF follows it: each save asks the worker for a new one.
        for model in (Invoice, CreditNote, Proposal):
            post_save.connect(
                pdfs.request_pdf_on_save,
                sender=model,
                dispatch_uid=f"request-pdf-{model.__name__}",
            )

        post_delete.connect(
            pdfs.delete_file_of_deleted_pdf, sender=DocumentPdf, dispatch_uid="delete-pdf-file"
        )

        # The invoices list remembers its tab totals until billing's data changes.
        for model in (Invoice, CreditNote, Payment):
            for signal in (post_save, post_delete):
                signal.connect(
                    queries.forget_tab_totals_on_commit,
                    sender=model,
                    dispatch_uid=f"forget-tab-totals-{model.__name__}-{signal is post_save}",
                )

        # Invoices, what they owe and the work not billed yet, on the pages of the
        # work and of its clients; the project and job pages invoice their work.
        invoice_work_urls = {
            "project": "billing_work:invoice_project",
            "job": "billing_work:invoice_job",
        }

        def invoices_panel(level: str):
            def context(obj) -> dict:
                found = queries.invoices_of(level, obj.pk)
                for invoice in found["invoices"]:
                    invoice.url = invoice_url(invoice)
                work_url = invoice_work_urls.get(level)
                return {
                    **found,
                    "unbilled": queries.unbilled_work(level, obj.pk),
                    "invoice_work_url": reverse(work_url, args=[obj.pk]) if work_url else "",
                }

            return context

        for page in ("company", "contact", "project", "job"):
            register_detail_panel(
                page, "invoices", "billing/_work_invoices.html", invoices_panel(page)
            )
