"""Reads of billing's documents that more than one caller needs.

What an invoice owes follows from its payments and issued credit notes and is never
stored: `with_balance` annotates it in SQL so lists, tabs and filters read it in the
same query as the rows (billing.invoicing.amounts_owed says the same for one)."""

from datetime import datetime
from decimal import Decimal

from django.db.models import (
    BooleanField,
    Case,
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
