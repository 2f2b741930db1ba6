"""The owner's morning page: billing's panels on the dashboard (registered from
BillingConfig.ready through config.pages.register_dashboard_panel). Reads only, and
every figure comes from the service its report or list uses, so the dashboard, the
report behind it and the API agree to the cent:

* invoiced and received this month against last month: `reports.invoices_report` and
  `reports.payments_report` by month;
* what is overdue: the invoices list's Overdue tab (`queries.list_tab_totals`,
  remembered until billing's data changes), and its oldest debts
  (`queries.invoices_overdue_on`);
* recurring invoices the worker makes in the next days (`periodicals.upcoming`);
* hours this week by person: `time_reports.hours_by`.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Q

from . import queries, reports, time_reports
from .models import Periodical
from .periodicals import upcoming

OLDEST_DEBTS = 5
RECURRING_DAYS = 7
RECURRING_SHOWN = 8
PEOPLE_SHOWN = 8


def _change(now: Decimal, before: Decimal) -> Decimal | None:
    """Percent change from `before` to `now`; None when there was nothing before."""
    if not before:
        return None
    return ((now - before) * 100 / abs(before)).quantize(Decimal("1"))


def month_figures(today: date) -> dict:
    """Invoiced (less credit notes) and received this month so far and all last month:
    what the Invoiced and received report shows for those months."""
    this_month = today.replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    this_period = reports.ReportFilters(start=this_month, end=today)
    last_period = reports.ReportFilters(start=last_month, end=this_month - timedelta(days=1))
    figures = {"this_month": this_month, "last_month": last_month}
    for name, total in (("invoiced", reports.invoiced_total), ("received", reports.received_total)):
        now, before = total(this_period), total(last_period)
        figures[name] = {"this_month": now, "last_month": before, "change": _change(now, before)}
    return figures


def overdue_figures(now: datetime) -> dict:
    """The Overdue tab's count and money, and the oldest debts, longest overdue first."""
    overdue = queries.list_tab_totals(queries.invoices_for_pages(now=now), now=now)["overdue"]
    oldest = list(
        queries.invoices_overdue_on(now)
        .select_related("client_company", "client_contact")
        .order_by("due", "pk")[:OLDEST_DEBTS]
    )
    for invoice in oldest:
        invoice.days_overdue = (now - invoice.due).days
    return {"count": overdue["count"], "amount": overdue["amount"], "oldest": oldest}


@dataclass
class DueRecurring:
    day: date
    periodical: Periodical


def recurring_due(today: date, *, days: int = RECURRING_DAYS) -> tuple[list[DueRecurring], int]:
    """Recurring invoices the worker makes from today to `days` ahead (any already
    due first), soonest first: the first RECURRING_SHOWN and how many in all. Only
    those running in the window are read, each with its last period made."""
    horizon = today + timedelta(days=days)
    running = queries.with_runs(
        Periodical.objects.filter(first__lte=horizon)
        .filter(Q(last__isnull=True) | Q(last__gte=today))
        .select_related("client_company", "client_contact")
    )
    due = []
    for periodical in running:
        dates = upcoming(periodical, 1, last_made=periodical.last_made)
        if dates and dates[0] <= horizon:
            due.append(DueRecurring(dates[0], periodical))
    due.sort(key=lambda one: (one.day, one.periodical.title.lower(), one.periodical.pk))
    return due[:RECURRING_SHOWN], len(due)


def money_panel(today: date, now: datetime) -> dict:
    shown, count = recurring_due(today)
    money = month_figures(today)
    return {
        "money": money,
        "money_cards": [
            ("invoiced", "Invoiced", money["invoiced"]),
            ("received", "Received", money["received"]),
        ],
        "overdue": overdue_figures(now),
        "recurring_due": shown,
        "recurring_due_count": count,
        "recurring_days": RECURRING_DAYS,
    }


def week_of(today: date) -> tuple[date, date]:
    monday = today - timedelta(days=today.weekday())
    return monday, monday + timedelta(days=6)


def team_week_panel(today: date) -> dict:
    """Hours logged this week (Monday to Sunday) by each person, billable and not."""
    monday, sunday = week_of(today)
    report = time_reports.hours_by(reports.ReportFilters(start=monday, end=sunday), "person")
    return {
        "team_week": report,
        "team_week_rows": report.rows[:PEOPLE_SHOWN],
        "team_week_start": monday,
        "team_week_end": sunday,
    }
