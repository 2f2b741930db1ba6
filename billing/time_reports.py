"""The time reports (issue 13's time half), a services room that only reads: the
timesheets report (hours by month or by client, each group's projects), hours by
person and by project with billable and non-billable time and utilisation, and
profitability per project. Each is one or two aggregating queries whatever the number
of entries: SQL sums the rows, Python only arranges the sums (one per group).

The filters are the reports' shared `ReportFilters` (`billing.reports`): a period
(dates in the account's time zone, both inclusive), a client, a project, job, item or
action, and the person who logged the time. Time entries carry their own date, so a
month is the entries of its calendar days; documents carry a moment, counted in the
period when it falls between the first day's midnight and the day after the last's,
in the account's time zone.

What counts as billable is what invoicing bills by the hour
(`billing.queries.unbilled_entries`, without "not invoiced yet"): time on an hourly
item (an action's time is its item's) that is not internal. Time marked internal,
time on a project or a job without an item and time on a fixed-price or external item
(which is in the item's price) is non-billable.

Profitability sets what a project earned against what its time is worth:
- invoiced: the net (before tax, after discount) of issued invoices naming the
  project (an invoice for one of its jobs names it too), less the net of the issued
  credit notes against them, each counted by its own date in the period;
- cost of time: each hour logged in the period at its charge rate, which is its hourly
  item's rate (an item takes its rate from the account's charge rates); time with no
  hourly item (on the project, a job, a fixed or external item) at the account's first
  charge rate (Settings → Charge rates, in their order), or nothing if it has none;
- margin = invoiced − cost. The worst (lowest margin, then most hours over the
  allocation) come first, in the API as on the page.
Allocated hours are the hourly items' hours (`projects.queries.with_hours`), which
have no date: a project's whole allocation against the time logged in the period."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import (
    Case,
    CharField,
    DecimalField,
    ExpressionWrapper,
    F,
    Func,
    Max,
    Min,
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
from projects.models import Job, JobItem, Project, TimeEntry
from projects.queries import HOURS_FIELD, NO_HOURS, with_hours

from .models import ChargeRate, CreditNote, Invoice
from .reports import ReportFilters, month_key, month_label, month_span

MONEY = DecimalField(max_digits=16, decimal_places=2)
NO_MONEY = Value(Decimal("0.00"), output_field=MONEY)
ZERO = Decimal("0.00")
CENT = Decimal("0.01")

# A working week, for utilisation: 37.5 hours over five days.
WEEK_HOURS = Decimal("37.5")
DAY_HOURS = WEEK_HOURS / 5

BILLABLE = Q(item__type=JobItem.Type.HOURLY, is_internal=False)


def _hours_sum():
    # A sum of many entries: wider than one entry's column (5 digits), which the
    # database's answer is read with otherwise.
    return Sum("hours", output_field=HOURS_FIELD)


def _billable_hours():
    return Sum(
        Case(When(BILLABLE, then=F("hours")), default=NO_HOURS, output_field=HOURS_FIELD),
        output_field=HOURS_FIELD,
    )


# --- the entries the filters keep --------------------------------------------------


def _valid_id(value) -> bool:
    return value is None or 0 < value <= MAX_ID


def _user_id(filters: ReportFilters) -> int | None:
    return None if filters.assigned is None else filters.assigned.pk


def filtered_entries(filters, *, with_period: bool = True) -> QuerySet:
    """The time entries `filters` keep: in the period, for the client, on the project,
    job, item or action, logged by the person."""
    entries = TimeEntry.objects.all()
    for column in ("project_id", "job_id", "item_id", "action_id"):
        value = getattr(filters, column, None)
        if not _valid_id(value):
            return entries.none()
        if value is not None:
            entries = entries.filter(**{column: value})
    entries = entries.filter(filters.client_q("project__"))
    user_id = _user_id(filters)
    if user_id is not None:
        entries = entries.filter(user_id=user_id)
    if with_period:
        if filters.start is not None:
            entries = entries.filter(date__gte=filters.start)
        if filters.end is not None:
            entries = entries.filter(date__lte=filters.end)
    return entries


def _client_of(row: dict, prefix: str = "project__") -> dict:
    if row[f"{prefix}client_company_id"] is not None:
        return {
            "type": "C",
            "id": row[f"{prefix}client_company_id"],
            "name": row[f"{prefix}client_company__name"],
        }
    return {
        "type": "I",
        "id": row[f"{prefix}client_contact_id"],
        "name": row[f"{prefix}client_contact__fullname"],
    }


CLIENT_COLUMNS = (
    "project__client_company_id",
    "project__client_company__name",
    "project__client_contact_id",
    "project__client_contact__fullname",
)


# --- the timesheets report -------------------------------------------------------------


class MonthKey(Func):
    """A date column's month as the reports key it, "2014-03", in SQL: a string
    function of the database's own rather than Django's TruncMonth, which SQLite runs
    as a Python function on every row. Time entries' days are already the account's."""

    output_field = CharField()

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template="strftime('%%%%Y-%%%%m', %(expressions)s)"
        )

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="to_char(%(expressions)s, 'YYYY-MM')")


@dataclass
class TimeGroup:
    """A month ("2014-03") or a client ("C41") and its projects' hours."""

    key: str
    label: str
    total: Decimal = ZERO
    billable: Decimal = ZERO
    projects: list[dict] = field(default_factory=list)
    client: dict | None = None  # grouped by client: the client

    @property
    def nonbillable(self) -> Decimal:
        return self.total - self.billable


