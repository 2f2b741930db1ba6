"""The reports' pages (/reports/, namespace `reports`): the index, the period picker
and filters every report shares (`report_page`), and the money reports; the time
reports' pages are billing.time_report_views. Each report page draws its chart and
its table from one call to its service in billing.reports (or billing.time_reports),
and downloads exactly that table as CSV (`?download=csv` with the same filters).

Reports need the reports area; reports of money need the invoices area as well."""

from dataclasses import dataclass

from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_safe

from accounts.models import AccountSettings
from config.charts import Series, bar_chart
from config.pages import require_area
from projects import queries as project_queries

from . import reports
from .forms import ReportFiltersForm
from .reports import ReportFilters, csv_filename, csv_response

AREA = "reports"


@dataclass(frozen=True)
class ReportPage:
    """A report on the index: its URL name, what it is called and says, and the areas
    its reader needs besides reports."""

    url_name: str
    title: str
    summary: str
    areas: tuple[str, ...] = ()


# The index lists these in order, each to those with its areas.
REPORT_PAGES: list[ReportPage] = [
    ReportPage(
        "reports:invoiced",
        "Invoiced and received",
        "What you invoiced and what came in, month by month.",
        ("invoices",),
    ),
    ReportPage(
        "reports:outstanding",
        "Outstanding by client",
        "Who owes what on issued invoices, and how much of it is overdue.",
        ("invoices",),
    ),
    ReportPage(
        "reports:recurring",
        "Recurring invoices",
        "What recurring invoices billed each month, and what they bring a month.",
        ("invoices",),
    ),
]


def require_report_areas(request, *areas: str) -> None:
    require_area(request, AREA)
    for area in areas:
        require_area(request, area)


@require_safe
def index(request):
    require_area(request, AREA)
    pages = [
        {"url": reverse(page.url_name), "title": page.title, "summary": page.summary}
        for page in REPORT_PAGES
        if all(request.user.can(area) for area in page.areas)
    ]
    return render(
        request, "billing/reports/index.html", {"reports": pages, "nav_section": "reports"}
    )


def report_filters(
    request, *, default_period: str = "last-12-months"
) -> tuple[ReportFiltersForm, ReportFilters]:
    """The period picker and filters of the query string, and what they mean."""
    form = ReportFiltersForm(request.GET or None, default_period=default_period)
    filters = form.filters()
    if not form.is_bound:
        form = ReportFiltersForm(
            initial={"period": default_period, "start": filters.start, "end": filters.end},
            default_period=default_period,
        )
    return form, filters


def report_page(
    request,
    template: str,
    context: dict,
    *,
    csv_name: str,
    csv_header: list[str],
    csv_rows: list[list],
):
    """A report page: the whole page, the report region alone for htmx (the filters'
    target, `#report`: chart, table and CSV link change together), or its table as
    CSV (`download=csv`)."""
    filters: ReportFilters = context["filters"]
    if request.GET.get("download") == "csv":
        return csv_response(csv_filename(csv_name, filters), csv_header, csv_rows)
    query = request.GET.copy()
    query.pop("download", None)
    query["download"] = "csv"
    context = {
        **context,
        "csv_url": f"{request.path}?{query.urlencode()}",
        "nav_section": "reports",
    }
    if request.htmx and request.htmx.target == "report":
        # The region, with the period's days and any filter error out of band.
        template += "#report"
        context["oob"] = True
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


@require_safe
def client_options(request):
    """The client field's suggestions for what has been typed."""
    require_area(request, AREA)
    typed = request.GET.get("client", "")[:100]
    clients = project_queries.client_suggestions(typed)
    return render(request, "billing/reports/_filters.html#client-options", {"clients": clients})


@require_safe
def project_options(request):
    """The project field's suggestions: projects whose titles hold what has been typed."""
    require_area(request, AREA)
    typed = request.GET.get("project", "").strip()[:100]
    projects = project_queries.projects_matching(search=typed).order_by("-id")[:10] if typed else []
    return render(request, "billing/reports/_filters.html#project-options", {"projects": projects})


# --- the money reports --------------------------------------------------------------

MONEY_AREA = "invoices"
CHART_CLIENTS = 12


def _money_format(symbol: str):
    def format_value(value) -> str:
        sign = "-" if value < 0 else ""
        return f"{sign}{symbol}{abs(value):,.0f}"

    return format_value


def _period_words(filters: ReportFilters) -> str:
    return f"{filters.start:%-d %b %Y} to {filters.end:%-d %b %Y}"


