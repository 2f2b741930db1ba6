"""Reads of billing's documents that more than one caller needs.

What an invoice owes follows from its payments and issued credit notes and is never
stored: `with_balance` annotates it in SQL so lists, tabs and filters read it in the
same query as the rows (billing.invoicing.amounts_owed says the same for one).

What is still to bill of the work (`unbilled_entries`, `unbilled_items`) is read
here once for both the invoicing of it (billing.invoicing.invoice_work) and the
pages that show it (`unbilled_work`, `invoices_of`)."""

from datetime import datetime
from decimal import Decimal

from django.db.models import (
    BooleanField,
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from projects.models import JobItem, TimeEntry

from .models import CreditNote, Invoice, Payment
from .totals import job_item_terms, line_net

MONEY = DecimalField(max_digits=14, decimal_places=2)
NOTHING = Value(Decimal("0.00"), output_field=MONEY)


def _summed(model, column: str, **conditions) -> Coalesce:
    rows = (
        model.objects.filter(invoice=OuterRef("pk"), **conditions)
        .order_by()
        .values("invoice")
        .annotate(sum=Sum(column))
        .values("sum")
    )
    return Coalesce(Subquery(rows, output_field=MONEY), NOTHING)


def with_balance(invoices: QuerySet, *, now: datetime | None = None) -> QuerySet:
    """Annotates `amountpaid`, `credited`, `balance`, `is_paid` and `is_overdue`
    (unpaid, issued and past its due date at `now`)."""
    now = now or timezone.now()
    return invoices.annotate(
        amountpaid=_summed(Payment, "amount"),
        credited=_summed(CreditNote, "grandtotal", issued_at__isnull=False),
    ).annotate(
        balance=ExpressionWrapper(
            F("grandtotal") - F("amountpaid") - F("credited"), output_field=MONEY
        ),
        is_paid=Case(
            When(Q(issued_at__isnull=False) & Q(balance__lte=0), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
        is_overdue=Case(
            When(Q(issued_at__isnull=False) & Q(balance__gt=0) & Q(due__lt=now), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
    )


def invoices_overdue_on(moment: datetime) -> QuerySet:
    return with_balance(Invoice.objects.all(), now=moment).filter(is_overdue=True)


# --- the work still to bill --------------------------------------------------------

# Where a page's rows are: the project or job itself, or the client's projects.
# Each level: (time entries' filter, job items' filter, invoices' filter) on the id.
WORK_LEVELS = {
    "project": ("project_id", "job__project_id", "project_id"),
    "job": ("job_id", "job_id", "job_id"),
    "company": (
        "project__client_company_id",
        "job__project__client_company_id",
        "client_company_id",
    ),
    "contact": (
        "project__client_contact_id",
        "job__project__client_contact_id",
        "client_contact_id",
    ),
}
BILLED_ONCE = (JobItem.Type.FIXED, JobItem.Type.EXTERNAL)
FULL = Decimal(100)  # a line's take: all of it


def unbilled_entries(**scope) -> QuerySet:
    """Time invoicing bills: on hourly items (an entry on an action is its item's
    too), not internal, not on an invoice yet. Time on a project or a job without an
    item has no rate, and time on a fixed-price item is in its price: neither is
    billed by the hour."""
    return TimeEntry.objects.filter(
        item__type=JobItem.Type.HOURLY, is_internal=False, invoiced__isnull=True, **scope
    )


def unbilled_items(**scope) -> QuerySet:
    """Fixed-price and external items not billed yet (each is billed once), with
    something to bill, and not cancelled."""
    return JobItem.objects.filter(
        type__in=BILLED_ONCE, invoiced__isnull=True, hours__gt=0, **scope
    ).exclude(status=JobItem.Status.CANCELLED)


def unbilled_work(level: str, pk: int) -> dict:
    """What invoicing the work at `level` ("project", "job", "company", "contact")
    would bill, before discount and tax, priced line by line as the invoice will be:
    `hours`, `time_amount`, `items` (how many fixed and external items), `items_amount`
    and `amount`, and whether there is `anything` to bill. Two queries, however much
    work there is."""
    time_filter, item_filter, _ = WORK_LEVELS[level]
    hours = Decimal("0.00")
    time_amount = items_amount = Decimal("0.00")
    by_item = (
        unbilled_entries(**{time_filter: pk})
        .order_by()
        .values("item_id", "item__rate")
        .annotate(hours=Sum("hours"))
    )
    for row in by_item:
        hours += row["hours"]
        time_amount += line_net(row["hours"], row["item__rate"], FULL, Decimal(0))
    items = list(unbilled_items(**{item_filter: pk}).values_list("type", "hours", "rate"))
    for kind, allocated, rate in items:
        quantity, unitprice, markup = job_item_terms(kind, allocated, rate)
        items_amount += line_net(quantity, unitprice, FULL, markup)
    return {
        "hours": hours,
        "time_amount": time_amount,
        "items": len(items),
        "items_amount": items_amount,
        "amount": time_amount + items_amount,
        "anything": bool(hours or items),
    }


# --- a page's invoices -------------------------------------------------------------

# The invoices a project, job or client page lists: the latest few, with the count.
PANEL_INVOICES = 10
STATUSES = {
    "draft": "Draft",
    "issued": "Issued",
    "overdue": "Overdue",
    "part-paid": "Part-paid",
    "paid": "Paid",
    "credited": "Credited",
}


def status_of(invoice) -> str:
    """One word for where an invoice (annotated by `with_balance`) stands, a key of
    STATUSES: a draft; settled (credited when credit notes cleared it, else paid);
    overdue; part-paid; or issued and not due yet."""
    if invoice.issued_at is None:
        return "draft"
    if invoice.balance <= 0:
        return "credited" if invoice.credited and not invoice.amountpaid else "paid"
    if invoice.is_overdue:
        return "overdue"
    return "part-paid" if invoice.amountpaid or invoice.credited else "issued"


def invoices_of(level: str, pk: int, *, now: datetime | None = None) -> dict:
    """The latest invoices at `level` (WORK_LEVELS) with what each owes and its
    status, how many there are in all, and what issued ones still owe together
    (`outstanding`, and `overdue` of it). Two queries."""
    _, _, invoice_filter = WORK_LEVELS[level]
    invoices = with_balance(Invoice.objects.filter(**{invoice_filter: pk}), now=now)
    rows = list(invoices.order_by("-date", "-id")[:PANEL_INVOICES])
    for invoice in rows:
        invoice.status = status_of(invoice)
        invoice.status_label = STATUSES[invoice.status]
    owing = Q(issued_at__isnull=False, balance__gt=0)
    summary = invoices.aggregate(
        count=Count("pk"),
        outstanding=Coalesce(Sum("balance", filter=owing), NOTHING),
        overdue=Coalesce(Sum("balance", filter=owing & Q(is_overdue=True)), NOTHING),
    )
    return {"invoices": rows, **summary}