@dataclass
class TimesheetsReport:
    groups: list[TimeGroup]  # the page asked for (rows/start)
    count: int  # every group
    total: Decimal
    billable: Decimal

    @property
    def nonbillable(self) -> Decimal:
        return self.total - self.billable


def _project_entry(row: dict) -> dict:
    return {
        "id": row["project_id"],
        "name": row["project__title"],
        "client": _client_of(row),
        "total": row["total"],
        "billable": row.get("billable", ZERO),
        "nonbillable": row["total"] - row.get("billable", ZERO),
    }


def timesheets(
    filters: ReportFilters,
    *,
    groupby: str = "date",
    start: int = 0,
    rows: int | None = None,
    today: date | None = None,
    split: bool = True,
) -> "TimesheetsReport":
    """Hours grouped by month ("date": every month of the period, empty ones too; without
    a period from the first month with time to the later of the last and this one) or by
    client ("client": those with time, most hours first), each with its projects' hours
    (most first); `rows` groups from `start`. With `split` (the pages) the billable part
    of each and the whole report's totals too, one more query; without it (the API,
    which shows neither) the billable figures are zero. One query per grouping."""
    entries = filtered_entries(filters)
    total = billable = ZERO
    if groupby == "client":
        groups, count = _by_client(entries, start, rows, split)
    else:
        groups, count = _by_month(
            filters, entries, start, rows, today or timezone.localdate(), split
        )
    if split:
        overall = entries.aggregate(
            total=Coalesce(_hours_sum(), NO_HOURS), billable=_billable_hours()
        )
        total, billable = overall["total"], overall["billable"] or ZERO
    else:
        total = sum((group.total for group in groups), ZERO)
    return TimesheetsReport(groups=groups, count=count, total=total, billable=billable)


def _per_project(entries, split: bool = True, **extra):
    """Hours (and, with `split`, billable hours) per project (and per `extra`
    expression)."""
    sums = {"total": _hours_sum()}
    if split:
        sums["billable"] = _billable_hours()
    return (
        entries.order_by()
        .annotate(**extra)
        .values("project_id", "project__title", *CLIENT_COLUMNS, *extra)
        .annotate(**sums)
    )


