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

from config.limits import MAX_ID

from .models import CreditNote, Invoice, Payment, Proposal

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


# --- proposals ---------------------------------------------------------------------


def proposals_matching(
    *,
    search: str = "",
    statuses: list[str] | None = None,
    client: tuple[str, int] | None = None,
    client_search: str = "",
) -> QuerySet:
    """Proposals whose title contains `search`, in any of `statuses`, for one client
    (("C", 41) or ("I", 5)) or clients whose name contains `client_search`."""
    found = Proposal.objects.all()
    if search:
        found = found.filter(title__icontains=search)
    if statuses:
        found = found.filter(status__in=statuses)
    if client is not None:
        letter, client_id = client
        if not 0 < client_id <= MAX_ID:
            return found.none()
        column = "client_company_id" if letter == "C" else "client_contact_id"
        found = found.filter(**{column: client_id})
    if client_search:
        found = found.filter(
            Q(client_company__name__icontains=client_search)
            | Q(client_contact__fullname__icontains=client_search)
        )
    return found


# The list page's default order (newest first), and every sortable column's tie-break.
PROPOSAL_LIST_ORDER = ("-id",)


def proposals_for_list(**filters) -> QuerySet:
    """The proposals page's rows: `proposals_matching`'s filters, each with its client
    and the client's name to sort by."""
    return (
        proposals_matching(**filters)
        .select_related("client_company", "client_contact")
        .annotate(client_name=Coalesce(F("client_company__name"), F("client_contact__fullname")))
    )
