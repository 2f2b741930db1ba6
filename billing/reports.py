"""Reports (issue 13): a services room that only reads.

The frame every report shares, used by the API (`billing.api`'s `reports_router`), the
pages (`billing.report_views`) and the CSV downloads alike:

* `ReportFilters`: what a report is narrowed to: a period of whole days in the
  account's time zone (settings.TIME_ZONE), a client, a project, job, item or action,
  the user who added the document or the time, and paid or not.
* Periods for the pages' picker: `period_choices()` and `resolve_period()`.
* Months: `month_key()` ("2014-03"), `months_between()`, `month_label()`, and
  `month_of(column)` which buckets a date-time column by its month *in the account's
  time zone* in SQL, so 23:30 UTC on 31 March in summer is April's.
* `csv_response()`: a report's table as CSV, text cells through crm's `safe_cell`.

Then the money reports (invoices, payments, recurring invoices, outstanding by client),
each one service function computed by SQL aggregation; the time reports live in
`billing/time_reports.py`.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from io import StringIO

from django.db import connection
from django.db.models import (
    Case,
    CharField,
    Count,
    ExpressionWrapper,
    F,
    Max,
    Min,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.http import HttpResponse
from django.utils import timezone

from config.money import to_cents
from crm.importing import safe_cell
from crm.models import Company, Contact

from .models import CreditNote, Invoice, Payment, Periodical
from .queries import MONEY, NOTHING, with_balance
from .totals import NO_CATEGORY

ZERO = Decimal("0.00")


# --- filters --------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportFilters:
    """What a report covers. `start`/`end` are days in the account's time zone, both
    included; None leaves that side open. `client` is a Company or a Contact;
    `assigned` a User (the one who added the invoice, the payment's invoice, the
    recurring invoice or the time); `paid` keeps paid (True) or unpaid (False)
    invoices."""

    start: date | None = None
    end: date | None = None
    client: Company | Contact | None = None
    project_id: int | None = None
    job_id: int | None = None
    item_id: int | None = None
    action_id: int | None = None
    assigned: object | None = None  # accounts.User
    paid: bool | None = None

    def moments(self) -> tuple[datetime | None, datetime | None]:
        """The period as aware date-times [from, until): midnight of `start` and of
        the day after `end`, in the account's time zone."""
        return (
            None if self.start is None else start_of_day(self.start),
            None if self.end is None else start_of_day(self.end + timedelta(days=1)),
        )

    def within(self, column: str, *, dates: bool = False) -> Q:
        """A Q keeping `column` inside the period: a date-time column by the moments
        above, a date column (`dates=True`, payments' day) by the days themselves."""
        q = Q()
        if dates:
            if self.start is not None:
                q &= Q(**{f"{column}__gte": self.start})
            if self.end is not None:
                q &= Q(**{f"{column}__lte": self.end})
            return q
        since, until = self.moments()
        if since is not None:
            q &= Q(**{f"{column}__gte": since})
        if until is not None:
            q &= Q(**{f"{column}__lt": until})
        return q

    def client_q(self, path: str = "") -> Q:
        """Rows whose client (`client_company`/`client_contact` under `path`) is the
        filter's client; everything when there is none."""
        if self.client is None:
            return Q()
        column = "client_company_id" if isinstance(self.client, Company) else "client_contact_id"
        return Q(**{f"{path}{column}": self.client.pk})


def start_of_day(day: date) -> datetime:
    """Midnight of `day` in the account's time zone, as an aware date-time."""
    return datetime.combine(day, time.min, tzinfo=timezone.get_default_timezone())


def local_day(moment: datetime) -> date:
    """The day a moment falls on in the account's time zone."""
    return timezone.localtime(moment, timezone.get_default_timezone()).date()


# --- periods (the pages' picker) --------------------------------------------------------

PERIODS = {
    "this-month": "This month",
    "last-month": "Last month",
    "this-quarter": "This quarter",
    "last-12-months": "Last 12 months",
    "this-year": "This year",
    "custom": "Custom",
}


def period_choices() -> list[tuple[str, str]]:
    return list(PERIODS.items())