def _by_month(filters, entries, start, rows, today, split):
    first, last = filters.start, filters.end
    found = []
    if first is None or last is None:
        bounds = entries.order_by().aggregate(first=Min("date"), last=Max("date"))
        found = [month_key(day) for day in bounds.values() if day is not None]
    keys = month_span(found, filters, today)
    page = keys[start : None if rows is None else start + rows]
    if not page:
        return [], len(keys)
    groups = {key: TimeGroup(key, month_label(key)) for key in page}
    first_day = _month_start(page[0])
    after = (_month_start(page[-1]) + timedelta(days=32)).replace(day=1)
    sums = _per_project(
        entries.filter(date__gte=first_day, date__lt=after), split, month=MonthKey("date")
    ).order_by("month", "-total", "project_id")
    for row in sums:
        group = groups[row["month"]]
        group.projects.append(_project_entry(row))
        group.total += row["total"]
        group.billable += row.get("billable", ZERO)
    return list(groups.values()), len(keys)


def _month_start(key: str) -> date:
    year, month = key.split("-")
    return date(int(year), int(month), 1)


def _by_client(entries, start, rows, split):
    sums = _per_project(entries, split).order_by("-total", "project_id")
    groups: dict[str, TimeGroup] = {}
    for row in sums:
        client = _client_of(row)
        key = f"{client['type']}{client['id']}"
        group = groups.get(key)
        if group is None:
            group = groups[key] = TimeGroup(key, client["name"], client=client)
        group.projects.append(_project_entry(row))
        group.total += row["total"]
        group.billable += row.get("billable", ZERO)
    ordered = sorted(groups.values(), key=lambda group: (-group.total, group.label, group.key))
    return ordered[start : None if rows is None else start + rows], len(ordered)


# --- hours by person and by project ------------------------------------------------------


def weekdays_between(first: date, last: date) -> int:
    """Monday to Friday days from `first` to `last`, both counted."""
    if last < first:
        return 0
    days = (last - first).days + 1
    weeks, rest = divmod(days, 7)
    extra = sum(1 for offset in range(rest) if (first.weekday() + offset) % 7 < 5)
    return weeks * 5 + extra


def capacity_hours(filters) -> Decimal | None:
    """A person's working hours in the period: 37.5 a week, 7.5 each weekday (public
    holidays and leave are not known here). None without a whole period."""
    if filters.start is None or filters.end is None:
        return None
    return DAY_HOURS * weekdays_between(filters.start, filters.end)


def _percent(part: Decimal, whole: Decimal | None) -> Decimal | None:
    if not whole:
        return None
    return (part * 100 / whole).quantize(Decimal("0.1"))


@dataclass
class HoursRow:
    key: str  # "U3", "P12": the row's id in the CSV and the chart
    name: str
    total: Decimal
    billable: Decimal
    client: dict | None = None  # by project
    email: str = ""  # by person
    utilisation: Decimal | None = None  # by person: logged ÷ capacity, %

    @property
    def nonbillable(self) -> Decimal:
        return self.total - self.billable

    @property
    def billable_share(self) -> Decimal | None:
        return _percent(self.billable, self.total)


@dataclass
class HoursReport:
    by: str  # "person" or "project"
    rows: list[HoursRow]
    total: Decimal
    billable: Decimal
    capacity: Decimal | None  # one person's working hours in the period

    @property
    def nonbillable(self) -> Decimal:
        return self.total - self.billable

    @property
    def billable_share(self) -> Decimal | None:
        return _percent(self.billable, self.total)

    @property
    def utilisation(self) -> Decimal | None:
        """By person: everyone's hours against everyone's capacity."""
        if self.capacity is None or not self.rows:
            return None
        return _percent(self.total, self.capacity * len(self.rows))


