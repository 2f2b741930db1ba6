"""The timesheet pages: the signed-in person's weekly grid (a cell per row and day,
saved as typed), their running timer, and the entries list managers filter.

Every change goes through projects.timesheet, as the API's do."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import NamedTuple

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_tables2 import RequestConfig

from config.errors import render as render_error
from config.pages import htmx_events, refusal_text

from . import queries, timesheet
from .models import TimeEntry
from .tables import TimeEntryTable
from .timesheet import Target

# Rows a week may carry in its URL (added rows not yet holding time).
ADDED_ROWS_MAX = 30
ENTRIES_PAGE_SIZE = 50


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _week_start(request) -> date:
    raw = (request.GET.get("week") or request.POST.get("week") or "")[:10]
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        day = None
    return _monday(day if day and timesheet.in_range(day) else timezone.localdate())


def _codes(raw: str) -> list[str]:
    """The `rows` parameter: added rows' codes (J3,T8), each checked later."""
    codes = []
    for part in raw.split(",")[:ADDED_ROWS_MAX]:
        code = part.strip().upper()[:21]
        if code and code not in codes:
            codes.append(code)
    return codes


class GridDay(NamedTuple):
    """A day as its cells write it, formatted once for the week rather than in each
    of its couple of hundred cells (where the formatting was a fifth of the page)."""

    day: date
    iso: str
    label: str  # "Monday 23 November": the cells' accessible names


def _grid_day(day: date) -> GridDay:
    return GridDay(day, day.isoformat(), date_format(day, "l j F"))


@dataclass
class GridRow:
    target: Target
    titles: list[str]
    # (day, hours or None) for Monday to Sunday.
    cells: list[tuple[GridDay, Decimal | None]] = field(default_factory=list)

    @property
    def code(self) -> str:
        return self.target.code

    @property
    def total(self) -> Decimal:
        return sum((hours for _, hours in self.cells if hours), Decimal(0))

    @property
    def label(self) -> str:
        return " › ".join(self.titles)


def _key(target: Target) -> tuple:
    return (target.project_id, target.job_id, target.item_id, target.action_id)


def _week_context(request, monday: date, *, extra: list[str], copy_last_week=False) -> dict:
    user = request.user
    days = [monday + timedelta(days=offset) for offset in range(7)]
    hours_by: dict[tuple, list] = {}
    order: list[tuple] = []

    def row_for(key: tuple) -> list:
        if key not in hours_by:
            hours_by[key] = [None] * 7
            order.append(key)
        return hours_by[key]

    for day, hours, *target in queries.week_hours(user, days[0], days[-1]):
        cells = row_for(tuple(target))
        index = (day - monday).days
        cells[index] = (cells[index] or Decimal(0)) + hours
    if copy_last_week:
        last_week = queries.week_hours(user, monday - timedelta(days=7), monday - timedelta(days=1))
        for _day, _hours, *target in last_week:
            row_for(tuple(target))
    added, refused = [], []
    for code in extra:
        try:
            target = timesheet.resolve_target(code)
        except ValidationError:
            refused.append(code)
            continue
        if not timesheet.works_on(user, target):
            refused.append(code)
            continue
        row_for(_key(target))
        added.append(target.code)
    titles = queries.target_titles(order)
    grid_days = [_grid_day(day) for day in days]
    rows = [
        GridRow(Target(*key), titles[key], list(zip(grid_days, hours_by[key], strict=True)))
        for key in order
    ]
    rows.sort(key=lambda row: [title.casefold() for title in row.titles])
    day_totals = [
        sum((hours_by[key][index] or Decimal(0) for key in order), Decimal(0)) for index in range(7)
    ]
    timer = timesheet.running_timer(user)
    timer_titles = (
        queries.target_titles([_key(Target.of(timer))])[_key(Target.of(timer))] if timer else []
    )
    return {
        "monday": monday,
        "days": days,
        "today": timezone.localdate(),
        "rows": rows,
        "day_totals": day_totals,
        "week_total": sum(day_totals, Decimal(0)),
        "previous_week": monday - timedelta(days=7),
        "next_week": monday + timedelta(days=7),
        "cell_url": reverse("timesheet:cell"),
        "added_rows": ",".join(added),
        "refused_rows": refused,
        "timer": timer,
        "timer_titles": timer_titles,
        "timer_elapsed": int((timezone.now() - timer.started).total_seconds()) if timer else 0,
        "nav_section": "timesheet",
    }


def week(request):
    """The signed-in person's week: rows from this week's entries, rows they added
    (`rows`, in the URL so a reload keeps them) and, on request, last week's rows."""
    monday = _week_start(request)
    context = _week_context(
        request,
        monday,
        extra=_codes(request.GET.get("rows", "")),
        copy_last_week=request.GET.get("copy") == "1",
    )
    template = "projects/timesheet_week.html"
    if request.htmx and request.htmx.target == "week":
        template += "#week"
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


def _cell_context(request, target: Target, day: date, value, error: str = "") -> dict:
    monday = _monday(day)
    entries = TimeEntry.objects.filter(user=request.user)
    row_total = sum(
        entries.filter(
            date__range=(monday, monday + timedelta(days=6)), **target.columns()
        ).values_list("hours", flat=True),
        Decimal(0),
    )
    day_total = timesheet.logged_on(request.user, day)
    week_total = sum(
        entries.filter(date__range=(monday, monday + timedelta(days=6))).values_list(
            "hours", flat=True
        ),
        Decimal(0),
    )
    key = _key(target)
    label = " › ".join(queries.target_titles([key])[key])
    return {
        "row": {"code": target.code, "total": row_total, "label": label},
        "day": _grid_day(day),
        "cell_url": reverse("timesheet:cell"),
        "index": (day - monday).days,
        "value": value,
        "error": error,
        "day_total": day_total,
        "week_total": week_total,
        "monday": monday,
        "oob": True,
    }


