"""Reads of billing's documents that more than one caller needs.

What an invoice owes follows from its payments and issued credit notes and is never
stored: `with_balance` annotates it in SQL so lists, tabs and filters read it in the
same query as the rows (billing.invoicing.amounts_owed says the same for one).

What is still to bill of the work (`unbilled_entries`, `unbilled_items`) is read
here once for both the invoicing of it (billing.invoicing.invoice_work) and the
pages that show it (`unbilled_work`, `invoices_of`)."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from math import ceil
from uuid import uuid4

from django.core.cache import cache
from django.db import connection, transaction
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
from django.db.models.functions import Coalesce, Lower
from django.utils import timezone

from config.limits import MAX_ID
from config.money import to_cents
from crm.models import Company, Contact
from projects.models import JobItem, TimeEntry

from .models import CreditNote, DocumentEvent, Invoice, Payment, Periodical, Proposal
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
            # The due date before the balance: the database checks them in this order,
            # and most invoices not yet due need not have their balance worked out.
            When(Q(issued_at__isnull=False) & Q(due__lt=now) & Q(balance__gt=0), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
    )


def invoices_overdue_on(moment: datetime) -> QuerySet:
    return with_balance(Invoice.objects.all(), now=moment).filter(is_overdue=True)


# --- lists -------------------------------------------------------------------------
#
# The filters the invoices, credit notes and payments lists share between the API and
# the pages. A client is ("C", 41) or ("I", 5); the work billed ("P", 12) or ("J", 3):
# a project's invoices include those for its jobs. An id past any real one matches
# nothing rather than overflowing the database's integer.


def _for_client(queryset, client: tuple[str, int], path: str = ""):
    letter, client_id = client
    if not 0 < client_id <= MAX_ID:
        return queryset.none()
    column = "client_company_id" if letter == "C" else "client_contact_id"
    return queryset.filter(**{f"{path}{column}": client_id})


def _for_work(queryset, work: tuple[str, int], path: str = ""):
    letter, work_id = work
    if not 0 < work_id <= MAX_ID:
        return queryset.none()
    column = "job_id" if letter == "J" else "project_id"
    return queryset.filter(**{f"{path}{column}": work_id})


def _client_named(queryset, text: str, path: str = ""):
    return queryset.filter(
        Q(**{f"{path}client_company__name__icontains": text})
        | Q(**{f"{path}client_contact__fullname__icontains": text})
    )


def invoices_matching(
    *,
    client: tuple[str, int] | None = None,
    client_name: str = "",
    work: tuple[str, int] | None = None,
    reference: str = "",
    issued: bool | None = None,
    paid: bool | None = None,
    date_from: datetime | None = None,
    date_to: datetime | None = None,
    overdue_from: datetime | None = None,
    overdue_to: datetime | None = None,
    now: datetime | None = None,
) -> QuerySet:
    """Invoices with their balance (`with_balance`), filtered. `date_from`/`date_to`
    bound the invoice's date; `overdue_from`/`overdue_to` keep invoices overdue at
    `now` whose due date lies in that span."""
    invoices = with_balance(Invoice.objects.all(), now=now)
    if client is not None:
        invoices = _for_client(invoices, client)
    if client_name:
        invoices = _client_named(invoices, client_name)
    if work is not None:
        invoices = _for_work(invoices, work)
    if reference:
        invoices = invoices.filter(reference=reference)
    if issued is not None:
        invoices = invoices.filter(issued_at__isnull=not issued)
    if paid is not None:
        invoices = invoices.filter(is_paid=paid)
    if date_from is not None:
        invoices = invoices.filter(date__gte=date_from)
    if date_to is not None:
        invoices = invoices.filter(date__lte=date_to)
    if overdue_from is not None or overdue_to is not None:
        invoices = invoices.filter(is_overdue=True)
        if overdue_from is not None:
            invoices = invoices.filter(due__gte=overdue_from)
        if overdue_to is not None:
            invoices = invoices.filter(due__lte=overdue_to)
    return invoices


def invoice_groups(invoices: QuerySet) -> QuerySet:
    """`invoices` by client: one row per client with its name, the sum of their totals
    and grand totals, how many and the latest date (`grouped_total`,
    `grouped_grandtotal`, `grouped_count`, `latest`, `name_key` to sort by). The
    filtered invoices are a subquery, so a filter on a balance never joins the sums."""
    return (
        Invoice.objects.filter(pk__in=invoices.order_by().values("pk"))
        .order_by()
        .values(
            "client_company_id",
            "client_company__name",
            "client_contact_id",
            "client_contact__fullname",
        )
        .annotate(
            grouped_total=Sum("total"),
            grouped_grandtotal=Sum("grandtotal"),
            grouped_count=Count("id"),
            latest=Max("date"),
            name_key=Lower(Coalesce(Max("client_company__name"), Max("client_contact__fullname"))),
        )
    )


def references_by_client(invoices: QuerySet, groups: list[dict]) -> dict[tuple, list]:
    """The references of `invoices` for the clients of `groups`, oldest first, keyed by
    (company id, person id): one query for the page."""
    companies = [g["client_company_id"] for g in groups if g["client_company_id"] is not None]
    people = [g["client_contact_id"] for g in groups if g["client_contact_id"] is not None]
    found: dict[tuple, list] = {}
    rows = (
        invoices.filter(Q(client_company_id__in=companies) | Q(client_contact_id__in=people))
        .order_by("date", "pk")
        .values_list("client_company_id", "client_contact_id", "reference")
    )
    for company_id, contact_id, reference in rows:
        found.setdefault((company_id, contact_id), []).append(reference)
    return found


def credit_notes_matching(
    *,
    client: tuple[str, int] | None = None,
    client_name: str = "",
    work: tuple[str, int] | None = None,
    reference: str = "",
    issued: bool | None = None,
    invoice_id: int | None = None,
    date_from: datetime | None = None,
    date_to: datetime | None = None,
) -> QuerySet:
    """Credit notes, filtered; the client and the work are their invoice's."""
    notes = CreditNote.objects.all()
    if client is not None:
        notes = _for_client(notes, client, "invoice__")
    if client_name:
        notes = _client_named(notes, client_name, "invoice__")
    if work is not None:
        notes = _for_work(notes, work, "invoice__")
    if reference:
        notes = notes.filter(reference=reference)
    if issued is not None:
        notes = notes.filter(issued_at__isnull=not issued)
    if invoice_id is not None:
        notes = notes.filter(invoice_id=invoice_id) if 0 < invoice_id <= MAX_ID else notes.none()
    if date_from is not None:
        notes = notes.filter(date__gte=date_from)
    if date_to is not None:
        notes = notes.filter(date__lte=date_to)
    return notes


