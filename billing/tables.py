import django_tables2 as tables
from django.core.paginator import Paginator
from django.utils import timezone
from django.utils.functional import cached_property

from config.tables import PageDetailsTable

from . import periodicals
from .models import CreditNote, Invoice, Payment, Periodical, Proposal
from .queries import (
    CREDIT_NOTE_LIST_ORDER,
    INVOICE_LIST_ORDER,
    PAYMENT_LIST_ORDER,
    PROPOSAL_LIST_ORDER,
)

# Every sortable column ends its order with the list's default order, so rows that
# tie keep one order from page to page.
MONEY = {"td": {"class": "num"}, "th": {"class": "num"}}


class ProposalTable(tables.Table):
    id = tables.Column(verbose_name="No.", attrs=MONEY, order_by=("id",))
    title = tables.Column(order_by=("title", *PROPOSAL_LIST_ORDER))
    client = tables.Column(empty_values=(), order_by=("client_name", *PROPOSAL_LIST_ORDER))
    status = tables.Column(order_by=("status", *PROPOSAL_LIST_ORDER))
    submitdate = tables.DateColumn(
        verbose_name="Submit by", format="j M Y", order_by=("submitdate", *PROPOSAL_LIST_ORDER)
    )
    total = tables.Column(attrs=MONEY, order_by=("total", *PROPOSAL_LIST_ORDER))
    grandtotal = tables.Column(
        verbose_name="With tax", attrs=MONEY, order_by=("grandtotal", *PROPOSAL_LIST_ORDER)
    )

    class Meta:
        model = Proposal
        fields = ("id", "title", "client", "status", "submitdate", "total", "grandtotal")
        attrs = {"id": "proposals-table"}
        empty_text = "No proposals match."
        order_by = PROPOSAL_LIST_ORDER

    container_id = "proposals"
    # The columns give the headers and the sorting; the rows are written out in this
    # template (components/table.html), in the same order.
    cells_template = "billing/rows/proposal_cells.html"
    result_nouns = "proposal,proposals"


"""Billing's list tables (django-tables2): the columns give the headers and the
sorting, each table's rows are written out in its cells_template
(templates/billing/rows/). Every sortable column ends its order with the list's
default order, so rows that tie keep one order from page to page."""


NUM = {"td": {"class": "num"}, "th": {"class": "num"}}


class CountedPaginator(Paginator):
    """Pages of rows whose number the caller already knows."""

    def __init__(self, object_list, per_page, *args, count: int, **kwargs):
        super().__init__(object_list, per_page, *args, **kwargs)
        self.known_count = count

    @cached_property
    def count(self) -> int:
        return self.known_count


class InvoiceTable(tables.Table):
    # References follow the order invoices were issued in; drafts have none yet.
    reference = tables.Column(verbose_name="No.", order_by=("issued_at", "id"))
    client = tables.Column(empty_values=(), order_by=("client_name", *INVOICE_LIST_ORDER))
    date = tables.DateTimeColumn(format="j M Y", order_by=("date", "id"))
    due = tables.DateTimeColumn(format="j M Y", order_by=("due", "id"))
    grandtotal = tables.Column(
        verbose_name="Total", attrs=NUM, order_by=("grandtotal", *INVOICE_LIST_ORDER)
    )
    balance = tables.Column(attrs=NUM, order_by=("balance", *INVOICE_LIST_ORDER))
    status = tables.Column(empty_values=(), orderable=False)

    class Meta:
        model = Invoice
        fields = ("reference", "client", "date", "due", "grandtotal", "balance", "status")
        attrs = {"id": "invoices-table"}
        empty_text = "No invoices match."
        order_by = INVOICE_LIST_ORDER

    container_id = "invoices"
    cells_template = "billing/rows/invoice_cells.html"
    result_nouns = "invoice,invoices"


