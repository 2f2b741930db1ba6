"""Billing's part of `manage.py benchmark` (registered from BillingConfig.ready):
invoices.json's 1,000 rows against hand-written SQL for the same rows dumped with
json.dumps, the 10-row list against the bare JsonResponse, and the invoices list page
with its tab totals (and its Overdue tab) against a 50 ms median.

The reference view is routed only in the benchmark's URLconf; like crm's, it sits
under /api/ and uses no credential, so the API's authentication and rate limit count
against Docket, not the floor."""

import json
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import connection
from django.http import HttpResponse
from django.urls import path
from django.utils import timezone

from config.api.listing import MAX_ROWS
from crm.benchmark.load import Case, Goal, Target
from crm.benchmark.registry import CaseContext
from crm.models import Company, Contact
from projects.models import Job, Project

from .models import CreditNote, Invoice, Payment
from .queries import invoices_overdue_on

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
    body = json.dumps({"error": False, "rows": out, "total": total}, ensure_ascii=False)
    return HttpResponse(body.encode(), content_type="application/json; charset=utf-8")


urlpatterns = [path(INVOICE_ROWS_PATH.lstrip("/"), invoice_rows_reference)]


def rows() -> str | None:
    invoices = Invoice.objects.count()
    if not invoices:
        return None
    return (
        f"{invoices:,} invoices, {Payment.objects.count():,} payments, "
        f"{CreditNote.objects.count():,} credit notes"
    )


def cases(context: CaseContext) -> list[Case]:
    invoices = Invoice.objects.count()
    overdue = invoices_overdue_on(timezone.now()).count()
    return [
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
        Case(
            "Dashboard: money this month, overdue and oldest debts, recurring due, "
            "hours this week, projects over budget",
            Target("dashboard", "/", context.page),
            context.bare,
            Goal("median under 150 ms", max_median_ms=150),
            concurrency=1,
        ),
    ]
