"""Billing's part of `manage.py benchmark` (registered from BillingConfig.ready):
invoices.json's 1,000 rows against hand-written SQL for the same rows dumped with
json.dumps, the 10-row list against the bare JsonResponse, and the invoices list page
with its tab totals (and its Overdue tab) against a 50 ms median.

The reference view is routed only in the benchmark's URLconf; like crm's, it sits
under /api/ and uses no credential, so the API's authentication and rate limit count
against Docket, not the floor."""

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.urls import path
from django.utils import timezone

from config.api.listing import MAX_ROWS
from crm.benchmark.load import Case, Goal, Target
from crm.benchmark.reference import dumped_json
from crm.benchmark.registry import CaseContext
from crm.models import Company, Contact
from projects.models import Job, JobItem, Project, TimeEntry

from .models import ChargeRate, CreditNote, Invoice, Payment
from .queries import invoices_overdue_on
from .reports import months_between, start_of_day

INVOICE_ROWS_PATH = "/api/benchmark/invoices-sql.json"
PAGE_GOAL = Goal("median under 50 ms", max_median_ms=50)
CENT = Decimal("0.01")

# (output column, SQL expression, how it is read): one SELECT list, read back by name.
# "epoch" gives whole seconds since 1970 and "text" a JSON column's stored text, each
# in its database's words (below); what is owed is summed in the same query, as
# billing.queries.with_balance sums it for the API.
INVOICE_COLUMNS = (
    ("id", "i.id", None),
    ("issued_at", "i.issued_at", None),
    ("ready", "i.ready", None),
    ("reference", "i.reference", None),
    ("purchaseorder", "i.purchaseorder", None),
    ("due", "i.due", "epoch"),
    ("terms", "i.terms", None),
    ("company_id", "i.client_company_id", None),
    ("company_name", "c.name", None),
    ("company_data", "c.accountsdata", "text"),
    ("contact_id", "i.client_contact_id", None),
    ("contact_name", "k.fullname", None),
    ("contact_data", "k.accountsdata", "text"),
    ("sendemail", "i.sendemail", None),
    ("email_to", "i.email_to", "text"),
    ("email_bcc", "i.email_bcc", "text"),
    ("email_message", "i.email_message", None),
    ("project_id", "i.project_id", None),
    ("project_title", "p.title", None),
    ("job_id", "i.job_id", None),
    ("job_title", "j.title", None),
    ("items", "i.items", "text"),
    ("discount", "i.discount", None),
    ("total", "i.total", None),
    ("tax", "i.tax", None),
    ("grandtotal", "i.grandtotal", None),
    ("date", "i.date", "epoch"),
    ("amountpaid", "o.amountpaid", None),
    ("balance", "o.grandtotal - o.amountpaid - o.credited", None),
    ("email", "u.email", None),
    ("name", "u.name", None),
)


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _epoch(column: str) -> str:
    """Whole seconds since 1970, truncated as the API's are."""
    if connection.vendor == "postgresql":
        return f"TRUNC(EXTRACT(EPOCH FROM {column}))::bigint"
    return f"CAST(strftime('%%s', substr({column}, 1, 19)) AS INTEGER)"


def _text(column: str) -> str:
    return f"CAST({column} AS text)"


SHAPES = {None: str, "epoch": _epoch, "text": _text}


def invoice_rows_sql() -> tuple[str, str]:
    """The page's SELECT, newest first (its LIMIT a parameter), and the COUNT."""
    quote = connection.ops.quote_name
    columns = ", ".join(
        f"{SHAPES[shape](expression)} AS {quote(name)}"
        for name, expression, shape in INVOICE_COLUMNS
    )
    # The page's invoices, with what each was paid and credited (issued credit notes
    # only) summed in correlated subqueries; their balance follows in the outer SELECT.
    owed = (
        "SELECT v.id, v.grandtotal, "
        f"COALESCE((SELECT SUM(m.amount) FROM {_table(Payment)} m "
        "WHERE m.invoice_id = v.id), 0) AS amountpaid, "
        f"COALESCE((SELECT SUM(n.grandtotal) FROM {_table(CreditNote)} n "
        "WHERE n.invoice_id = v.id AND n.issued_at IS NOT NULL), 0) AS credited "
        f"FROM {_table(Invoice)} v ORDER BY v.date DESC, v.id DESC LIMIT %s"
    )
    rows = (
        f"SELECT {columns} FROM ({owed}) o "
        f"JOIN {_table(Invoice)} i ON i.id = o.id "
        f"JOIN {_table(get_user_model())} u ON u.id = i.added_by_id "
        f"LEFT JOIN {_table(Company)} c ON c.id = i.client_company_id "
        f"LEFT JOIN {_table(Contact)} k ON k.id = i.client_contact_id "
        f"LEFT JOIN {_table(Project)} p ON p.id = i.project_id "
        f"LEFT JOIN {_table(Job)} j ON j.id = i.job_id "
        "ORDER BY i.date DESC, i.id DESC"
    )
    return rows, f"SELECT COUNT(*) FROM {_table(Invoice)}"


