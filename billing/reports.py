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

from django.db.models import Q
from django.db.models.functions import TruncMonth
from django.http import HttpResponse
from django.utils import timezone

from crm.importing import safe_cell
from crm.models import Company, Contact

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
        return start, end
    raise ValueError(f"{name!r} is not a period.")


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
