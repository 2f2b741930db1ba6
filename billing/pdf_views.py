"""A document's PDF on its page (invoices, credit notes, proposals): the panel with
where its rendering stands (polled by htmx while the worker has it), the download,
the preview in a frame of the page, and "Render again" after a failure. The worker
renders (billing.pdfs); these pages only show, serve and ask."""

from datetime import timedelta

from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from config.pages import require_area

from . import pdfs
from .models import DocumentPdf

# Each kind of document: the area that opens it, its page and its PDF's URL names.
PAGES = {
    "invoice": ("invoices", "invoices:detail", "invoices:pdf"),
    "creditnote": ("invoices", "invoices:credit_note", "invoices:credit_note_pdf"),
    "proposal": ("proposals", "proposals:detail", "proposals:pdf"),
}
# Polled this often while the worker has it: a PDF takes a fraction of a second.
POLL_SECONDS = 2
# Queued longer than this, the panel says the worker may not be running.
WORKER_LATE = timedelta(minutes=1)


def panel_context(document) -> dict:
    """What templates/billing/_pdf_panel.html draws for `document` (read with
    select_related("pdf") so the page spends no query on it)."""
    kind = pdfs.kind_of(document)
    _area, _page, pdf_url = PAGES[kind]
    pdf = pdfs.pdf_for_showing(document)
    download = reverse(pdf_url, args=[document.pk])
    waiting = pdf.state in (DocumentPdf.State.QUEUED, DocumentPdf.State.RENDERING)
    return {
        "pdf": pdf,
        "pdf_waiting": waiting,
        "pdf_late": pdf.state == DocumentPdf.State.QUEUED
        and timezone.now() - pdf.requested > WORKER_LATE,
        "pdf_poll": POLL_SECONDS,
        "pdf_urls": {
            "download": download,
            "preview": f"{download}?inline=1",
            "panel": reverse(f"{pdf_url}_panel", args=[document.pk]),
            "render": reverse(f"{pdf_url}_render", args=[document.pk]),
        },
        "pdf_name": pdfs.pdf_filename(document),
    }


def _document(request, kind: str, pk: int):
    require_area(request, PAGES[kind][0])
    document = pdfs.find_document(kind, pk)
    if document is None:
        raise Http404(f"No {kind} {pk}.")
    return document


@xframe_options_sameorigin
def download(request, pk: int, kind: str):
    """The PDF as a download, or (?inline=1) for the page's own preview frame: only
    that answer may be framed, and only by our pages."""
    document = _document(request, kind, pk)
    stored = pdfs.stored_pdf(document)
    if stored is None:
        raise Http404("No PDF yet.")
    inline = request.GET.get("inline") == "1"
    response = FileResponse(
        stored,
        content_type="application/pdf",
        as_attachment=not inline,
        filename=pdfs.pdf_filename(document),
    )
    if inline:
        # The site's policy forbids framing everywhere (config/csp.py); the PDF runs
        # nothing of ours, so its own policy need only allow our pages to frame it.
        response.headers["Content-Security-Policy"] = "frame-ancestors 'self'"
    # A draft's PDF changes with the draft: never shown from a stale cache.
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def panel(request, pk: int, kind: str):
    """The panel alone, polled by the page while the worker has the PDF."""
    document = _document(request, kind, pk)
    response = render(request, "billing/_pdf_panel.html", panel_context(document))
    patch_vary_headers(response, ("HX-Request",))
    return response


@require_POST
def render_again(request, pk: int, kind: str):
    """Ask the worker again after a failed rendering (or a lost one)."""
    document = _document(request, kind, pk)
    pdfs.request_pdf(document)
    if not request.htmx:
        return redirect(PAGES[kind][1], pk=pk)
    document = pdfs.find_document(kind, pk)
    return render(request, "billing/_pdf_panel.html", panel_context(document))