def _json(text):
    if text == "[]":
        return []
    if text == "{}":
        return {}
    return None if text is None else json.loads(text)


def _number(value):
    """A stored amount as the API writes it: 250 rather than 250.00, 12.5 as 12.5."""
    value = Decimal(str(value))
    return int(value) if value == value.to_integral_value() else float(value)


def _money(value):
    """A sum worked out in SQL, to the cent (SQLite sums amounts as floats)."""
    return _number(Decimal(str(value)).quantize(CENT))


def _line_number(text):
    """A line's stored quantity, price, take or markup ("3.5", "110") as the API writes
    it: a float is exact enough for these (a few places, far below 2**53)."""
    value = float(text)
    return int(value) if value.is_integer() else value


def _sections(text) -> list[dict]:
    return [
        {
            "title": section["title"],
            "items": [
                {
                    "type": line["type"],
                    "title": line["title"],
                    "description": line["description"],
                    "quantity": _line_number(line["quantity"]),
                    "unitprice": _line_number(line["unitprice"]),
                    "take": _line_number(line["take"]),
                    "taxcode": line["taxcode"],
                    "markup": _line_number(line["markup"]),
                    "category": line["category"],
                }
                for line in section["items"]
            ],
        }
        for section in _json(text) or []
    ]


def _client(record: dict) -> dict | None:
    if record["company_id"] is not None:
        return {
            "type": "C",
            "id": str(record["company_id"]),
            "name": record["company_name"],
            "accountsdata": _json(record["company_data"]),
        }
    if record["contact_id"] is not None:
        return {
            "type": "I",
            "id": str(record["contact_id"]),
            "name": record["contact_name"],
            "accountsdata": _json(record["contact_data"]),
        }
    return None


def _work(record: dict):
    if record["job_id"] is not None:
        return {"type": "J", "id": str(record["job_id"]), "name": record["job_title"]}
    if record["project_id"] is not None:
        return {"type": "P", "id": str(record["project_id"]), "name": record["project_title"]}
    return []


def _rows_asked(request) -> int:
    try:
        return min(max(int(request.GET.get("rows", 10)), 1), MAX_ROWS)
    except ValueError:
        return 10


def invoice_rows_reference(request):
    """invoices.json?rows=N (up to 1000) in its default order (newest first): the same
    JSON, straight from a cursor. Like the API, it counts only when the page is full."""
    rows = _rows_asked(request)
    rows_sql, count_sql = invoice_rows_sql()
    with connection.cursor() as cursor:
        cursor.execute(rows_sql, [rows])
        fetched = cursor.fetchall()
        if len(fetched) < rows:
            total = len(fetched)
        else:
            cursor.execute(count_sql)
            total = cursor.fetchone()[0]
    names = [name for name, _, _ in INVOICE_COLUMNS]
    out = []
    for values in fetched:
        record = dict(zip(names, values, strict=True))
        issued = record["issued_at"] is not None
        balance = Decimal(str(record["balance"])).quantize(CENT)
        out.append(
            {
                "id": record["id"],
                "issued": issued,
                "ready": bool(record["ready"]),
                "reference": record["reference"],
                "purchaseorder": record["purchaseorder"],
                "terms": {"timestamp": record["due"], "days": record["terms"]},
                "client": _client(record),
                "sendemail": bool(record["sendemail"]),
                "email": {
                    "to": [str(contact_id) for contact_id in _json(record["email_to"]) or []],
                    "bcc": _json(record["email_bcc"]) or [],
                    "message": record["email_message"],
                },
                "for": _work(record),
                "items": _sections(record["items"]),
                "discount": _number(record["discount"]),
                "total": _number(record["total"]),
                "tax": _number(record["tax"]),
                "grandtotal": _number(record["grandtotal"]),
                "date": record["date"],
                "pdf": None,
                "amountpaid": _money(record["amountpaid"]),
                "paid": issued and balance <= 0,
                "addedby": {"email": record["email"], "name": record["name"]},
                "balance": _number(balance),
            }
        )
    return dumped_json({"error": False, "rows": out, "total": total})


