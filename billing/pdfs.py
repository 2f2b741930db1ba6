"""The PDFs of invoices, credit notes and proposals (DESIGN §6).

A document's PDF is rendered by the worker (`billing.tasks.render_document_pdf`),
never in a request: saving a document asks for one (`request_pdf`, once the save
commits) and the worker renders it (`render_pdf`) with WeasyPrint from the templates
in templates/billing/pdf/, priced by billing.totals as the pages are. A draft's PDF
carries a DRAFT mark and is rendered again each time the draft changes; an issued
document's is rendered once, as issued, and then kept (`DocumentPdf.final`).

WeasyPrint reads nothing but our own static files and the account's logo
(`fetch_own_files`): a document's text can't make the worker fetch a URL or a file."""

import logging
import mimetypes
import posixpath
import threading
import uuid
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import AccountSettings

from . import facturx
from .models import CreditNote, DocumentPdf, Invoice, Proposal, TaxCode
from .totals import document_layout, item_net, job_net, proposal_totals

logger = logging.getLogger(__name__)

# Each kind of document: its model, its column on DocumentPdf and its template.
KINDS = {
    "invoice": (Invoice, "invoice"),
    "creditnote": (CreditNote, "credit_note"),
    "proposal": (Proposal, "proposal"),
}
MODEL_KINDS = {model: kind for kind, (model, _) in KINDS.items()}
# Relative URLs in the templates resolve here; only our own files answer (below).
BASE_URL = "https://docket.invalid/"
# A rendering asked for but not started after this long was lost with its worker
# (a queue emptied, a machine replaced): asking again queues it again.
LOST_AFTER = timedelta(minutes=10)
REASON_LIMIT = DocumentPdf._meta.get_field("reason").max_length
LOGO_FOLDER = AccountSettings._meta.get_field("logo").upload_to.strip("/")


def kind_of(document) -> str:
    return MODEL_KINDS[type(document)]


def _pdf_of(kind: str, pk: int) -> DocumentPdf | None:
    return DocumentPdf.objects.filter(**{f"{KINDS[kind][1]}_id": pk}).first()


def _known_pdf(document) -> DocumentPdf | None:
    relation = type(document).pdf.related
    if relation.is_cached(document):
        return relation.get_cached_value(document)
    return _pdf_of(kind_of(document), document.pk)


def find_document(kind: str, pk: int):
    """The document `kind` `pk` with its PDF's row (one query), or None."""
    return KINDS[kind][0].objects.select_related("pdf").filter(pk=pk).first()


def is_issued(document) -> bool:
    return not isinstance(document, Proposal) and document.issued_at is not None


# --- asking for a PDF (pages, API, services) ----------------------------------------


def request_pdf(document) -> DocumentPdf:
    """Have the worker render `document`'s PDF once this transaction commits, unless
    a rendering is already waiting or its PDF is final."""
    kind, pk = kind_of(document), document.pk
    now = timezone.now()
    pdf, created = DocumentPdf.objects.get_or_create(
        **{f"{KINDS[kind][1]}_id": pk}, defaults={"requested": now}
    )
    if not created:
        if pdf.final:
            return pdf
        waiting = Q(state=DocumentPdf.State.QUEUED, requested__gt=now - LOST_AFTER)
        # One conditional UPDATE: of two saves at once, one queues the rendering; a
        # rendering under way when the document changed is followed by another.
        asked = (
            DocumentPdf.objects.filter(pk=pdf.pk)
            .exclude(waiting)
            .update(state=DocumentPdf.State.QUEUED, requested=now, reason="")
        )
        if not asked:
            return pdf
        pdf.refresh_from_db()
    from .tasks import render_document_pdf

    transaction.on_commit(lambda: render_document_pdf(kind, pk))
    return pdf


def request_pdf_on_save(sender, instance, **_signal) -> None:
    """A saved document's PDF follows it (connected in BillingConfig.ready)."""
    request_pdf(instance)


def delete_file_of_deleted_pdf(sender, instance, **_signal) -> None:
    """A deleted draft takes its PDF's file with it, once the deletion commits
    (connected in BillingConfig.ready)."""
    if instance.file:
        name = instance.file.name
        transaction.on_commit(lambda: default_storage.delete(name))


