"""The accountants' exports page (/invoices/exports/): pick a period, the worker builds
its ZIP (billing.exports), the page follows its progress and offers the download.
The ZIP is served here, to its requester with the invoices area, never from a public
media URL."""

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_safe

from config.pages import add_service_errors, require_area

from . import exports
from .forms import ExportForm
from .models import Export

AREA = "invoices"


def _last_month() -> dict:
    first_of_this_month = timezone.localdate().replace(day=1)
    last_of_previous = first_of_this_month - timedelta(days=1)
    return {"date_from": last_of_previous.replace(day=1), "date_to": last_of_previous}


def export_list(request):
    """The period form and the user's recent exports; polled by htmx (the list alone)
    while one is being built."""
    require_area(request, AREA)
    form = ExportForm(request.POST or None, initial=_last_month())
    if request.method == "POST" and form.is_valid():
        try:
            export = exports.request_export(requested_by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                f"The export of {export.date_from:%-d %b %Y} to {export.date_to:%-d %b %Y} "
                "is being built.",
            )
            return redirect("exports:list")
    recent = list(exports.recent_exports(request.user))
    context = {
        "form": form,
        "exports": recent,
        "building": any(export.is_running for export in recent),
        "worker_late": any(exports.waiting_long(export) for export in recent),
        "span_years": exports.SPAN_YEARS,
        "nav_section": "invoices",
        "list_section": "exports",
    }
    template = "billing/export_list.html"
    if request.htmx and request.htmx.target == "exports":
        template += "#exports"
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


@require_safe
def export_download(request, pk: int):
    require_area(request, AREA)
    export = get_object_or_404(Export, pk=pk, requested_by=request.user)
    archive = exports.ready_file(export)
    if archive is None:
        raise Http404
    response = FileResponse(
        archive,
        as_attachment=True,
        filename=exports.download_name(export),
        content_type="application/zip",
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
