"""Reads of billing's documents that more than one caller needs.

What an invoice owes follows from its payments and issued credit notes and is never
stored: `with_balance` annotates it in SQL so lists, tabs and filters read it in the
same query as the rows (billing.invoicing.amounts_owed says the same for one)."""

from datetime import date, datetime
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

from config.limits import MAX_ID

from .models import CreditNote, Invoice, Payment

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


# --- the pages' lists --------------------------------------------------------------
#
# The invoices page shows one tab of invoices at a time (drafts, issued and owed,
# overdue, paid), each tab's count and money from one aggregate over the same
# filtered rows, so the tabs cost one query however many invoices there are.

INVOICE_LIST_ORDER = ("-date", "-id")
INVOICE_TABS = ("all", "draft", "issued", "overdue", "paid")
# Each tab's rows, as conditions on `with_balance`'s annotations.
_TAB_CONDITIONS = {
    "all": Q(),
    "draft": Q(issued_at__isnull=True),
    "issued": Q(issued_at__isnull=False, is_paid=False),
    "overdue": Q(is_overdue=True),
    "paid": Q(is_paid=True),
}
# What a tab's money is: what drafts and paid invoices came to, what the others owe.
_TAB_AMOUNTS = {
    "all": "grandtotal",
    "draft": "grandtotal",
    "issued": "balance",
    "overdue": "balance",
    "paid": "grandtotal",
}


def _client_name_matches(text: str, path: str = "") -> Q:
    return Q(**{f"{path}client_company__name__icontains": text}) | Q(
        **{f"{path}client_contact__fullname__icontains": text}
    )


def _client_is(client: tuple[str, int], path: str = "") -> Q:
    letter, client_id = client
    if not 0 < client_id <= MAX_ID:
        return Q(pk__in=[])
    column = "client_company_id" if letter == "C" else "client_contact_id"
    return Q(**{f"{path}{column}": client_id})


def invoices_for_pages(
    *,
    search: str = "",
    client: tuple[str, int] | None = None,
    client_search: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    now: datetime | None = None,
) -> QuerySet:
    """Invoices with their balance (`with_balance`) and client, filtered by the list
    page's search (a number, the client's name or the PO), one client (("C", 41) or
    ("I", 5)) or clients named like `client_search`, and the invoice date (days)."""
    invoices = with_balance(Invoice.objects.all(), now=now)
    if search:
        invoices = invoices.filter(
            Q(reference__istartswith=search)
            | _client_name_matches(search)
            | Q(purchaseorder__icontains=search)
        )
    if client is not None:
        invoices = invoices.filter(_client_is(client))
    if client_search:
        invoices = invoices.filter(_client_name_matches(client_search))
    if date_from is not None:
        invoices = invoices.filter(date__date__gte=date_from)
    if date_to is not None:
        invoices = invoices.filter(date__date__lte=date_to)
    return invoices


def in_tab(invoices: QuerySet, tab: str) -> QuerySet:
    """The rows of one tab of `invoices_for_pages`."""
    return invoices.filter(_TAB_CONDITIONS.get(tab, Q()))


def invoice_tab_totals(invoices: QuerySet) -> dict[str, dict]:
    """Each tab's count and money ({"draft": {"count": 2, "amount": Decimal}, ...}) for
    `invoices_for_pages` rows, in one query."""
    aggregates = {}
    for tab, condition in _TAB_CONDITIONS.items():
        aggregates[f"{tab}_count"] = Count("pk", filter=condition)
        aggregates[f"{tab}_amount"] = Coalesce(
            Sum(_TAB_AMOUNTS[tab], filter=condition), NOTHING, output_field=MONEY
        )
    row = invoices.order_by().aggregate(**aggregates)
    return {
        tab: {"count": row[f"{tab}_count"], "amount": row[f"{tab}_amount"]}
        for tab in _TAB_CONDITIONS
    }


def invoices_for_list(invoices: QuerySet) -> QuerySet:
    """A list page's rows: the client to show and sort by, without the lines."""
    return (
        invoices.select_related("client_company", "client_contact")
        .only(
            "reference",
            "issued_at",
            "date",
            "due",
            "grandtotal",
            "purchaseorder",
            "client_company__name",
            "client_contact__fullname",
        )
        .annotate(client_name=Coalesce(F("client_company__name"), F("client_contact__fullname")))
    )


CREDIT_NOTE_LIST_ORDER = ("-date", "-id")


def credit_notes_for_pages(*, search: str = "", issued: bool | None = None) -> QuerySet:
    """Credit notes with their invoice and its client, found by their number, their
    invoice's number or the client's name; drafts or issued ones only."""
    notes = CreditNote.objects.all()
    if search:
        notes = notes.filter(
            Q(reference__istartswith=search)
            | Q(invoice__reference__istartswith=search)
            | _client_name_matches(search, "invoice__")
        )
    if issued is not None:
        notes = notes.filter(issued_at__isnull=not issued)
    return (
        notes.select_related("invoice", "invoice__client_company", "invoice__client_contact")
        .only(
            "reference",
            "issued_at",
            "date",
            "grandtotal",
            "invoice__reference",
            "invoice__client_company__name",
            "invoice__client_contact__fullname",
        )
        .annotate(
            client_name=Coalesce(
                F("invoice__client_company__name"), F("invoice__client_contact__fullname")
            )
        )
    )


PAYMENT_LIST_ORDER = ("-date", "-id")


def payments_for_pages(*, search: str = "", method: str = "") -> QuerySet:
    """Payments with their invoice and its client, found by the invoice's number, the
    client's name or the note; one method only."""
    payments = Payment.objects.all()
    if search:
        payments = payments.filter(
            Q(invoice__reference__istartswith=search)
            | _client_name_matches(search, "invoice__")
            | Q(note__icontains=search)
        )
    if method:
        payments = payments.filter(method=method)
    return payments.select_related(
        "invoice", "invoice__client_company", "invoice__client_contact"
    ).annotate(
        client_name=Coalesce(
            F("invoice__client_company__name"), F("invoice__client_contact__fullname")
        )
    )