class CreditNoteTable(tables.Table):
    reference = tables.Column(verbose_name="No.", order_by=("issued_at", "id"))
    invoice = tables.Column(order_by=("invoice__issued_at", *CREDIT_NOTE_LIST_ORDER))
    client = tables.Column(empty_values=(), order_by=("client_name", *CREDIT_NOTE_LIST_ORDER))
    date = tables.DateTimeColumn(format="j M Y", order_by=("date", "id"))
    grandtotal = tables.Column(
        verbose_name="Total", attrs=NUM, order_by=("grandtotal", *CREDIT_NOTE_LIST_ORDER)
    )
    status = tables.Column(empty_values=(), orderable=False)

    class Meta:
        model = CreditNote
        fields = ("reference", "invoice", "client", "date", "grandtotal", "status")
        attrs = {"id": "credit-notes-table"}
        empty_text = "No credit notes match."
        order_by = CREDIT_NOTE_LIST_ORDER

    container_id = "credit-notes"
    cells_template = "billing/rows/credit_note_cells.html"
    result_nouns = "credit note,credit notes"


class PaymentTable(tables.Table):
    date = tables.DateColumn(verbose_name="Received", format="j M Y", order_by=("date", "id"))
    invoice = tables.Column(order_by=("invoice__issued_at", *PAYMENT_LIST_ORDER))
    client = tables.Column(empty_values=(), order_by=("client_name", *PAYMENT_LIST_ORDER))
    method = tables.Column(order_by=("method", *PAYMENT_LIST_ORDER))
    note = tables.Column(orderable=False)
    amount = tables.Column(attrs=NUM, order_by=("amount", *PAYMENT_LIST_ORDER))

    class Meta:
        model = Payment
        fields = ("date", "invoice", "client", "method", "note", "amount")
        attrs = {"id": "payments-table"}
        empty_text = "No payments match."
        order_by = PAYMENT_LIST_ORDER

    container_id = "payments"
    cells_template = "billing/rows/payment_cells.html"
    result_nouns = "payment,payments"


# Newest first; every sortable column ends its order with it, so ties keep one order.
PERIODICAL_LIST_ORDER = ("-id",)


class PeriodicalTable(PageDetailsTable):
    title = tables.Column(order_by=("title", *PERIODICAL_LIST_ORDER))
    client = tables.Column(empty_values=(), order_by=("client_name", *PERIODICAL_LIST_ORDER))
    repeat = tables.Column(
        verbose_name="Schedule", order_by=("repeat", "repeatinterval", *PERIODICAL_LIST_ORDER)
    )
    next_run = tables.Column(verbose_name="Next invoice", empty_values=(), orderable=False)
    invoice_count = tables.Column(
        verbose_name="Invoices made",
        attrs={"td": {"class": "num"}, "th": {"class": "num"}},
        order_by=("invoice_count", *PERIODICAL_LIST_ORDER),
    )
    grandtotal = tables.Column(
        verbose_name="Amount",
        attrs={"td": {"class": "num"}, "th": {"class": "num"}},
        order_by=("grandtotal", *PERIODICAL_LIST_ORDER),
    )

    class Meta:
        model = Periodical
        fields = ("title", "client", "repeat", "next_run", "invoice_count", "grandtotal")
        attrs = {"id": "periodicals-table"}
        empty_text = "No recurring invoices match."
        order_by = PERIODICAL_LIST_ORDER

    container_id = "periodicals"
    cells_template = "billing/rows/periodical_cells.html"
    result_nouns = "recurring invoice,recurring invoices"

    def with_page_details(self, records: list) -> list:
        # The next invoice's date, worked out from each row's schedule and the last
        # period it invoiced (`queries.with_runs`).
        today = timezone.localdate()
        for record in records:
            dates = periodicals.upcoming(record, 1, last_made=record.last_made)
            record.next_run = dates[0] if dates else None
            record.due_now = bool(dates) and dates[0] <= today
            record.schedule_words = periodicals.repeat_words(record.repeat, record.repeatinterval)
        return records
