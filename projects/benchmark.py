"""Projects' part of `manage.py benchmark` (registered from ProjectsConfig.ready):
timesheet.json's 1,000 rows against hand-written SQL for the same rows dumped with
json.dumps, and the project page and the weekly grid against a 50 ms median.

The reference view is routed only in the benchmark's URLconf; like crm's, it sits
under /api/ and uses no credential, so the API's authentication and rate limit count
against Docket, not the floor."""

import calendar
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Count
from django.urls import path
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from config.api.listing import MAX_ROWS
from crm.benchmark.load import Case, Goal, Target
from crm.benchmark.reference import dumped_json
from crm.benchmark.registry import CaseContext
from crm.models import Company, Contact

from .models import ActivityType, Job, JobItem, Project, TimeEntry

TIME_ROWS_PATH = "/api/benchmark/timesheet-sql.json"
PAGE_GOAL = Goal("median under 50 ms on SQLite", max_median_ms=50)

# (output column, table alias, column): one SELECT list, read back by name.
TIME_COLUMNS = (
    ("id", "t", "id"),
    ("notes", "t", "notes"),
    ("email", "u", "email"),
    ("name", "u", "name"),
    ("date", "t", "date"),
    ("hours", "t", "hours"),
    ("is_internal", "t", "is_internal"),
    ("activity_type_id", "t", "activity_type_id"),
    ("activity_name", "a", "name"),
    ("added", "t", "added"),
    ("item_id", "t", "item_id"),
    ("item_title", "i", "title"),
    ("job_id", "t", "job_id"),
    ("job_title", "j", "title"),
    ("project_id", "t", "project_id"),
    ("project_title", "p", "title"),
    ("company_id", "p", "client_company_id"),
    ("company_name", "c", "name"),
    ("contact_id", "p", "client_contact_id"),
    ("contact_name", "k", "fullname"),
)


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _time_rows_sql(where: list[str]) -> tuple[str, str]:
    """The page's SELECT (its LIMIT a parameter) and the COUNT for the same filter."""
    quote = connection.ops.quote_name
    columns = ", ".join(f"{alias}.{quote(column)}" for _, alias, column in TIME_COLUMNS)
    condition = f"WHERE {' AND '.join(where)}" if where else ""
    rows = (
        f"SELECT {columns} FROM {_table(TimeEntry)} t "
        f"JOIN {_table(get_user_model())} u ON u.id = t.user_id "
        f"LEFT JOIN {_table(ActivityType)} a ON a.id = t.activity_type_id "
        f"LEFT JOIN {_table(JobItem)} i ON i.id = t.item_id "
        f"LEFT JOIN {_table(Job)} j ON j.id = t.job_id "
        f"JOIN {_table(Project)} p ON p.id = t.project_id "
        f"LEFT JOIN {_table(Company)} c ON c.id = p.client_company_id "
        f"LEFT JOIN {_table(Contact)} k ON k.id = p.client_contact_id "
        f"{condition} ORDER BY t.date, t.id LIMIT %s"
    )
    count = f"SELECT COUNT(*) FROM {_table(TimeEntry)} t {condition}"
    return rows, count


def _day_epoch(value) -> int:
    if isinstance(value, str):
        value = parse_date(value)
    return calendar.timegm(value.timetuple())


def _moment_epoch(value) -> int:
    if isinstance(value, str):
        value = parse_datetime(value)
    if value.tzinfo is None:  # SQLite hands back UTC without saying so
        value = value.replace(tzinfo=UTC)
    return int(value.timestamp())


def _number(value):
    value = Decimal(str(value))
    return int(value) if value == value.to_integral_value() else float(value)


def _titled(pk, title):
    return None if pk is None else {"id": str(pk), "title": title}


def _query_day(request, name: str) -> date | None:
    """`from`/`to` as timesheet.json reads them: epoch seconds, taken as a UTC day."""
    raw = request.GET.get(name)
    if not raw:
        return None
    return datetime.fromtimestamp(int(raw), tz=UTC).date()