def pdf_for_showing(document) -> DocumentPdf:
    """The document's PDF as a page or the API shows it, asking for a rendering when
    there is none (documents written in bulk) or the last one asked for was lost
    with its worker. A document read with select_related("pdf") costs no query."""
    pdf = _known_pdf(document)
    if pdf is None:
        return request_pdf(document)
    lost = pdf.state == DocumentPdf.State.QUEUED and pdf.requested <= timezone.now() - LOST_AFTER
    return request_pdf(document) if lost and not pdf.final else pdf


def pdf_filename(document) -> str:
    """What the file is called when downloaded or attached: "Invoice 171.pdf"."""
    kind = kind_of(document)
    if kind == "proposal":
        return f"Proposal {document.pk}.pdf"
    name = "Invoice" if kind == "invoice" else "Credit note"
    if document.reference:
        return f"{name} {document.reference}.pdf"
    return f"{name} draft {document.pk}.pdf"


def stored_pdf(document):
    """The document's rendered PDF as a file open for reading, or None while there is
    none: the newest rendering kept (a draft being rendered again shows the last)."""
    pdf = _known_pdf(document)
    if pdf is None or not pdf.file:
        return None
    try:
        return default_storage.open(pdf.file.name, "rb")
    except FileNotFoundError:
        logger.warning("The PDF of %s %s is missing from storage", kind_of(document), document.pk)
        return None


# --- rendering (the worker) ----------------------------------------------------------


def render_pdf(kind: str, pk: int) -> DocumentPdf | None:
    """Render the PDF of the document `kind` `pk` as it is now and keep it, unless
    the document is gone, its PDF is final, or it changed while this ran (the
    rendering its change asked for keeps the newer one). Raises what made it fail,
    after recording why on the document's PDF, for huey to retry."""
    model, column = KINDS[kind]
    document = _load(kind, pk)
    if document is None:
        return None
    pdf, _ = DocumentPdf.objects.get_or_create(**{f"{column}_id": pk})
    if pdf.final and pdf.file:
        return pdf
    DocumentPdf.objects.filter(pk=pdf.pk).update(state=DocumentPdf.State.RENDERING)
    version = document.lastupdated
    try:
        content = write_pdf(document_html(document), **e_invoice_options(document))
    except Exception as exc:
        DocumentPdf.objects.filter(pk=pdf.pk, state=DocumentPdf.State.RENDERING).update(
            state=DocumentPdf.State.FAILED, reason=failure_reason(exc)
        )
        raise
    stored = default_storage.save(
        f"documents/{kind}-{pk}-{uuid.uuid4().hex[:12]}.pdf", ContentFile(content)
    )
    with transaction.atomic():
        pdf = DocumentPdf.objects.select_for_update().get(pk=pdf.pk)
        current = model.objects.filter(pk=pk).values_list("lastupdated", flat=True).first()
        if current != version or (pdf.final and pdf.file):
            transaction.on_commit(lambda: default_storage.delete(stored))
            return pdf
        replaced = pdf.file.name
        pdf.file.name = stored
        pdf.shows_version = version
        pdf.final = is_issued(document)
        pdf.rendered = timezone.now()
        pdf.reason = ""
        if pdf.state != DocumentPdf.State.QUEUED:  # else a newer rendering is on its way
            pdf.state = DocumentPdf.State.READY
        pdf.save()
        if replaced:
            transaction.on_commit(lambda: default_storage.delete(replaced))
    return pdf


def e_invoice_options(document) -> dict:
    """An issued invoice or credit note is also a Factur-X e-invoice (billing.facturx):
    PDF/A-3b with its CII XML embedded. Drafts and proposals are plain PDFs."""
    if not is_issued(document):
        return {}
    return facturx.pdf_options(document)


def failure_reason(exc: Exception) -> str:
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return text[:REASON_LIMIT]


def _load(kind: str, pk: int):
    if kind == "invoice":
        found = Invoice.objects.select_related("client_company", "client_contact", "project", "job")
    elif kind == "creditnote":
        found = CreditNote.objects.select_related(
            "invoice", "invoice__client_company", "invoice__client_contact"
        )
    else:
        found = Proposal.objects.select_related("client_company", "client_contact")
    return found.filter(pk=pk).first()