def payments_matching(*, invoice_id: int | None = None, date_from=None, date_to=None) -> QuerySet:
    """Payments against one invoice, received from `date_from` to `date_to` (days)."""
    payments = Payment.objects.all()
    if invoice_id is not None:
        payments = (
            payments.filter(invoice_id=invoice_id) if 0 < invoice_id <= MAX_ID else payments.none()
        )
    if date_from is not None:
        payments = payments.filter(date__gte=date_from)
    if date_to is not None:
        payments = payments.filter(date__lte=date_to)
    return payments


def document_events(*, invoice_ids=(), credit_note_ids=()) -> QuerySet:
    """The issue history of these invoices or credit notes, oldest first."""
    if invoice_ids:
        return DocumentEvent.objects.filter(invoice_id__in=invoice_ids).order_by(
            "invoice_id", "at", "pk"
        )
    return DocumentEvent.objects.filter(credit_note_id__in=credit_note_ids).order_by(
        "credit_note_id", "at", "pk"
    )


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


def _client_name_matches(text: str, path: str = "") -> Q:
    # The clients named so first, then their documents: matching the name on every
    # document's joined client upper-cased each of 50,000 rows (70 ms on PostgreSQL).
    companies = Company.objects.filter(name__icontains=text).values("pk")
    people = Contact.objects.filter(fullname__icontains=text).values("pk")
    return Q(**{f"{path}client_company__in": companies}) | Q(
        **{f"{path}client_contact__in": people}
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


def invoice_tab_totals(invoices: QuerySet, *, now: datetime | None = None) -> dict[str, dict]:
    """Each tab's count and money ({"draft": {"count": 2, "amount": Decimal}, ...}) for
    `invoices_for_pages` rows, in one query."""
    return _tab_figures(invoices, now or timezone.now())[0]


def _tab_figures(invoices: QuerySet, now: datetime) -> tuple[dict[str, dict], datetime | None]:
    """The tab totals, and the first moment after `now` when one of these invoices
    still owed falls due (and so moves to Overdue), or None.

    The tabs' conditions are those of `with_balance` (`in_tab` filters the rows by
    them), but summed here over each invoice's payments and issued credit notes
    grouped once and joined: filtering aggregates on the annotations repeated two
    correlated subqueries per tab for every invoice, 40 ms at 2,000 invoices."""
    rows, params = (
        invoices.order_by().values("pk", "issued_at", "due", "grandtotal").query.sql_with_params()
    )
    quote = connection.ops.quote_name
    payments, notes = quote(Payment._meta.db_table), quote(CreditNote._meta.db_table)
    issued = "t.issued_at IS NOT NULL"
    owed = f"{issued} AND t.balance > 0"
    late = f"{owed} AND t.due < %s"
    # The invoices once (a CTE). Filtered, payments and credit notes are summed for
    # those found only, so a search that finds a few hundred doesn't add up the
    # payments of all 50,000; all of them, they are summed once each, grouped (the
    # same test invoice by invoice took twice as long).
    of_found = "invoice_id IN (SELECT pk FROM i)" if invoices.query.where else "1 = 1"
    sql = f"""
        WITH i AS ({rows})
        SELECT COUNT(*), COALESCE(SUM(t.grandtotal), 0),
            COALESCE(SUM(CASE WHEN t.issued_at IS NULL THEN 1 ELSE 0 END), 0),
            COALESCE(SUM(CASE WHEN t.issued_at IS NULL THEN t.grandtotal ELSE 0 END), 0),
            COALESCE(SUM(CASE WHEN {owed} THEN 1 ELSE 0 END), 0),
            COALESCE(SUM(CASE WHEN {owed} THEN t.balance ELSE 0 END), 0),
            COALESCE(SUM(CASE WHEN {late} THEN 1 ELSE 0 END), 0),
            COALESCE(SUM(CASE WHEN {late} THEN t.balance ELSE 0 END), 0),
            COALESCE(SUM(CASE WHEN {issued} AND t.balance <= 0 THEN 1 ELSE 0 END), 0),
            COALESCE(SUM(CASE WHEN {issued} AND t.balance <= 0 THEN t.grandtotal ELSE 0 END), 0),
            MIN(CASE WHEN {owed} AND t.due >= %s THEN t.due END)
        FROM (
            SELECT i.issued_at, i.due, i.grandtotal,
                i.grandtotal - COALESCE(p.paid, 0) - COALESCE(c.credited, 0) AS balance
            FROM i
            LEFT JOIN (
                SELECT invoice_id, SUM(amount) AS paid FROM {payments}
                WHERE {of_found} GROUP BY invoice_id
            ) p ON p.invoice_id = i.pk
            LEFT JOIN (
                SELECT invoice_id, SUM(grandtotal) AS credited FROM {notes}
                WHERE issued_at IS NOT NULL AND {of_found} GROUP BY invoice_id
            ) c ON c.invoice_id = i.pk
        ) t
    """
    with connection.cursor() as cursor:
        moment = connection.ops.adapt_datetimefield_value(now)
        cursor.execute(sql, [*params, moment, moment, moment])
        found = cursor.fetchone()
    figures = iter(found[:-1])
    totals = {
        tab: {"count": int(next(figures)), "amount": to_cents(Decimal(str(next(figures))))}
        for tab in INVOICE_TABS
    }
    return totals, _read_datetime(found[-1])


def _read_datetime(value) -> datetime | None:
    """A datetime column read by raw SQL: SQLite gives its stored text, in UTC."""
    if value is None or isinstance(value, datetime):
        return value
    moment = datetime.fromisoformat(value)
    return moment if timezone.is_aware(moment) else moment.replace(tzinfo=UTC)


# The list's tab totals add up every invoice the filters match (at 50,000 invoices,
# 200 ms of SQLite's time), and office staff reopen the list all day. They are kept
# in the cache, marked with the version of billing's data they were added up from:
# every write of an invoice, a credit note or a payment gives the data a new version
# once it commits (`forget_tab_totals`, connected in BillingConfig.ready; bulk
# writers call it), and a remembered total lasts only until the next invoice still
# owed falls due. Searches by text are not remembered: a client's name can change
# without billing knowing.
TAB_TOTALS_VERSION = "billing:tab-totals-version"
# A bound on how long totals can be stale should a process die between a write's
# commit and its forget.
TAB_TOTALS_KEEP_SECONDS = 600


def forget_tab_totals() -> None:
    """Every remembered tab total is out of date (billing's data has changed)."""
    cache.set(TAB_TOTALS_VERSION, uuid4().hex, None)


def forget_tab_totals_on_commit(**_signal) -> None:
    transaction.on_commit(forget_tab_totals)


def list_tab_totals(
    invoices: QuerySet,
    *,
    client: tuple[str, int] | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    now: datetime | None = None,
) -> dict[str, dict]:
    """`invoice_tab_totals` of the invoices list filtered by client and dates only
    (`invoices` is `invoices_for_pages` of the same filters), remembered until
    billing's data changes or an owed invoice falls due."""
    now = now or timezone.now()
    key = "billing:tab-totals:{}:{}:{}".format(
        "".join(map(str, client or ())), date_from or "", date_to or ""
    )
    found = cache.get_many([TAB_TOTALS_VERSION, key])
    version = found.get(TAB_TOTALS_VERSION)
    if version is None:
        version = uuid4().hex
        cache.set(TAB_TOTALS_VERSION, version, None)
    remembered = found.get(key)
    if remembered is not None:
        remembered_version, added, until, totals = remembered
        if remembered_version == version and added <= now < until:
            return totals
    totals, next_due = _tab_figures(invoices, now)
    until = now + timedelta(seconds=TAB_TOTALS_KEEP_SECONDS)
    if next_due is not None:
        until = min(until, next_due)
    cache.set(key, (version, now, until, totals), max(1, ceil((until - now).total_seconds())))
    return totals


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