@require_POST
def save_cell(request):
    """One cell typed in: the day's hours on that row become what it says."""
    code = request.POST.get("target", "")[:21]
    try:
        day = date.fromisoformat(request.POST.get("day", "")[:10])
        target = timesheet.resolve_target(code)
        if not timesheet.in_range(day):
            raise ValueError
    except (ValueError, ValidationError):
        return HttpResponse("That cell no longer matches a row; reload the page.", status=400)
    typed = request.POST.get("hours", "")[:20]
    try:
        total = timesheet.set_day_total(
            actor=request.user, user=request.user, target=code, day=day, hours=typed
        )
    except PermissionDenied as exc:
        return HttpResponse(str(exc), status=403)
    except ValidationError as exc:
        message = "; ".join(
            render_error(error, "hours") for errors in exc.error_dict.values() for error in errors
        )
        context = _cell_context(request, target, day, typed, message[:1].upper() + message[1:])
        return render(request, "projects/timesheet_week.html#cell", context)
    context = _cell_context(request, target, day, total or None)
    return render(request, "projects/timesheet_week.html#cell", context)


def add_row_options(request):
    """What "add a row" offers for the text typed: open projects, jobs and items."""
    typed = " ".join(request.GET.get("find", "").replace("\x00", "").split())[:100]
    user = request.user
    job_ids = queries.jobs_in_reach(user)
    context = {
        "options": queries.open_targets_matching(typed, job_ids=job_ids),
        "typed": typed,
        "monday": _week_start(request),
        "added_rows": request.GET.get("rows", "")[:400],
    }
    return render(request, "projects/timesheet_week.html#row-options", context)


def _timer_answer(request, *, message: str = "", error: str = ""):
    # An item's ▶ on the project or job page names the page to go back to (`next`).
    back_to = request.POST.get("next", "")
    if back_to and url_has_allowed_host_and_scheme(
        back_to, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        if error:
            messages.error(request, error)
        elif message:
            messages.success(request, message)
        return redirect(back_to)
    monday = _week_start(request)
    context = _week_context(request, monday, extra=_codes(request.POST.get("rows", "")))
    context["timer_error"] = error
    response = render(request, "projects/timesheet_week.html#week", context)
    if message:
        htmx_events(response, showMessage={"level": "success", "text": message})
    return response


@require_POST
def timer_start(request):
    try:
        _timer, stopped = timesheet.start_timer(
            user=request.user, target=request.POST.get("target", "")[:21]
        )
    except PermissionDenied as exc:
        return _timer_answer(request, error=str(exc))
    except ValidationError as exc:
        return _timer_answer(request, error=refusal_text(exc))
    message = ""
    if stopped is not None:
        message = f"The running timer was stopped and {stopped.entry.hours} hours logged."
    return _timer_answer(request, message=message)


CAPPED = {
    "midnight": " It ran past midnight: a timer counts on the day it was started, up to midnight.",
    "day_full": " That filled the day to 24 hours.",
}


@require_POST
def timer_stop(request):
    try:
        stopped = timesheet.stop_timer(user=request.user)
    except ValidationError as exc:
        return _timer_answer(request, error=refusal_text(exc))
    entry = stopped.entry
    message = f"{entry.hours} hours logged on {entry.date:%-d %b}." + CAPPED.get(stopped.capped, "")
    return _timer_answer(request, message=message)


@require_POST
def timer_discard(request):
    timesheet.discard_timer(user=request.user)
    return _timer_answer(request, message="The timer was discarded; nothing was logged.")


# --- entries ------------------------------------------------------------------------


def _entry_filters(request, sees_everyone: bool) -> dict:
    def day(name):
        try:
            return date.fromisoformat(request.GET.get(name, "")[:10])
        except ValueError:
            return None

    person = request.GET.get("user", "").strip()[:254] if sees_everyone else ""
    return {
        "user": person,
        "project": " ".join(request.GET.get("project", "").replace("\x00", "").split())[:100],
        "from": day("from"),
        "to": day("to"),
    }


def entries(request):
    """Time entries with filters: everyone's for people with the timesheets area,
    otherwise the person's own."""
    sees_everyone = timesheet.sees_everyones_time(request.user)
    filters = _entry_filters(request, sees_everyone)
    matching = queries.time_entries_matching(
        timesheet.visible_entries(request.user),
        user_email=filters["user"],
        date_from=filters["from"],
        date_to=filters["to"],
    )
    if filters["project"]:
        matching = matching.filter(project__title__icontains=filters["project"])
    table = TimeEntryTable(
        queries.time_entries_for_list(matching), order_by=request.GET.get("sort") or None
    )
    RequestConfig(request, paginate={"per_page": ENTRIES_PAGE_SIZE}).configure(table)
    context = {
        "table": table,
        "filters": filters,
        "sees_everyone": sees_everyone,
        "people_emails": _people_emails() if sees_everyone else [],
        "nav_section": "timesheet",
        "week_url": reverse("timesheet:week"),
    }
    template = "projects/timesheet_entries.html"
    if request.htmx and request.htmx.target == "entries":
        template += "#entries-table"
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


def _people_emails() -> list[tuple[str, str]]:
    users = get_user_model().objects.filter(is_active=True).order_by("name", "email")
    return list(users.values_list("email", "name"))