def document_html(document) -> str:
    """The HTML the PDF is rendered from."""
    kind = kind_of(document)
    account = AccountSettings.load()
    context = {"account": account, "doc": document, "draft": False}
    if kind == "proposal":
        # The jobs and items marked not to print are left out of the PDF; the totals
        # stay the proposal's (what the client agrees to), and `printtotal` false
        # leaves out every figure of money (templates/billing/pdf/proposal.html).
        totals = proposal_totals(document.jobs, document.discount)
        context.update(
            kind="Proposal",
            client=document.client,
            jobs=[
                {
                    "job": job,
                    "net": job_net(job),
                    "discounted": Decimal(str(job.get("discount") or 0)) != 0,
                    "items": [
                        (item, item_net(item)) for item in job["items"] if item.get("print", True)
                    ],
                }
                for job in document.jobs
                if job.get("print", True)
            ],
            totals=totals,
            tax_names=_tax_names(share.code for share in totals.taxes),
        )
    else:
        invoice = document if kind == "invoice" else document.invoice
        laid_out = document_layout(document.items, document.discount)
        context.update(
            kind="Invoice" if kind == "invoice" else "Credit note",
            client=invoice.client,
            invoice=invoice,
            document=laid_out,
            tax_names=_tax_names(share.code for share in laid_out["totals"].taxes),
            draft=not is_issued(document),
        )
    return render_to_string(f"billing/pdf/{kind}.html", context)


def _tax_names(codes) -> dict:
    return {tax.code: tax for tax in TaxCode.objects.filter(code__in=list(codes))}


_fonts = None
_fetcher = None


def own_files_fetcher():
    """WeasyPrint's URL fetcher for `read_own_file`, made once and shared, with one
    font configuration. WeasyPrint is imported here, in the worker, not by every web
    process (its import is ~1 s)."""
    global _fonts, _fetcher
    if _fetcher is None:
        from weasyprint.text.fonts import FontConfiguration
        from weasyprint.urls import URLFetcher, URLFetcherResponse

        class OwnFilesFetcher(URLFetcher):
            def fetch(self, url, headers=None):
                content, mime_type = read_own_file(url)
                return URLFetcherResponse(url, content, {"Content-Type": mime_type})

        _fonts, _fetcher = FontConfiguration(), OwnFilesFetcher()
    return _fetcher


# One rendering at a time in a process. The consumer's workers are threads, and two
# WeasyPrint renderings at once on the shared font configuration corrupt Pango's
# memory (GLib: "corrupted double-linked list", seen by `benchmark_pdfs`); nor do
# threads gain anything, WeasyPrint being Python under the GIL (BENCHMARKS.md).
_rendering = threading.Lock()


def write_pdf(html: str, **options) -> bytes:
    """HTML to PDF with WeasyPrint, reading only our own files."""
    from weasyprint import HTML

    with _rendering:
        fetcher = own_files_fetcher()
        document = HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher)
        return document.write_pdf(font_config=_fonts, **options)


class NotOurFile(ValueError):
    pass


def read_own_file(url: str) -> tuple[bytes, str]:
    """What WeasyPrint may read, and its type: our static files and the account's
    logo, by their URL paths. Anything else (another host, file://,
    a path that climbs out) is refused, and WeasyPrint leaves it out of the page."""
    parts = urlsplit(url)
    if f"{parts.scheme}://{parts.netloc}/" != BASE_URL:
        raise NotOurFile(f"not fetched: {url}")
    path = posixpath.normpath(unquote(parts.path))
    static, media = f"/{settings.STATIC_URL.strip('/')}/", f"/{settings.MEDIA_URL.strip('/')}/"
    found = None
    if path.startswith(static):
        found = finders.find(path.removeprefix(static))
        if found is None and settings.STATIC_ROOT:
            found = _inside(Path(settings.STATIC_ROOT), path.removeprefix(static))
    elif path.startswith(f"{media}{LOGO_FOLDER}/"):
        # The logo only: the rest of MEDIA_ROOT is people's uploads and other PDFs.
        found = _inside(
            Path(settings.MEDIA_ROOT) / LOGO_FOLDER, path.removeprefix(f"{media}{LOGO_FOLDER}/")
        )
    if not found:
        raise NotOurFile(f"not fetched: {url}")
    mime_type = mimetypes.guess_type(str(found))[0] or "application/octet-stream"
    return Path(found).read_bytes(), mime_type


def _inside(root: Path, relative: str) -> Path | None:
    candidate = (root / relative).resolve()
    root = root.resolve()
    if root in candidate.parents and candidate.is_file():
        return candidate
    return None