# --- reports: hand-written GROUP BY for the same answers ------------------------------
#
# reports/invoices (by month and by client) and reports/payments (by month) for a year,
# against one hand-written query each (the invoices and their credit notes in one
# UNION ALL, grouped by month in the account's time zone and by client, the names
# joined) whose sums are put together into the same JSON. A test checks the bytes.

REPORT_PATH = "/api/benchmark/report-sql.json"
REPORT_YEAR = 2025


def report_year_params(year: int = REPORT_YEAR) -> str:
    """from/to as the API takes them: noon UTC of the year's first and last day."""
    first = int(datetime(year, 1, 1, 12, tzinfo=UTC).timestamp())
    last = int(datetime(year, 12, 31, 12, tzinfo=UTC).timestamp())
    return f"from={first}&to={last}"


def _month_sql(column: str) -> str:
    """ "2014-03": the month of a date-time column in the account's time zone."""
    zone = settings.TIME_ZONE
    if connection.vendor == "postgresql":
        return f"to_char({column} AT TIME ZONE '{zone}', 'YYYY-MM')"
    # Django's own function on SQLite connections (SQLite has no time zones).
    return f"substr(django_datetime_trunc('month', {column}, '{zone}', 'UTC'), 1, 7)"


def _day_month_sql(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"to_char({column}, 'YYYY-MM')"
    return f"strftime('%%Y-%%m', {column})"


def report_sql(kind: str, groupby: str) -> str:
    """(group, company id, name, person id, name, sum) for the period's %s bounds."""
    if kind == "payments":
        month = _day_month_sql("m.date")
        inner = (
            f"SELECT {month} AS g, i.client_company_id AS co, i.client_contact_id AS ct, "
            f"m.amount AS amount FROM {_table(Payment)} m "
            f"JOIN {_table(Invoice)} i ON i.id = m.invoice_id "
            "WHERE m.date >= %s AND m.date <= %s"
        )
    else:
        inner = (
            f"SELECT {_month_sql('i.date')} AS g, i.client_company_id AS co, "
            "i.client_contact_id AS ct, i.grandtotal AS amount "
            f"FROM {_table(Invoice)} i "
            "WHERE i.issued_at IS NOT NULL AND i.date >= %s AND i.date < %s "
            "UNION ALL "
            f"SELECT {_month_sql('n.date')}, i.client_company_id, i.client_contact_id, "
            f"-n.grandtotal FROM {_table(CreditNote)} n "
            f"JOIN {_table(Invoice)} i ON i.id = n.invoice_id "
            "WHERE n.issued_at IS NOT NULL AND i.issued_at IS NOT NULL "
            "AND n.date >= %s AND n.date < %s"
        )
    group = "t.g, " if groupby == "date" else ""
    return (
        f"SELECT {group}t.co, c.name, t.ct, k.fullname, SUM(t.amount) FROM ({inner}) t "
        f"LEFT JOIN {_table(Company)} c ON c.id = t.co "
        f"LEFT JOIN {_table(Contact)} k ON k.id = t.ct "
        f"GROUP BY {group}t.co, c.name, t.ct, k.fullname"
    )


def report_reference(request):
    """?kind=invoices|payments&groupby=date|client&year=2025: the API's JSON for the
    whole year, every group on the page."""
    kind = request.GET.get("kind", "invoices")
    groupby = request.GET.get("groupby", "date")
    year = int(request.GET.get("year", REPORT_YEAR))
    if kind == "payments":
        params = [date(year, 1, 1), date(year, 12, 31)]
    else:
        adapt = connection.ops.adapt_datetimefield_value
        since = adapt(start_of_day(date(year, 1, 1)))
        until = adapt(start_of_day(date(year, 12, 31) + timedelta(days=1)))
        params = [since, until, since, until]
    with connection.cursor() as cursor:
        cursor.execute(report_sql(kind, groupby), params)
        fetched = cursor.fetchall()
    groups: dict[str, dict] = {}
    for row in fetched:
        key = row[0] if groupby == "date" else None
        company_id, company, contact_id, contact, amount = row[-5:]
        code = f"C{company_id}" if company_id is not None else f"I{contact_id}"
        name = company if company_id is not None else contact
        if key is None:
            key = code
        groups.setdefault(key, {})[code] = {
            "type": code[0],
            "id": code[1:],
            "name": name,
            "total": Decimal(str(amount)).quantize(CENT),
        }
    if groupby == "date":
        keys = months_between(date(year, 1, 1), date(year, 12, 31))
    else:
        keys = sorted(
            groups, key=lambda key: (next(iter(groups[key].values()))["name"].lower(), key)
        )
    out = {}
    for key in keys[:MAX_ROWS]:
        clients = sorted(
            groups.get(key, {}).values(),
            key=lambda c: (-c["total"], c["name"].lower(), c["type"] + c["id"]),
        )
        total = sum((c["total"] for c in clients), Decimal("0.00"))
        out[key] = {
            "total": _number(total),
            "clients": {c["type"] + c["id"]: {**c, "total": _number(c["total"])} for c in clients}
            or [],
        }
    return dumped_json({"error": False, "rows": out, "total": len(keys)})


# --- the time reports: reports/timesheets and reports/profitability for a year -----------
#
# The same JSON from hand-written SQL: one GROUP BY of the year's entries by month and
# project (joined to the project and its client) for the timesheets; for
# profitability each sum its own GROUP BY in a derived table (the year's hours and
# their cost per project, the hourly items' hours, the issued invoices and credit
# notes), joined to the projects, worst first, with a window for the totals, and the
# page's jobs in two more GROUP BYs.

TIMESHEETS_SQL_PATH = "/api/benchmark/timesheets-sql.json"
PROFITABILITY_SQL_PATH = "/api/benchmark/profitability-sql.json"


def _period(request):
    """from/to (epoch seconds, as the API reads them) as days in the account's zone."""
    from .reports import local_day

    def day(name):
        return local_day(datetime.fromtimestamp(int(request.GET[name]), tz=UTC))

    return day("from"), day("to")


def _client_of(company_id, company, contact_id, contact) -> dict:
    if company_id is not None:
        return {"type": "C", "id": str(company_id), "name": company}
    return {"type": "I", "id": str(contact_id), "name": contact}


def _hours(value) -> Decimal:
    return Decimal(str(value)).quantize(CENT)


def timesheets_reference(request):
    """reports/timesheets.json?from=…&to=…&rows=N, grouped by month."""
    from .reports import months_between

    first, last = _period(request)
    keys = months_between(first, last)[: _rows_asked(request)]
    entries, projects = _table(TimeEntry), _table(Project)
    sql = (
        f"SELECT {_day_month_sql('e.date')} AS m, e.project_id, p.title, p.client_company_id, "
        "c.name, p.client_contact_id, k.fullname, SUM(e.hours) AS total "
        f"FROM {entries} e JOIN {projects} p ON p.id = e.project_id "
        f"LEFT JOIN {_table(Company)} c ON c.id = p.client_company_id "
        f"LEFT JOIN {_table(Contact)} k ON k.id = p.client_contact_id "
        "WHERE e.date >= %s AND e.date < %s "
        "GROUP BY 1, 2, 3, 4, 5, 6, 7 ORDER BY 1, 8 DESC, 2"
    )
    rows = {key: {"total": Decimal(0), "projects": {}} for key in keys}
    with connection.cursor() as cursor:
        cursor.execute(sql, [first, last + timedelta(days=1)])
        for month, project_id, title, company_id, company, contact_id, contact, total in cursor:
            row = rows.get(month)
            if row is None:  # a month past the page
                continue
            total = _hours(total)
            row["total"] += total
            row["projects"][f"P{project_id}"] = {
                "id": str(project_id),
                "name": title,
                "type": "P",
                "client": _client_of(company_id, company, contact_id, contact),
                "total": total,
            }
    out = {
        key: {
            "total": _number(row["total"]),
            "projects": {
                code: {**project, "total": _number(project["total"])}
                for code, project in row["projects"].items()
            }
            or [],
        }
        for key, row in rows.items()
    }
    total = len(months_between(first, last))
    return dumped_json({"error": False, "rows": out, "total": total})


def profitability_sql() -> str:
    entries, items, jobs = _table(TimeEntry), _table(JobItem), _table(Job)
    first_rate = f"(SELECT r.rate FROM {_table(ChargeRate)} r ORDER BY r.position, r.name LIMIT 1)"
    rate = f"CASE WHEN i.type = 'hourly' THEN i.rate ELSE COALESCE({first_rate}, 0) END"
    logged = (
        f"SELECT e.project_id, SUM(e.hours) AS hours, SUM(e.hours * {rate}) AS cost "
        f"FROM {entries} e LEFT JOIN {items} i ON i.id = e.item_id "
        "WHERE e.date >= %(first)s AND e.date <= %(last)s GROUP BY e.project_id"
    )
    allocated = (
        f"SELECT j.project_id, SUM(i.hours) AS hours FROM {items} i "
        f"JOIN {jobs} j ON j.id = i.job_id WHERE i.type = 'hourly' GROUP BY j.project_id"
    )
    invoiced = (
        f"SELECT v.project_id, SUM(v.total) AS total FROM {_table(Invoice)} v "
        "WHERE v.issued_at IS NOT NULL AND v.date >= %(since)s AND v.date < %(until)s "
        "AND v.project_id IS NOT NULL GROUP BY v.project_id"
    )
    credited = (
        f"SELECT v.project_id, SUM(n.total) AS total FROM {_table(CreditNote)} n "
        f"JOIN {_table(Invoice)} v ON v.id = n.invoice_id "
        "WHERE n.issued_at IS NOT NULL AND n.date >= %(since)s AND n.date < %(until)s "
        "AND v.project_id IS NOT NULL GROUP BY v.project_id"
    )
    margin = "COALESCE(iv.total, 0) - COALESCE(cn.total, 0) - COALESCE(l.cost, 0)"
    overrun = "COALESCE(l.hours, 0) - COALESCE(a.hours, 0)"
    return (
        "SELECT p.id, p.title, p.client_company_id, c.name, p.client_contact_id, k.fullname, "
        "COALESCE(a.hours, 0), COALESCE(l.hours, 0), "
        "COUNT(*) OVER (), SUM(COALESCE(a.hours, 0)) OVER (), SUM(COALESCE(l.hours, 0)) OVER () "
        f"FROM {_table(Project)} p "
        f"LEFT JOIN ({logged}) l ON l.project_id = p.id "
        f"LEFT JOIN ({allocated}) a ON a.project_id = p.id "
        f"LEFT JOIN ({invoiced}) iv ON iv.project_id = p.id "
        f"LEFT JOIN ({credited}) cn ON cn.project_id = p.id "
        f"LEFT JOIN {_table(Company)} c ON c.id = p.client_company_id "
        f"LEFT JOIN {_table(Contact)} k ON k.id = p.client_contact_id "
        "WHERE l.project_id IS NOT NULL OR iv.project_id IS NOT NULL "
        "OR cn.project_id IS NOT NULL "
        f"ORDER BY {margin}, {overrun} DESC, p.id LIMIT %(rows)s"
    )


def profitability_reference(request):
    """reports/profitability.json?from=…&to=…&rows=N."""
    from .reports import start_of_day

    first, last = _period(request)
    params = {
        "first": first,
        "last": last,
        "since": start_of_day(first),
        "until": start_of_day(last + timedelta(days=1)),
        "rows": _rows_asked(request),
    }
    with connection.cursor() as cursor:
        cursor.execute(profitability_sql(), params)
        fetched = cursor.fetchall()
        ids = [row[0] for row in fetched]
        jobs: dict[int, list] = {project_id: [] for project_id in ids}
        if ids:
            marks = ", ".join(["%s"] * len(ids))
            cursor.execute(
                f"SELECT j.id, j.title, j.project_id, "
                f"(SELECT SUM(i.hours) FROM {_table(JobItem)} i "
                "WHERE i.job_id = j.id AND i.type = 'hourly'), "
                f"(SELECT SUM(e.hours) FROM {_table(TimeEntry)} e WHERE e.job_id = j.id "
                "AND e.date >= %s AND e.date <= %s) "
                f"FROM {_table(Job)} j WHERE j.project_id IN ({marks}) "
                'ORDER BY j.project_id, j."order", j.id',
                [first, last, *ids],
            )
            for job_id, title, project_id, allocated, logged in cursor.fetchall():
                jobs[project_id].append(
                    {
                        "id": str(job_id),
                        "name": title,
                        "allocated": _number(_hours(allocated or 0)),
                        "logged": _number(_hours(logged or 0)),
                    }
                )
    rows = [
        {
            "id": str(row[0]),
            "name": row[1],
            "client": _client_of(*row[2:6]),
            "allocated": _number(_hours(row[6])),
            "logged": _number(_hours(row[7])),
            "jobs": jobs[row[0]],
        }
        for row in fetched
    ]
    count, all_allocated, all_logged = fetched[0][8:11] if fetched else (0, 0, 0)
    return dumped_json(
        {
            "error": False,
            "rows": rows,
            "grouping": "project",
            "stats": {
                "projects": count,
                "logged": _number(_hours(all_logged)),
                "allocated": _number(_hours(all_allocated)),
            },
            "total": count,
        }
    )


urlpatterns = [
    path(INVOICE_ROWS_PATH.lstrip("/"), invoice_rows_reference),
    path(REPORT_PATH.lstrip("/"), report_reference),
    path(TIMESHEETS_SQL_PATH.lstrip("/"), timesheets_reference),
    path(PROFITABILITY_SQL_PATH.lstrip("/"), profitability_reference),
]


def rows() -> str | None:
    invoices = Invoice.objects.count()
    if not invoices:
        return None
    return (
        f"{invoices:,} invoices, {Payment.objects.count():,} payments, "
        f"{CreditNote.objects.count():,} credit notes"
    )


def report_year() -> tuple[date, date] | None:
    """The twelve whole months before the month of the newest time entry."""
    newest = TimeEntry.objects.order_by("-date").values_list("date", flat=True).first()
    if newest is None:
        return None
    last = newest.replace(day=1) - timedelta(days=1)
    following = last + timedelta(days=1)
    first = following.replace(year=following.year - 1)
    return first, last


def _noon(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, 12, tzinfo=UTC).timestamp())


