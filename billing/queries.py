"""Reads of billing's documents that more than one caller needs.

What an invoice owes follows from its payments and issued credit notes and is never
stored: `with_balance` annotates it in SQL so lists, tabs and filters read it in the
same query as the rows (billing.invoicing.amounts_owed says the same for one)."""

from datetime import datetime
from decimal import Decimal

from django.db.models import (
    BooleanField,
    Case,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
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

from .models import CreditNote, Invoice, Payment, Periodical

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


# --- recurring invoices ------------------------------------------------------------


def periodicals_matching(
    *,
    search: str = "",
    client: tuple[str, int] | None = None,
    client_search: str = "",
    repeats: list[str] | None = None,
    has_run: bool | None = None,
) -> QuerySet:
    """Recurring invoices whose title or client's name contains `search`, for one
    client (("C", 41) or ("I", 5)) or clients whose name contains `client_search`,
    repeating by any of `repeats`, and that have (or have not) made an invoice."""
    periodicals = Periodical.objects.all()
    if search:
        periodicals = periodicals.filter(
            Q(title__icontains=search)
            | Q(client_company__name__icontains=search)
            | Q(client_contact__fullname__icontains=search)
        )
    if client_search:
        periodicals = periodicals.filter(
            Q(client_company__name__icontains=client_search)
            | Q(client_contact__fullname__icontains=client_search)
        )
    if client is not None:
        letter, client_id = client
        if not 0 < client_id <= MAX_ID:
            return periodicals.none()
        column = "client_company_id" if letter == "C" else "client_contact_id"
        periodicals = periodicals.filter(**{column: client_id})
    if repeats:
        periodicals = periodicals.filter(repeat__in=repeats)
    if has_run is not None:
        made = Exists(Invoice.objects.filter(periodical=OuterRef("pk")))
        periodicals = periodicals.filter(made if has_run else ~made)
    return periodicals


def with_runs(periodicals: QuerySet) -> QuerySet:
    """Annotates `last_made` (the last period invoiced, or None) and `invoice_count`,
    each a correlated subquery on the invoices' (periodical, period) index."""
    made = Invoice.objects.filter(periodical=OuterRef("pk")).order_by().values("periodical")
    return periodicals.annotate(
        last_made=Subquery(made.annotate(last=Max("period")).values("last")),
        invoice_count=Coalesce(
            Subquery(made.annotate(count=Count("pk")).values("count")),
            Value(0),
            output_field=IntegerField(),
        ),
    )
