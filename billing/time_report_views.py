"""The time reports' pages, under /reports/ (namespace `reports`), on the frame of
billing.report_views (period picker, filters, htmx region, CSV):

- Hours (/reports/hours/): a stacked chart of each month's billable and non-billable
  hours, and a table of the hours by person (with utilisation against 37.5 hours a
  week) or by project (`by=project`), most first;
- Profitability (/reports/profitability/): the projects worst first, allocated
  against logged hours and, for a reader with the invoices area, the cost of the time
  against what was invoiced; a chart of the page's first projects.

Both need the reports and timesheets areas (everyone's hours). The tables page by 50;
the CSV is the whole table for the same period, filters and order (every page),
with its total row."""

from decimal import Decimal

from django.views.decorators.http import require_safe

from config.charts import Series, bar_chart
from config.pages import query_int

from . import time_reports
from .report_views import (
    REPORT_PAGES,
    ReportPage,
    report_filters,
    report_page,
    require_report_areas,
)

PAGE_ROWS = 50
CHART_BARS = 12

REPORT_PAGES.extend(
    [
        ReportPage(
            "reports:hours",
            "Hours",
            "Where the time went: by person or project, billable or not, and utilisation.",
            ("timesheets",),
        ),
        ReportPage(
            "reports:profitability",
            "Profitability",
            "Projects worst first: hours allocated and logged, the time's cost and what "
            "was invoiced.",
            ("timesheets",),
        ),
    ]
)


def _hours(value: Decimal) -> str:
    return f"{value:,.2f}"


def _paged(request, count: int) -> dict:
    """The page of a table of `count` rows that the query string asks for (`page`)."""
    pages = max(1, -(-count // PAGE_ROWS))
    number = min(query_int(request, "page", high=10**6) or 1, pages)
    query = request.GET.copy()
    query.pop("download", None)

    def link(page: int) -> str:
        query["page"] = str(page)
        return f"{request.path}?{query.urlencode()}"

    return {
        "number": number,
        "pages": pages,
        "count": count,
        "first": (number - 1) * PAGE_ROWS,
        "last": min(number * PAGE_ROWS, count),
        "previous": link(number - 1) if number > 1 else None,
        "next": link(number + 1) if number < pages else None,
    }


@require_safe
def hours(request):
    require_report_areas(request, "timesheets")
    form, filters = report_filters(request)
    by = "project" if request.GET.get("by") == "project" else "person"
    report = time_reports.hours_by(filters, by)
    months = time_reports.timesheets(filters)
    chart = bar_chart(
        "Hours by month",
        [group.label for group in months.groups],
        [
            Series("Billable", [group.billable for group in months.groups], "series-1"),
            Series("Non-billable", [group.nonbillable for group in months.groups], "series-3"),
        ],
        description=f"Billable and non-billable hours each month: {_hours(months.billable)} "
        f"billable and {_hours(months.nonbillable)} non-billable in all.",
        value_format=_hours,
        stacked=True,
    )
    page = _paged(request, len(report.rows))
    if by == "person":
        header = [
            "Person",
            "Email",
            "Billable hours",
            "Non-billable hours",
            "Total hours",
            "Billable %",
            "Capacity hours",
            "Utilisation %",
        ]
        csv_rows = [
            [
                row.name,
                row.email,
                row.billable,
                row.nonbillable,
                row.total,
                row.billable_share,
                report.capacity,
                row.utilisation,
            ]
            for row in report.rows
        ]
        csv_rows.append(
            [
                "Total",
                "",
                report.billable,
                report.nonbillable,
                report.total,
                report.billable_share,
                report.capacity * len(report.rows) if report.capacity is not None else None,
                report.utilisation,
            ]
        )
    else:
        header = [
            "Project",
            "Title",
            "Client",
            "Billable hours",
            "Non-billable hours",
            "Total hours",
            "Billable %",
        ]
        csv_rows = [
            [
                row.key,
                row.name,
                row.client["name"],
                row.billable,
                row.nonbillable,
                row.total,
                row.billable_share,
            ]
            for row in report.rows
        ]
        csv_rows.append(
            [
                "Total",
                "",
                "",
                report.billable,
                report.nonbillable,
                report.total,
                report.billable_share,
            ]
        )
    query = request.GET.copy()
    for name in ("by", "page", "download"):
        query.pop(name, None)
    return report_page(
        request,
        "billing/reports/hours.html",
        {
            "form": form,
            "filters": filters,
            "by": by,
            "report": report,
            "rows": report.rows[page["first"] : page["last"]],
            "page": page,
            "chart": chart,
            "by_person_url": f"{request.path}?{query.urlencode()}",
            "by_project_url": f"{request.path}?{query.urlencode()}{'&' if query else ''}by=project",
        },
        csv_name=f"hours-by-{by}",
        csv_header=header,
        csv_rows=csv_rows,
    )


@require_safe
def profitability(request):
    require_report_areas(request, "timesheets")
    form, filters = report_filters(request)
    money = request.user.can("invoices")
    if request.GET.get("download") == "csv":
        report, page = time_reports.profitability(filters, money=money), None
    else:
        asked = query_int(request, "page", high=10**6) or 1
        report = time_reports.profitability(
            filters, start=(asked - 1) * PAGE_ROWS, rows=PAGE_ROWS, money=money
        )
        page = _paged(request, report.count)
        if page["number"] != asked:  # past the last page: the last page
            report = time_reports.profitability(
                filters, start=page["first"], rows=PAGE_ROWS, money=money
            )
    shown = report.rows[:CHART_BARS]
    labels = [row["name"][:18] for row in shown]
    if money:
        series = [
            Series("Invoiced", [row["invoiced"] for row in shown], "series-1"),
            Series("Cost of time", [row["cost"] for row in shown], "series-3"),
        ]
        title = "Invoiced against the cost of time"
    else:
        series = [
            Series("Allocated", [row["allocated"] for row in shown], "series-1"),
            Series("Logged", [row["logged"] for row in shown], "series-3"),
        ]
        title = "Hours allocated against hours logged"
    chart = bar_chart(
        title,
        labels,
        series,
        description=f"The {len(shown)} least profitable projects of this page.",
        value_format=_hours,
    )
    header = ["Project", "Title", "Client", "Allocated hours", "Logged hours", "Billable hours"]
    if money:
        header += ["Cost of time", "Invoiced", "Margin"]
    csv_rows = [
        [
            f"P{row['id']}",
            row["name"],
            row["client"]["name"],
            row["allocated"],
            row["logged"],
            row["billable"],
            *([row["cost"], row["invoiced"], row["margin"]] if money else []),
        ]
        for row in report.rows
    ]
    csv_rows.append(
        [
            "Total",
            "",
            "",
            report.allocated,
            report.logged,
            "",
            *([report.cost, report.invoiced, report.margin] if money else []),
        ]
    )
    return report_page(
        request,
        "billing/reports/profitability.html",
        {
            "form": form,
            "filters": filters,
            "report": report,
            "rows": report.rows,
            "page": page,
            "money": money,
            "chart": chart,
        },
        csv_name="profitability",
        csv_header=header,
        csv_rows=csv_rows,
    )