def hours_by(filters, by: str = "person") -> HoursReport:
    """Hours in the period per person (with utilisation against 37.5 hours a week) or
    per project, billable and not, most hours first. One query."""
    entries = filtered_entries(filters).order_by()
    capacity = capacity_hours(filters)
    if by == "project":
        sums = _per_project(entries).order_by("-total", "project__title", "project_id")
        rows = [
            HoursRow(
                key=f"{Project.CODE}{row['project_id']}",
                name=row["project__title"],
                total=row["total"],
                billable=row["billable"],
                client=_client_of(row),
            )
            for row in sums
        ]
    else:
        sums = (
            entries.values("user_id", "user__name", "user__email")
            .annotate(total=_hours_sum(), billable=_billable_hours())
            .order_by("-total", "user__name", "user_id")
        )
        rows = [
            HoursRow(
                key=f"U{row['user_id']}",
                name=row["user__name"] or row["user__email"],
                email=row["user__email"],
                total=row["total"],
                billable=row["billable"],
                utilisation=_percent(row["total"], capacity),
            )
            for row in sums
        ]
    total = sum((row.total for row in rows), ZERO)
    billable = sum((row.billable for row in rows), ZERO)
    return HoursReport(by=by, rows=rows, total=total, billable=billable, capacity=capacity)


# --- profitability -------------------------------------------------------------------------
#
# Each figure is one GROUP BY over its own table (the period's time per project with its
# cost, the hourly items' hours, the issued invoices, the credit notes), as a
# hand-written query would join them in derived tables; the per-project sums (one row
# per project, never per entry) are then set side by side, ordered and paged. A
# correlated subquery per project and figure, which the ORM writes for annotations, cost
# five times as much on PostgreSQL (BENCHMARKS.md).


def _documents(filters):
    """The issued invoices and credit notes the period and the job keep."""
    since, until = filters.moments()
    invoices = Invoice.objects.filter(issued_at__isnull=False)
    credits = CreditNote.objects.filter(issued_at__isnull=False)
    if since is not None:
        invoices, credits = invoices.filter(date__gte=since), credits.filter(date__gte=since)
    if until is not None:
        invoices, credits = invoices.filter(date__lt=until), credits.filter(date__lt=until)
    job_id = getattr(filters, "job_id", None)
    if job_id is not None:
        invoices, credits = invoices.filter(job_id=job_id), credits.filter(invoice__job_id=job_id)
    return invoices, credits


def _charge_rate():
    """Per entry: its hourly item's rate, else the account's first charge rate."""
    first_rate = ChargeRate.objects.order_by("position", "name").values("rate")[:1]
    return Case(
        When(item__type=JobItem.Type.HOURLY, then=F("item__rate")),
        default=Coalesce(Subquery(first_rate, output_field=MONEY), NO_MONEY),
        output_field=MONEY,
    )


def _kept_projects(filters: ReportFilters) -> QuerySet:
    """The projects the project, job and client filters keep."""
    projects = Project.objects.all()
    project_id, job_id = filters.project_id, filters.job_id
    if not (_valid_id(project_id) and _valid_id(job_id)):
        return projects.none()
    if project_id is not None:
        projects = projects.filter(pk=project_id)
    if job_id is not None:
        projects = projects.filter(jobs=job_id)
    return projects.filter(filters.client_q())


@dataclass
class ProfitabilityReport:
    rows: list[dict]
    count: int
    allocated: Decimal
    logged: Decimal
    cost: Decimal
    invoiced: Decimal  # less credit notes

    @property
    def margin(self) -> Decimal:
        return self.invoiced - self.cost


def _cents(value) -> Decimal:
    return Decimal(value).quantize(CENT)


def _by_project(queryset, column: str, **sums) -> dict[int, dict]:
    rows = queryset.order_by().values(column).annotate(**sums)
    return {row.pop(column): row for row in rows}