def resolve_period(
    name: str, start: date | None, end: date | None, today: date
) -> tuple[date, date]:
    """The first and last day of a named period around `today` (a day in the account's
    time zone). "custom" is `start`..`end`; ValueError when either is missing, they
    are out of order, or the name is not a period."""
    month_start = today.replace(day=1)
    if name == "this-month":
        return month_start, _month_end(month_start)
    if name == "last-month":
        previous = (month_start - timedelta(days=1)).replace(day=1)
        return previous, _month_end(previous)
    if name == "this-quarter":
        first = month_start.replace(month=(today.month - 1) // 3 * 3 + 1)
        return first, _month_end(_add_months(first, 2))
    if name == "last-12-months":
        return _add_months(month_start, -11), _month_end(month_start)
    if name == "this-year":
        return today.replace(month=1, day=1), today.replace(month=12, day=31)
    if name == "custom":
        if start is None or end is None:
            raise ValueError("A custom period needs a first and a last day.")
        if start > end:
            raise ValueError("The period's first day is after its last.")
        for day in (start, end):
            if problem := day_out_of_range(day):
                raise ValueError(problem.format(name="The period's days"))
        return start, end
    raise ValueError(f"{name!r} is not a period.")


# The days a report may name: a report lists every month of its period (and works out
# month ends past it), so a period reaching year 9999 failed, and a millennium of
# months is no report anyone reads.
FIRST_REPORT_DAY = date(1970, 1, 1)
LAST_REPORT_DAY = date(2099, 12, 31)


def day_out_of_range(day: date) -> str | None:
    """A sentence (with `{name}` to fill) when `day` is outside the days a report may
    cover, else None."""
    if FIRST_REPORT_DAY <= day <= LAST_REPORT_DAY:
        return None
    return "{name} must be between 1 January 1970 and 31 December 2099."


def _add_months(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _month_end(first: date) -> date:
    return _add_months(first, 1) - timedelta(days=1)


# --- months -------------------------------------------------------------------------


def month_key(day: date) -> str:
    """A month as the API keys it: "2014-03"."""
    return f"{day.year:04d}-{day.month:02d}"


def month_label(key: str) -> str:
    """ "2014-03" → "Mar 2014", for the pages' charts and tables."""
    year, month = key.split("-")
    return date(int(year), int(month), 1).strftime("%b %Y")


def months_between(first: date, last: date) -> list[str]:
    """Every month key from `first`'s month to `last`'s, both included."""
    keys, month = [], first.replace(day=1)
    while month <= last:
        keys.append(month_key(month))
        month = _add_months(month, 1)
    return keys


def month_of(column: str, *, dates: bool = False) -> TruncMonth:
    """SQL: the first day of `column`'s month, a date-time column taken in the
    account's time zone (not UTC, not the connection's)."""
    if dates:
        return TruncMonth(column)
    return TruncMonth(column, tzinfo=timezone.get_default_timezone())


def month_case(column: str, keys: Sequence[str], *, dates: bool = False) -> Case:
    """SQL: the month key ("2014-03") of `column` for rows inside the months `keys`
    (in order), as comparisons with each month's end: midnight of the next month's
    first day in the account's time zone for a date-time column, the day itself for a
    date column. Plain comparisons an index can serve, the same on every database
    (SQLite has no time zones: Django would call Python for each row)."""
    whens = []
    for key in keys:
        following = _add_months(_parse_key(key), 1)
        bound = following if dates else start_of_day(following)
        whens.append(When(**{f"{column}__lt": bound}, then=Value(key)))
    return Case(*whens, default=Value(None), output_field=CharField())


def report_months(filters: ReportFilters, dated: Iterable[tuple], today: date) -> list[str]:
    """The months a by-date report lists: the period's; a side left open runs to the
    first (or last) month of `dated`'s rows, (queryset, column, dates?) each read with
    one MIN/MAX, and the last never before this month. Empty months are listed too."""
    first, last = filters.start, filters.end
    if first is None or last is None:
        seen = []
        for rows, column, dates in dated:
            bounds = rows.order_by().aggregate(low=Min(column), high=Max(column))
            for value in bounds.values():
                if value is not None:
                    seen.append(value if dates else local_day(value))
        if first is None:
            first = min(seen, default=today)
        if last is None:
            last = max([today, *seen])
    return months_between(first, last)


def key_of_month(value: date | datetime) -> str:
    """The month key of what `month_of` returned (a date, or a date-time on some
    databases)."""
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = timezone.localtime(value, timezone.get_default_timezone())
    return month_key(value)


def month_span(keys: Iterable[str], filters: ReportFilters, today: date) -> list[str]:
    """The months a by-date report lists: the period's months when it has both ends;
    otherwise from its start (or the first month with figures) to its end (or the
    later of this month and the last with figures). Empty months are listed too."""
    found = sorted(keys)
    first = filters.start or (_parse_key(found[0]) if found else today)
    last = filters.end
    if last is None:
        last = max(today, _parse_key(found[-1])) if found else today
    return months_between(first, last)


def _parse_key(key: str) -> date:
    year, month = key.split("-")
    return date(int(year), int(month), 1)


# --- clients ------------------------------------------------------------------------


@dataclass(frozen=True)
class ClientTotal:
    """One client's share of a group: Depot's {type, id, name, total}."""

    type: str
    id: int
    name: str
    total: Decimal

    @property
    def code(self) -> str:
        return f"{self.type}{self.id}"

    def as_row(self) -> dict:
        return {"type": self.type, "id": str(self.id), "name": self.name, "total": self.total}


@dataclass
class Group:
    """One row of a grouped report: a month ("2014-03"), a client ("C41") or a ledger
    category, its total and each client's share, largest first."""

    key: str
    label: str
    total: Decimal = ZERO
    clients: list[ClientTotal] = field(default_factory=list)

    def as_row(self) -> dict:
        return {
            "total": self.total,
            # Depot writes an empty group's clients as [] (an empty list), not {}.
            "clients": {c.code: c.as_row() for c in self.clients} if self.clients else [],
        }


def client_code(client: Company | Contact) -> str:
    return f"{client.CODE}{client.pk}"


# --- CSV ----------------------------------------------------------------------------


def csv_text(header: Sequence[str], rows: Iterable[Sequence]) -> str:
    """A table as CSV: text through `safe_cell` (a cell starting = + - @ is not run as
    a formula), money as plain decimals (1234.50), days as ISO dates."""
    out = StringIO()
    writer = csv.writer(out)
    writer.writerow([safe_cell(str(cell)) for cell in header])
    for row in rows:
        writer.writerow([_csv_cell(cell) for cell in row])
    return out.getvalue()


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return safe_cell(str(value))


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence]) -> HttpResponse:
    """The CSV download of a report's table, exactly the rows shown."""
    response = HttpResponse(csv_text(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def csv_filename(report: str, filters: ReportFilters) -> str:
    """ "invoiced-2014-01-01-to-2014-12-31.csv"."""
    if filters.start and filters.end:
        return f"{report}-{filters.start:%Y-%m-%d}-to-{filters.end:%Y-%m-%d}.csv"
    return f"{report}.csv"


# --- the money reports ----------------------------------------------------------------
#
# Money on issued documents only, gross (grand totals, tax included, so that what was
# invoiced, what was received and what is owed compare). A credit note takes its
# amount off what was invoiced in the month of its own date (as a VAT return counts
# it) and from its invoice's client; filters about the work (project, job), the
# person (who added the invoice) and paid/unpaid read its invoice. Each report is one
# aggregate query per kind of document, grouped by the group and the client: the
# groups and their clients are put together from those sums, never from the rows.

GROUPINGS = {
    "invoices": ("date", "client", "category"),
    "payments": ("date", "client"),
    "periodicals": ("date", "client"),
}
_CLIENT_COLUMNS = (
    "client_company_id",
    "client_company__name",
    "client_contact_id",
    "client_contact__fullname",
)


def _invoices_within(filters: ReportFilters, invoices, path: str = "", *, issued: bool = False):
    """`invoices` (or rows reached through `path`, "invoice__") narrowed by every
    filter but the period. `issued` says the rows can only be of issued invoices
    (payments: a draft can't be paid), so no join is needed to check it."""
    q = filters.client_q(path)
    if not issued:
        q &= Q(**{f"{path}issued_at__isnull": False})
    if filters.project_id is not None:
        q &= Q(**{f"{path}project_id": filters.project_id})
    if filters.job_id is not None:
        q &= Q(**{f"{path}job_id": filters.job_id})
    if filters.assigned is not None:
        q &= Q(**{f"{path}added_by_id": filters.assigned.pk})
    rows = invoices.filter(q)
    if filters.paid is not None:
        paid = with_balance(Invoice.objects.filter(issued_at__isnull=False)).filter(
            is_paid=filters.paid
        )
        rows = rows.filter(**{f"{path}pk__in" if path else "pk__in": paid.values("pk")})
    return rows


def _sums(
    rows, group_expression, amount: str, *, prefix: str = "", clients: bool = True
) -> list[tuple]:
    """(group, client, sum) of `rows`, grouped in SQL; (group, sum) without `clients`."""
    columns = [f"{prefix}{column}" for column in _CLIENT_COLUMNS] if clients else []
    annotated = rows.order_by()
    if group_expression is not None:
        annotated = annotated.annotate(group=group_expression)
        columns = ["group", *columns]
    return list(
        annotated.values(*columns).annotate(amount=Sum(amount)).values_list(*columns, "amount")
    )


def _client_of(company_id, company_name, contact_id, contact_name) -> tuple[str, int, str]:
    if company_id is not None:
        return Company.CODE, company_id, company_name
    return Contact.CODE, contact_id, contact_name


def _month_totals(sums: Iterable[tuple], months: Sequence[str]) -> list[Group]:
    """Groups of months from (month, amount) sums, without their clients' shares."""
    totals: dict[str, Decimal] = {}
    for key, amount in sums:
        totals[key] = totals.get(key, ZERO) + (amount or ZERO)
    return [Group(key, month_label(key), to_cents(totals.get(key, ZERO))) for key in months]


def _assemble(sums: Iterable[tuple], *, by: str, months: Sequence[str] = ()) -> list[Group]:
    """Groups from (group, company id, name, person id, name, amount) sums (no group
    column when `by` is "client"): each group's total and its clients' shares."""
    shares: dict[str, dict[tuple[str, int], list]] = {}
    for row in sums:
        if by == "client":
            group_value, client_columns, amount = None, row[:4], row[4]
        else:
            group_value, client_columns, amount = row[0], row[1:5], row[5]
        kind, client_id, name = _client_of(*client_columns)
        if by == "date":
            key = group_value
        elif by == "client":
            key = f"{kind}{client_id}"
        else:
            key = group_value or NO_CATEGORY
        clients = shares.setdefault(key, {})
        entry = clients.setdefault((kind, client_id), [name, ZERO])
        entry[1] += amount or ZERO
    if by == "date":
        keys = list(months)
        labels = {key: month_label(key) for key in keys}
    elif by == "client":
        names = {key: next(iter(clients.values()))[0] for key, clients in shares.items()}
        keys = sorted(shares, key=lambda key: ((names[key] or "").lower(), key))
        labels = names
    else:
        keys = sorted(shares)
        labels = {key: key for key in keys}
    groups = []
    for key in keys:
        clients = [
            ClientTotal(kind, client_id, name, to_cents(total))
            for (kind, client_id), (name, total) in shares.get(key, {}).items()
        ]
        clients.sort(key=lambda share: (-share.total, share.name.lower(), share.code))
        total = sum((share.total for share in clients), ZERO)
        groups.append(Group(key=key, label=labels[key], total=total, clients=clients))
    return groups


def invoiced_documents(filters: ReportFilters, *, recurring: bool = False):
    """The issued invoices and issued credit notes dated in the period that the
    filters keep: what was invoiced is the first's grand totals less the second's.
    `recurring` keeps those recurring invoices made (and their credit notes)."""
    invoices = _invoices_within(filters, Invoice.objects.all())
    notes = _invoices_within(
        filters, CreditNote.objects.filter(issued_at__isnull=False), "invoice__"
    )
    if recurring:
        invoices = invoices.filter(periodical__isnull=False)
        notes = notes.filter(invoice__periodical__isnull=False)
    return invoices.filter(filters.within("date")), notes.filter(filters.within("date"))


def invoiced_total(filters: ReportFilters) -> Decimal:
    """What `invoices_report` adds up for the period, as one figure (the dashboard)."""
    invoices, notes = invoiced_documents(filters)
    invoiced = invoices.order_by().aggregate(total=Sum("grandtotal"))["total"] or ZERO
    credited = notes.order_by().aggregate(total=Sum("grandtotal"))["total"] or ZERO
    return to_cents(invoiced - credited)


def received_payments(filters: ReportFilters):
    """The payments received in the period on the invoices the filters keep."""
    return _invoices_within(filters, Payment.objects.all(), "invoice__", issued=True).filter(
        filters.within("date", dates=True)
    )


def received_total(filters: ReportFilters) -> Decimal:
    """What `payments_report` adds up for the period, as one figure (the dashboard)."""
    total = received_payments(filters).order_by().aggregate(total=Sum("amount"))["total"]
    return to_cents(total or ZERO)


def invoices_report(
    filters: ReportFilters,
    groupby: str = "date",
    *,
    recurring: bool = False,
    clients: bool = True,
    today=None,
) -> list[Group]:
    """What was invoiced, gross, by month of the document's date, by client or by
    ledger category: issued invoices less issued credit notes. `recurring` keeps the
    invoices recurring invoices made (and their credit notes); `clients=False` leaves
    out the months' shares by client (a page's chart needs only the months)."""
    today = today or timezone.localdate()
    invoices, notes = invoiced_documents(filters, recurring=recurring)
    if groupby == "category":
        return _assemble(category_sums(invoices, notes), by=groupby)
    months, group = (), None
    if groupby == "date":
        months = report_months(filters, [(invoices, "date", False), (notes, "date", False)], today)
        group = month_case("date", months)
    by_client = clients or groupby != "date"
    credited = [
        (*row[:-1], -(row[-1] or ZERO))
        for row in _sums(notes, group, "grandtotal", prefix="invoice__", clients=by_client)
    ]
    sums = [*_sums(invoices, group, "grandtotal", clients=by_client), *credited]
    if not by_client:
        return _month_totals(sums, months)
    return _assemble(sums, by=groupby, months=months)


def payments_report(
    filters: ReportFilters, groupby: str = "date", *, clients: bool = True, today=None
) -> list[Group]:
    """What was received, by month of the day received or by client (the invoice's);
    `clients=False` as for `invoices_report`."""
    today = today or timezone.localdate()
    payments = received_payments(filters)
    months, group = (), None
    if groupby == "date":
        months = report_months(filters, [(payments, "date", True)], today)
        group = month_case("date", months, dates=True)
    if groupby == "date" and not clients:
        return _month_totals(_sums(payments, group, "amount", clients=False), months)
    sums = _sums(payments, group, "amount", prefix="invoice__")
    return _assemble(sums, by=groupby, months=months)


def _monthly_value() -> Case:
    """A recurring invoice's grand total as a monthly figure: a year is 12 months, a
    week 52/12 of a month, a day 365/12."""
    per = {
        Periodical.Repeat.MONTH: Decimal(1),
        Periodical.Repeat.YEAR: Decimal(12),
        Periodical.Repeat.WEEK: Decimal(12) / Decimal(52),
        Periodical.Repeat.DAY: Decimal(12) / Decimal(365),
    }
    return Case(
        *(
            When(
                repeat=repeat,
                then=ExpressionWrapper(
                    F("grandtotal") / (Value(months) * F("repeatinterval")),
                    output_field=MONEY,
                ),
            )
            for repeat, months in per.items()
        ),
        output_field=MONEY,
    )


def periodicals_report(
    filters: ReportFilters, groupby: str = "date", *, clients: bool = True, today=None
) -> tuple[list[Group], dict]:
    """What recurring invoices invoiced (their issued invoices less credit notes) by
    month or client, and `stats`: how many recurring invoices run today for these
    filters (`active`), what they bring in a month (`monthly`, gross), and the
    period's figure (`invoiced`)."""
    today = today or timezone.localdate()
    groups = invoices_report(filters, groupby, recurring=True, clients=clients, today=today)
    running = Periodical.objects.filter(filters.client_q(), first__lte=today).filter(
        Q(last__isnull=True) | Q(last__gte=today)
    )
    if filters.assigned is not None:
        running = running.filter(added_by_id=filters.assigned.pk)
    figures = running.aggregate(active=Count("pk"), monthly=Sum(_monthly_value()))
    stats = {
        "active": figures["active"],
        "monthly": to_cents(figures["monthly"] or ZERO),
        "invoiced": sum((group.total for group in groups), ZERO),
    }
    return groups, stats


def outstanding_by_client(filters: ReportFilters, *, now=None) -> list[dict]:
    """Each client still owing on issued invoices dated in the period: what is
    outstanding (the balances above zero), of which overdue, and how many invoices.
    Largest first."""
    invoices = with_balance(
        _invoices_within(filters, Invoice.objects.all()).filter(filters.within("date")),
        now=now,
    ).filter(balance__gt=0)
    rows = (
        invoices.order_by()
        .values(*_CLIENT_COLUMNS)
        .annotate(
            outstanding=Sum("balance"),
            overdue=Coalesce(Sum("balance", filter=Q(is_overdue=True)), NOTHING),
            invoices=Count("pk"),
        )
        .order_by("-outstanding", "client_company__name", "client_contact__fullname")
    )
    result = []
    for row in rows:
        kind, client_id, name = _client_of(*(row[column] for column in _CLIENT_COLUMNS))
        result.append(
            {
                "code": f"{kind}{client_id}",
                "name": name,
                "outstanding": to_cents(row["outstanding"]),
                "overdue": to_cents(row["overdue"]),
                "invoices": row["invoices"],
            }
        )
    return result


# A line's gross in SQL: its net (rounded to cents, as billing.totals prices it) less
# the document's discount, with the line's own tax rate on top. The tax of a document
# is rounded once per tax code (DESIGN §4), so a category's figure, rounded once per
# group, may differ from the documents' grand totals by a cent or so per document.
_LINE_SQL = {
    "sqlite": {
        "lines": "json_each(d.items) s, json_each(s.value, '$.items') l",
        "text": "json_extract(l.value, '$.{}')",
        "number": "CAST(json_extract(l.value, '$.{}') AS REAL)",
    },
    "postgresql": {
        "lines": "CROSS JOIN LATERAL jsonb_array_elements(d.items) s(value) "
        "CROSS JOIN LATERAL jsonb_array_elements(s.value -> 'items') l(value)",
        "text": "(l.value ->> '{}')",
        "number": "(l.value ->> '{}')::numeric",
    },
}


def _category_sql(
    vendor: str, table: str, ids: str, *, discount: str, sign: int, client_join: str = ""
) -> str:
    """One kind of document's lines summed by (category, client); a credit note's
    client is its invoice's (`client_join` brings the invoice as `c`)."""
    sql = _LINE_SQL[vendor]
    number = sql["number"].format
    net = (
        f"ROUND({number('quantity')} * {number('unitprice')} * {number('take')} / 100.0"
        f" * (1 + {number('markup')} / 100.0), 2)"
    )
    gross = f"{net} * (1 - {discount} / 100.0) * (1 + {number('taxrate')})"
    join = "," if vendor == "sqlite" else ""
    holder = "c" if client_join else "d"
    return (
        f"SELECT COALESCE({sql['text'].format('category')}, '{NO_CATEGORY}') AS category, "
        f"{holder}.client_company_id AS company_id, {holder}.client_contact_id AS contact_id, "
        f"{sign} * SUM({gross}) AS amount "
        f"FROM {table} d {join} {sql['lines']} {client_join} "
        f"WHERE d.id IN ({ids}) GROUP BY 1, 2, 3"
    )


def category_sums(invoices, notes) -> list[tuple]:
    """(category, company id, name, person id, name, gross) of the lines of
    `invoices` less those of the credit notes `notes`, summed in SQL over the lines
    the documents keep as JSON (SQLite's json_each, PostgreSQL's
    jsonb_array_elements). SQLite works in floating point, rounded to cents per
    line as PostgreSQL's exact numerics are, so the two agree but for a line whose
    net falls on an exact half cent."""
    # Docket runs on SQLite and PostgreSQL (DESIGN §2), the two _LINE_SQL speaks.
    vendor = connection.vendor
    invoice_ids, invoice_params = invoices.order_by().values("pk").query.sql_with_params()
    note_ids, note_params = notes.order_by().values("pk").query.sql_with_params()
    parts = [
        _category_sql(vendor, Invoice._meta.db_table, invoice_ids, discount="d.discount", sign=1),
        _category_sql(
            vendor,
            CreditNote._meta.db_table,
            note_ids,
            discount="0",
            sign=-1,
            client_join=f"JOIN {Invoice._meta.db_table} c ON c.id = d.invoice_id",
        ),
    ]
    sql = (
        "SELECT t.category, t.company_id, co.name, t.contact_id, ct.fullname, t.amount "
        f"FROM ({parts[0]} UNION ALL {parts[1]}) t "
        f"LEFT JOIN {Company._meta.db_table} co ON co.id = t.company_id "
        f"LEFT JOIN {Contact._meta.db_table} ct ON ct.id = t.contact_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*invoice_params, *note_params])
        rows = cursor.fetchall()
    return [
        (category, company_id, company, contact_id, contact, to_cents(Decimal(str(amount))))
        for category, company_id, company, contact_id, contact, amount in rows
    ]