@require_safe
def invoiced(request):
    """Invoiced (issued invoices less credit notes) and received (payments) per month."""
    require_report_areas(request, MONEY_AREA)
    form, filters = report_filters(request)
    invoiced_groups = reports.invoices_report(filters, "date")
    received = {group.key: group.total for group in reports.payments_report(filters, "date")}
    rows = [
        {
            "month": group.label,
            "invoiced": group.total,
            "received": received.get(group.key, reports.ZERO),
        }
        for group in invoiced_groups
    ]
    symbol = AccountSettings.load().currency_symbol
    chart = bar_chart(
        "Invoiced and received per month",
        [row["month"] for row in rows],
        [
            Series("Invoiced", [row["invoiced"] for row in rows], "series-1"),
            Series("Received", [row["received"] for row in rows], "series-2"),
        ],
        description=f"Money invoiced (less credit notes) and received each month, "
        f"{_period_words(filters)}. The figures are in the table below.",
        value_format=_money_format(symbol),
    )
    footer = {
        "invoiced": sum((row["invoiced"] for row in rows), reports.ZERO),
        "received": sum((row["received"] for row in rows), reports.ZERO),
    }
    return report_page(
        request,
        "billing/reports/invoiced.html",
        {"form": form, "filters": filters, "rows": rows, "footer": footer, "chart": chart},
        csv_name="invoiced-and-received",
        csv_header=["Month", "Invoiced", "Received"],
        csv_rows=[
            *([row["month"], row["invoiced"], row["received"]] for row in rows),
            ["Total", footer["invoiced"], footer["received"]],
        ],
    )


@require_safe
def outstanding(request):
    """What each client owes on issued invoices dated in the period, and how much of it
    is overdue; the chart shows the largest."""
    require_report_areas(request, MONEY_AREA)
    form, filters = report_filters(request)
    rows = reports.outstanding_by_client(filters)
    shown = rows[:CHART_CLIENTS]
    symbol = AccountSettings.load().currency_symbol
    more = (
        f" The {CHART_CLIENTS} largest of {len(rows)} are drawn." if len(rows) > len(shown) else ""
    )
    chart = bar_chart(
        "Outstanding and overdue by client",
        [row["name"] for row in shown],
        [
            Series("Outstanding", [row["outstanding"] for row in shown], "series-1"),
            Series("Overdue", [row["overdue"] for row in shown], "series-3"),
        ],
        description=f"What each client owes on invoices dated {_period_words(filters)}, "
        f"and how much of it is overdue.{more} The figures are in the table below.",
        value_format=_money_format(symbol),
    )
    footer = {
        "outstanding": sum((row["outstanding"] for row in rows), reports.ZERO),
        "overdue": sum((row["overdue"] for row in rows), reports.ZERO),
        "invoices": sum(row["invoices"] for row in rows),
    }
    return report_page(
        request,
        "billing/reports/outstanding.html",
        {"form": form, "filters": filters, "rows": rows, "footer": footer, "chart": chart},
        csv_name="outstanding-by-client",
        csv_header=["Client code", "Client", "Invoices", "Outstanding", "Overdue"],
        csv_rows=[
            *(
                [row["code"], row["name"], row["invoices"], row["outstanding"], row["overdue"]]
                for row in rows
            ),
            ["", "Total", footer["invoices"], footer["outstanding"], footer["overdue"]],
        ],
    )


@require_safe
def recurring(request):
    """What recurring invoices billed per month, and what those running bring a month."""
    require_report_areas(request, MONEY_AREA)
    form, filters = report_filters(request)
    groups, stats = reports.periodicals_report(filters, "date")
    rows = [
        {"month": group.label, "invoiced": group.total, "clients": len(group.clients)}
        for group in groups
    ]
    symbol = AccountSettings.load().currency_symbol
    chart = bar_chart(
        "Invoiced by recurring invoices per month",
        [row["month"] for row in rows],
        [Series("Invoiced", [row["invoiced"] for row in rows], "series-1")],
        description=f"What recurring invoices invoiced each month (less credit notes), "
        f"{_period_words(filters)}. The figures are in the table below.",
        value_format=_money_format(symbol),
    )
    return report_page(
        request,
        "billing/reports/recurring.html",
        {
            "form": form,
            "filters": filters,
            "rows": rows,
            "stats": stats,
            "chart": chart,
            "show_project": False,
        },
        csv_name="recurring-invoices",
        csv_header=["Month", "Invoiced", "Clients"],
        csv_rows=[
            *([row["month"], row["invoiced"], row["clients"]] for row in rows),
            ["Total", stats["invoiced"], ""],
        ],
    )