def profitability(
    filters: ReportFilters,
    *,
    start: int = 0,
    rows: int | None = None,
    money: bool = True,
    split: bool = True,
) -> ProfitabilityReport:
    """Per project, worst first (the lowest margin, then the most hours over the
    allocation; without `money`, a reader kept from invoices, the most over first):
    allocated and logged hours, the cost of the time, what was invoiced (less credit
    notes) and the margin, with each job's allocated and logged hours; and the totals
    of every project kept. With a period or a person, only projects with time (or,
    without a person, documents) in it. Six queries, however many entries; without
    `split` (the API) no billable hours."""
    kept = _kept_projects(filters)
    entries = filtered_entries(filters)
    invoices, credits = _documents(filters)
    kept_ids = kept.values("pk")
    time_sums = {
        "logged": _hours_sum(),
        "cost": Sum(
            ExpressionWrapper(F("hours") * _charge_rate(), output_field=MONEY),
            output_field=MONEY,
        ),
    }
    if split:
        time_sums["billable"] = _billable_hours()
    logged = _by_project(entries, "project_id", **time_sums)
    invoiced = _by_project(
        invoices.filter(project_id__in=kept_ids), "project_id", total=Sum("total")
    )
    credited = _by_project(
        credits.filter(invoice__project_id__in=kept_ids), "invoice__project_id", total=Sum("total")
    )
    allocated = _by_project(
        JobItem.objects.filter(type=JobItem.Type.HOURLY, job__project_id__in=kept_ids),
        "job__project_id",
        allocated=Sum("hours", output_field=HOURS_FIELD),
    )
    narrowed = filters.start is not None or filters.end is not None or filters.assigned
    if narrowed:
        ids = set(logged)
        if filters.assigned is None:
            ids |= set(invoiced) | set(credited)
    else:
        ids = set(kept.values_list("pk", flat=True))
    figures = []
    for project_id in ids:
        time = logged.get(project_id, {})
        hours_logged = time.get("logged") or ZERO
        hours_allocated = allocated.get(project_id, {}).get("allocated") or ZERO
        cost = _cents(time.get("cost") or ZERO)
        gross = _cents(invoiced.get(project_id, {}).get("total") or ZERO)
        credit = _cents(credited.get(project_id, {}).get("total") or ZERO)
        figures.append(
            {
                "id": project_id,
                "allocated": hours_allocated,
                "logged": hours_logged,
                "billable": time.get("billable") or ZERO,
                "cost": cost,
                "invoiced": gross - credit,
                "credited": credit,
                "margin": gross - credit - cost,
                "overrun": hours_logged - hours_allocated,
            }
        )
    if money:
        figures.sort(key=lambda row: (row["margin"], -row["overrun"], row["id"]))
    else:
        figures.sort(key=lambda row: (-row["overrun"], row["id"]))
    page = figures[start : None if rows is None else start + rows]
    if page:
        _add_names_and_jobs(page, filters)
    return ProfitabilityReport(
        rows=page,
        count=len(figures),
        allocated=sum((row["allocated"] for row in figures), ZERO),
        logged=sum((row["logged"] for row in figures), ZERO),
        cost=sum((row["cost"] for row in figures), ZERO),
        invoiced=sum((row["invoiced"] for row in figures), ZERO),
    )


def _add_names_and_jobs(page: list[dict], filters: ReportFilters) -> None:
    """Each project's name and client, and its jobs' allocated and logged hours (the
    filter's job alone when there is one)."""
    ids = [row["id"] for row in page]
    names = {
        row["id"]: row
        for row in Project.objects.filter(pk__in=ids).values(
            "id",
            "title",
            "client_company_id",
            "client_company__name",
            "client_contact_id",
            "client_contact__fullname",
        )
    }
    jobs = Job.objects.filter(project_id__in=ids)
    if filters.job_id is not None:
        jobs = jobs.filter(pk=filters.job_id)
    jobs_by_project: dict[int, list[dict]] = {project_id: [] for project_id in ids}
    for job in (
        with_hours(jobs, "job", entries=filtered_entries(filters))
        .values("id", "title", "project_id", "hours_allocated", "hours_logged")
        .order_by("project_id", "order", "id")
    ):
        jobs_by_project[job["project_id"]].append(
            {
                "id": job["id"],
                "name": job["title"],
                "allocated": job["hours_allocated"],
                "logged": job["hours_logged"],
            }
        )
    for row in page:
        name = names[row["id"]]
        row["name"] = name["title"]
        row["client"] = _client_of(name, prefix="")
        row["nonbillable"] = row["logged"] - row["billable"]
        row["jobs"] = jobs_by_project[row["id"]]