def time_rows_sql(request):
    """timesheet.json?rows=N (up to 1000), filtered by `project` and by `from`/`to`
    as the API filters them: the same JSON, in the same order (date, then id),
    straight from a cursor. Like the API, it counts only when the page is full."""
    rows = min(max(int(request.GET.get("rows", 10)), 1), MAX_ROWS)
    where, params = [], []
    if request.GET.get("project"):
        where.append("t.project_id = %s")
        params.append(int(request.GET["project"]))
    for name, operator in (("from", ">="), ("to", "<=")):
        day = _query_day(request, name)
        if day is not None:
            where.append(f"t.date {operator} %s")
            params.append(day)
    rows_sql, count_sql = _time_rows_sql(where)
    with connection.cursor() as cursor:
        cursor.execute(rows_sql, [*params, rows])
        fetched = cursor.fetchall()
        if len(fetched) < rows:
            total = len(fetched)
        else:
            cursor.execute(count_sql, params)
            total = cursor.fetchone()[0]
    names = [name for name, _, _ in TIME_COLUMNS]
    out = []
    for values in fetched:
        record = dict(zip(names, values, strict=True))
        if record["company_id"] is not None:
            client = {"type": "C", "id": str(record["company_id"]), "name": record["company_name"]}
        else:
            client = {"type": "I", "id": str(record["contact_id"]), "name": record["contact_name"]}
        activity = record["activity_type_id"]
        out.append(
            {
                "id": record["id"],
                "notes": record["notes"],
                "user": {"email": record["email"], "name": record["name"]},
                "date": _day_epoch(record["date"]),
                "hours": _number(record["hours"]),
                "isinternal": bool(record["is_internal"]),
                "activitytype": "" if activity is None else str(activity),
                "activitytitle": record["activity_name"] or "",
                "added": _moment_epoch(record["added"]),
                "jobitem": _titled(record["item_id"], record["item_title"]),
                "job": _titled(record["job_id"], record["job_title"]),
                "project": _titled(record["project_id"], record["project_title"]),
                "client": client,
            }
        )
    return dumped_json({"error": False, "rows": out, "total": total})


urlpatterns = [path(TIME_ROWS_PATH.lstrip("/"), time_rows_sql)]


def rows() -> str | None:
    entries = TimeEntry.objects.count()
    if not entries:
        return None
    return (
        f"{Project.objects.count():,} projects, {Job.objects.count():,} jobs, "
        f"{JobItem.objects.count():,} items, {entries:,} time entries"
    )


def busiest_project_id() -> int:
    """The project with the most time logged: the longest filtered list, and a page
    with all its jobs and items."""
    return (
        TimeEntry.objects.values("project_id")
        .annotate(entries=Count("id"))
        .order_by("-entries", "project_id")
        .values_list("project_id", flat=True)
        .first()
    )


def last_full_month(today: date) -> tuple[date, date]:
    last = today.replace(day=1) - timedelta(days=1)
    return last.replace(day=1), last


def busiest_week(today: date):
    """Last week's Monday and the person who logged the most that week: a full week of
    working days in seed_scale's data, where this week may have only begun."""
    monday = today - timedelta(days=today.weekday() + 7)
    user_id = (
        TimeEntry.objects.filter(date__range=(monday, monday + timedelta(days=6)))
        .values("user_id")
        .annotate(entries=Count("id"))
        .order_by("-entries", "user_id")
        .values_list("user_id", flat=True)
        .first()
    )
    if user_id is None:
        raise CommandError(f"Nobody logged time in the week of {monday}: run seed_scale again.")
    return monday, get_user_model().objects.get(pk=user_id)


def _epoch(day: date) -> int:
    return calendar.timegm(day.timetuple())


def cases(context: CaseContext) -> list[Case]:
    project_id = busiest_project_id()
    first, last = last_full_month(timezone.localdate())
    in_project = TimeEntry.objects.filter(project_id=project_id).count()
    in_month = TimeEntry.objects.filter(date__range=(first, last)).count()
    month = f"from={_epoch(first)}&to={_epoch(last)}"
    monday, person = busiest_week(timezone.localdate())
    within_twice = Goal("within 2× (≥ 0.5×)", min_ratio=0.5)
    return [
        Case(
            f"timesheet.json?rows=1000, one project ({in_project:,} entries, all on a page)",
            Target(
                "timesheet.json?project",
                f"/api/v1/timesheet.json?rows=1000&project={project_id}",
                context.api,
            ),
            Target(
                "SQL + json.dumps",
                f"{TIME_ROWS_PATH}?rows=1000&project={project_id}",
                context.base,
            ),
            within_twice,
            same_json=True,
        ),
        Case(
            f"timesheet.json?rows=1000, {first:%B %Y} ({in_month:,} entries, counted)",
            Target(
                "timesheet.json?from&to", f"/api/v1/timesheet.json?rows=1000&{month}", context.api
            ),
            Target("SQL + json.dumps", f"{TIME_ROWS_PATH}?rows=1000&{month}", context.base),
            within_twice,
            same_json=True,
        ),
        Case(
            "Project page, one client",
            Target("project page", f"/projects/{project_id}/", context.page),
            context.bare,
            PAGE_GOAL,
            concurrency=1,
        ),
        Case(
            f"Weekly grid, a full week of {person.name}, one client",
            Target(
                "weekly grid", f"/timesheet/?week={monday.isoformat()}", context.sign_in(person)
            ),
            context.bare,
            PAGE_GOAL,
            concurrency=1,
        ),
    ]
