"""What the benchmark measures Docket against, served only by its own gunicorn:

* a bare JsonResponse: the cost of Django and the middleware, no database;
* django-ninja alone answering a 20-item list (no credential, no database): what the
  API framework costs on this machine before Docket does anything, the measure the
  speed goals were set against;
* contacts.json's rows written by hand: one SQL query (and the count) dumped with
  json.dumps, the floor for the API's list;
* the Django admin's changelists at the lists' page size (the admin shows 100 rows
  a page otherwise).

Both views sit under /api/, which needs no session; they use no credential either,
so the API's authentication and rate limit count against Docket, not the floor."""

import json
from datetime import UTC
from decimal import Decimal

from django.conf import settings
from django.contrib import admin
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.utils.dateparse import parse_datetime
from ninja import NinjaAPI

from crm.admin import CompanyAdmin, ContactAdmin
from crm.models import AddressFields, Company, Contact
from crm.views import LIST_PAGE_SIZE

MAX_ROWS = 1000


def dumped_json(body: dict) -> HttpResponse:
    """A hand-written reference's answer: `body` written by json.dumps, with the API's
    separators, so its bytes can be compared with the API's."""
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    return HttpResponse(text.encode(), content_type="application/json; charset=utf-8")


def bare_json(request):
    return JsonResponse({"error": False, "rows": [], "total": 0})


# Its own NinjaAPI, with none of Docket's: no authentication, rate limit, schema pages
# or error handlers.
ninja_alone = NinjaAPI(
    title="Benchmark reference", urls_namespace="benchmark_ninja", docs_url=None, openapi_url=None
)
NINJA_LIST = [{"id": number, "name": f"Item {number}"} for number in range(1, 21)]


@ninja_alone.get("/list")
def ninja_list(request):
    return NINJA_LIST


CONTACT_COLUMNS = (
    "id",
    "title",
    "firstname",
    "lastname",
    "othernames",
    "fullname",
    "email",
    "telephone",
    "added",
    "image",
    "lastupdated",
    "accountsdata",
    "customfields",
    "creditlimit",
    "company_id",
    "position",
    "address_id",
    *AddressFields.ADDRESS_KEYS,
)


def _contact_rows_sql() -> str:
    contacts = connection.ops.quote_name(Contact._meta.db_table)
    companies = connection.ops.quote_name(Company._meta.db_table)
    columns = ", ".join(f"p.{connection.ops.quote_name(name)}" for name in CONTACT_COLUMNS)
    return (
        f"SELECT {columns}, c.name FROM {contacts} p "
        f"LEFT JOIN {companies} c ON c.id = p.company_id "
        "ORDER BY p.search_name, p.id LIMIT %s"
    )


def _epoch(value) -> int:
    if value is None:
        return 0
    if isinstance(value, str):
        value = parse_datetime(value)
    if value.tzinfo is None:  # SQLite hands back UTC without saying so
        value = value.replace(tzinfo=UTC)
    return int(value.timestamp())


def _json_column(value):
    return json.loads(value) if isinstance(value, str) else value


def _number(value):
    if value is None:
        return None
    value = Decimal(str(value))
    return int(value) if value == value.to_integral_value() else float(value)


def contact_rows_sql(request):
    """contacts.json?rows=N (N up to 1000, the API's most): the same JSON, in the
    same order, straight from a cursor."""
    rows = min(max(int(request.GET.get("rows", 10)), 1), MAX_ROWS)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(Contact._meta.db_table)}")
        total = cursor.fetchone()[0]
        cursor.execute(_contact_rows_sql(), [rows])
        fetched = cursor.fetchall()
    media = request.build_absolute_uri(settings.MEDIA_URL)
    out = []
    for values in fetched:
        record = dict(zip(CONTACT_COLUMNS, values[:-1], strict=True))
        row = {
            "id": record["id"],
            "title": record["title"],
            "firstname": record["firstname"],
            "lastname": record["lastname"],
            "othernames": record["othernames"],
            "fullname": record["fullname"],
            "email": record["email"],
            "telephone": record["telephone"],
            "added": _epoch(record["added"]),
            "image": media + record["image"] if record["image"] else "",
            "lastupdated": str(_epoch(record["lastupdated"])),
            "accountsdata": _json_column(record["accountsdata"]),
            "customfields": [
                {pair["title"]: pair["value"]} for pair in _json_column(record["customfields"])
            ],
            "creditlimit": _number(record["creditlimit"]),
        }
        if record["company_id"]:
            row["company"] = {
                "id": record["company_id"],
                "name": values[-1],
                "position": record["position"],
            }
        row["address"] = {
            "id": record["address_id"],
            **{key: record[key] for key in AddressFields.ADDRESS_KEYS},
        }
        out.append(row)
    return dumped_json({"error": False, "rows": out, "total": total})


class SamePageContactAdmin(ContactAdmin):
    list_per_page = LIST_PAGE_SIZE


class SamePageCompanyAdmin(CompanyAdmin):
    list_per_page = LIST_PAGE_SIZE


same_page_admin = admin.AdminSite(name="benchmark_admin")
same_page_admin.register(Contact, SamePageContactAdmin)
same_page_admin.register(Company, SamePageCompanyAdmin)