def time_report_cases(context: CaseContext) -> list[Case]:
    year = report_year()
    if year is None:
        return []
    first, last = year
    entries = TimeEntry.objects.filter(date__range=year).count()
    period = f"from={_noon(first)}&to={_noon(last)}"
    goal = Goal("within 3× (≥ 0.33×)", min_ratio=1 / 3)
    return [
        Case(
            f"reports/timesheets.json by month, a year ({first:%b %Y}–{last:%b %Y}, "
            f"{entries:,} entries)",
            Target(
                "reports/timesheets.json",
                f"/api/v1/reports/timesheets.json?{period}&rows=12",
                context.api,
            ),
            Target(
                "SQL GROUP BY + json.dumps", f"{TIMESHEETS_SQL_PATH}?{period}&rows=12", context.base
            ),
            goal,
            same_json=True,
        ),
        Case(
            f"reports/profitability.json?rows=100, a year ({entries:,} entries)",
            Target(
                "reports/profitability.json",
                f"/api/v1/reports/profitability.json?{period}&rows=100",
                context.api,
            ),
            Target(
                "SQL GROUP BY + json.dumps",
                f"{PROFITABILITY_SQL_PATH}?{period}&rows=100",
                context.base,
            ),
            goal,
            same_json=True,
        ),
    ]


