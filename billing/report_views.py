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

from config.pages import require_area
from projects import queries as project_queries

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
REPORT_PAGES: list[ReportPage] = []


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