def cases(context: CaseContext) -> list[Case]:
    invoices = Invoice.objects.count()
    overdue = invoices_overdue_on(timezone.now()).count()
    year = report_year_params()
    report_goal = Goal("within 3× (≥ 0.33×)", min_ratio=1 / 3)
    reports = [
        Case(
            f"reports/invoices.json by month, {REPORT_YEAR}",
            Target(
                "reports/invoices by month",
                f"/api/v1/reports/invoices.json?{year}&rows=1000",
                context.api,
            ),
            Target("SQL GROUP BY", f"{REPORT_PATH}?kind=invoices&groupby=date", context.base),
            report_goal,
            same_json=True,
        ),
        Case(
            f"reports/invoices.json by client, {REPORT_YEAR}",
            Target(
                "reports/invoices by client",
                f"/api/v1/reports/invoices.json?{year}&groupby=client&rows=1000",
                context.api,
            ),
            Target("SQL GROUP BY", f"{REPORT_PATH}?kind=invoices&groupby=client", context.base),
            report_goal,
            same_json=True,
        ),
        Case(
            f"reports/payments.json by month, {REPORT_YEAR}",
            Target(
                "reports/payments by month",
                f"/api/v1/reports/payments.json?{year}&rows=1000",
                context.api,
            ),
            Target("SQL GROUP BY", f"{REPORT_PATH}?kind=payments&groupby=date", context.base),
            report_goal,
            same_json=True,
        ),
        Case(
            f"reports/invoices.json by ledger category, {REPORT_YEAR} (its lines' JSON)",
            Target(
                "reports/invoices by category",
                f"/api/v1/reports/invoices.json?{year}&groupby=category&rows=1000",
                context.api,
            ),
            Target(
                "SQL GROUP BY by month", f"{REPORT_PATH}?kind=invoices&groupby=date", context.base
            ),
            Goal("none: for information", min_ratio=0),
        ),
        Case(
            f"reports/periodicals.json by month, {REPORT_YEAR}",
            Target("reports/periodicals", f"/api/v1/reports/periodicals.json?{year}", context.api),
            context.bare,
            Goal("none: for information", min_ratio=0),
        ),
        Case(
            f"Invoiced and received page, {REPORT_YEAR}",
            Target(
                "invoiced and received",
                f"/reports/invoiced/?period=custom&start={REPORT_YEAR}-01-01&end={REPORT_YEAR}-12-31",
                context.page,
            ),
            context.bare,
            PAGE_GOAL,
            concurrency=1,
        ),
        Case(
            f"Outstanding by client page, {REPORT_YEAR}",
            Target(
                "outstanding by client",
                f"/reports/outstanding/?period=custom&start={REPORT_YEAR}-01-01&end={REPORT_YEAR}-12-31",
                context.page,
            ),
            context.bare,
            PAGE_GOAL,
            concurrency=1,
        ),
        Case(
            "Dashboard: money this month, overdue and oldest debts, recurring due, "
            "hours this week, projects over budget",
            Target("dashboard", "/", context.page),
            context.bare,
            Goal("median under 150 ms", max_median_ms=150),
            concurrency=1,
        ),
    ]
    return (
        [
            Case(
                f"invoices.json?rows=1000, newest first (of {invoices:,}, counted)",
                Target("invoices.json?rows=1000", "/api/v1/invoices.json?rows=1000", context.api),
                Target("SQL + json.dumps", f"{INVOICE_ROWS_PATH}?rows=1000", context.base),
                Goal("within 2× (≥ 0.5×)", min_ratio=0.5),
                same_json=True,
            ),
            Case(
                "invoices.json, 10 rows",
                Target("invoices.json", "/api/v1/invoices.json", context.api),
                context.bare,
                Goal("none: for information", min_ratio=0),
            ),
            Case(
                f"Invoices list with its tab totals ({invoices:,} invoices), one client",
                Target("invoices list", "/invoices/", context.page),
                context.bare,
                PAGE_GOAL,
                concurrency=1,
            ),
            Case(
                f"Invoices list, Overdue tab ({overdue:,} invoices), one client",
                Target("overdue tab", "/invoices/?tab=overdue", context.page),
                context.bare,
                PAGE_GOAL,
                concurrency=1,
            ),
        ]
        + reports
        + time_report_cases(context)
    )
