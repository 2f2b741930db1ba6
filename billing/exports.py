"""Accountants' exports (issue 12): a ZIP of every issued invoice's and credit note's
PDF dated in a period, with a CSV of their money, one row per document.

A page asks for one (`request_export`); the worker builds it (`build_export`,
`billing.tasks.build_export`), keeping `done` of `total` up to date for the page's
progress bar. The ZIP is written to disk as it goes (a PDF at a time, the CSV's rows
spooled to a temporary file), so a year of invoices never sits in memory, and lands
under its final name only when complete.

The CSV is what an accountant posts to a sales ledger:

- one row per document, in date order, invoices and credit notes interleaved;
- a credit note's money is negative (its type says "Credit note" too), so summing a
  column gives the period's sales net of credits, as a VAT return wants; its
  "Credits invoice" names the invoice it reduces, and it has no paid or balance;
- Net, Tax and Gross are the document's stored totals; beside them, for each tax code
  and rate used in the period, the net taxed at it and its tax, as billing.totals
  prices the document (after its discount, to the cent, the figures its PDF shows),
  so a zero-rated sale has a column too;
- Paid and Balance are `billing.queries.with_balance` on the day the export is built
  (the balance is after payments and issued credit notes);
- numbers are plain (1234.50, no symbol or separators); text cells that a
  spreadsheet would run as a formula get a leading apostrophe (crm's `safe_cell`)."""

import csv
import heapq
import io
import json
import logging
import os
import re
import secrets
import tempfile
import time
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as day_start
from decimal import Decimal
from pathlib import Path
from shutil import copyfileobj

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from config.errors import field_message
from crm.importing import safe_cell

from . import pdfs
from .models import CreditNote, Export, Invoice
from .queries import with_balance
from .totals import document_totals

logger = logging.getLogger(__name__)

# The longest period one export covers: five years of documents is what an
# accountant asks for at most (statutory retention), and bounds one build's work.
SPAN_YEARS = 5
# Dates a period may name: anything else is a typo (year 20024).
EARLIEST = date(1900, 1, 1)
LATEST = date(2999, 12, 31)
# Each user's exports kept: asking for another deletes the oldest past this.
KEPT_PER_USER = 10
# Exports one user may have waiting or building at once.
RUNNING_PER_USER = 3
# An export waiting or building that nobody touched for this long was lost with its
# worker (a queue emptied, a machine replaced); it no longer counts as running.
LOST_AFTER = timedelta(hours=1)
# How often the worker writes its progress: often enough for a smooth bar, not a
# write per document.
PROGRESS_EVERY = 0.5  # seconds
REASON_LIMIT = Export._meta.get_field("reason").max_length
FIXED_COLUMNS_BEFORE = ("Type", "Reference", "Date", "Client", "Net")
FIXED_COLUMNS_AFTER = ("Tax", "Gross", "Paid", "Balance", "Credits invoice")
INVOICE, CREDIT_NOTE = "Invoice", "Credit note"
# What a ZIP entry's name may not hold: folders, drive letters, control characters.
UNSAFE_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


# --- asking for an export (pages) ----------------------------------------------------


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February into a year without one
        return day.replace(year=day.year + years, day=28) + timedelta(days=1)


def check_period(date_from: date | None, date_to: date | None) -> None:
    """Refuses a period that is out of order, too long or beyond sane dates, naming
    the field and the limit."""
    errors = {}
    for name, day in (("date_from", date_from), ("date_to", date_to)):
        if day is None:
            errors[name] = field_message(name, "%(field)s is required.", "required")
        elif not EARLIEST <= day <= LATEST:
            errors[name] = field_message(
                name,
                "%(field)s must be between %(earliest)s and %(latest)s.",
                "out_of_range",
                earliest=EARLIEST.isoformat(),
                latest=LATEST.isoformat(),
            )
    if not errors and date_from > date_to:
        errors["date_to"] = field_message(
            "date_to", "%(field)s must be on or after the start of the period.", "before_start"
        )
    elif not errors and date_to >= _years_after(date_from, SPAN_YEARS):
        errors["date_to"] = field_message(
            "date_to",
            "An export covers at most %(years)s years: %(field)s must be before %(limit)s.",
            "too_long",
            years=SPAN_YEARS,
            limit=_years_after(date_from, SPAN_YEARS).isoformat(),
        )
    if errors:
        raise ValidationError(errors)


def request_export(*, requested_by, date_from: date, date_to: date) -> Export:
    """An export of the period for the worker to build once this commits. The user's
    oldest exports past the last `KEPT_PER_USER` go, files and all."""
    from .tasks import build_export as build_export_task

    check_period(date_from, date_to)
    with transaction.atomic():
        running = Export.objects.filter(
            requested_by=requested_by,
            state__in=(Export.State.QUEUED, Export.State.BUILDING),
            touched__gt=timezone.now() - LOST_AFTER,
        ).count()
        if running >= RUNNING_PER_USER:
            raise ValidationError(
                "You have %(count)s exports being built: wait for one to finish first.",
                code="too_many_running",
                params={"count": running},
            )
        export = Export.objects.create(
            requested_by=requested_by, date_from=date_from, date_to=date_to
        )
        _forget_old_exports(requested_by)
        transaction.on_commit(lambda: build_export_task(export.pk))
    return export


def _forget_old_exports(user) -> None:
    old = Export.objects.filter(requested_by=user).exclude(pk__in=recent_exports(user).values("pk"))
    files = [name for name in old.values_list("file", flat=True) if name]
    old.delete()
    transaction.on_commit(lambda: [default_storage.delete(name) for name in files])


def recent_exports(user) -> QuerySet:
    return Export.objects.filter(requested_by=user).order_by("-created", "-id")[:KEPT_PER_USER]


def waiting_long(export: Export) -> bool:
    """Whether a queued export has waited over a minute for the worker to start."""
    return export.state == Export.State.QUEUED and export.touched < timezone.now() - timedelta(
        minutes=1
    )


def download_name(export: Export) -> str:
    return f"Docket export {export.date_from.isoformat()} to {export.date_to.isoformat()}.zip"


def csv_name(export: Export) -> str:
    return f"Docket export {export.date_from.isoformat()} to {export.date_to.isoformat()}.csv"


def ready_file(export: Export):
    """The export's ZIP open for reading, or None unless it is ready and on disk."""
    if export.state != Export.State.READY or not export.file:
        return None
    try:
        return default_storage.open(export.file.name, "rb")
    except FileNotFoundError:
        logger.warning("The ZIP of export %s is missing from storage", export.pk)
        return None


# --- the documents of a period ------------------------------------------------------


def _bounds(date_from: date, date_to: date) -> tuple[datetime, datetime]:
    """The period's days in the account's time zone, as the pages show dates."""
    start = timezone.make_aware(datetime.combine(date_from, day_start.min))
    end = timezone.make_aware(datetime.combine(date_to + timedelta(days=1), day_start.min))
    return start, end


def issued_invoices(date_from: date, date_to: date) -> QuerySet:
    start, end = _bounds(date_from, date_to)
    return with_balance(
        Invoice.objects.filter(issued_at__isnull=False, date__gte=start, date__lt=end)
    ).select_related("client_company", "client_contact")


def issued_credit_notes(date_from: date, date_to: date) -> QuerySet:
    start, end = _bounds(date_from, date_to)
    return CreditNote.objects.filter(
        issued_at__isnull=False, date__gte=start, date__lt=end
    ).select_related("invoice", "invoice__client_company", "invoice__client_contact")


def documents_in_period(date_from: date, date_to: date):
    """Every issued invoice and credit note dated in the period, by date (then
    invoices before credit notes, then by id), read in chunks."""
    invoices = issued_invoices(date_from, date_to).order_by("date", "id")
    notes = issued_credit_notes(date_from, date_to).order_by("date", "id")
    return heapq.merge(
        invoices.iterator(chunk_size=500),
        notes.iterator(chunk_size=500),
        key=lambda document: (document.date, isinstance(document, CreditNote), document.pk),
    )


def count_in_period(date_from: date, date_to: date) -> int:
    start, end = _bounds(date_from, date_to)
    return (
        Invoice.objects.filter(issued_at__isnull=False, date__gte=start, date__lt=end).count()
        + CreditNote.objects.filter(issued_at__isnull=False, date__gte=start, date__lt=end).count()
    )


# --- one document's row --------------------------------------------------------------


@dataclass(frozen=True)
class TaxColumn:
    code: str
    rate: Decimal

    @property
    def percent(self) -> str:
        return f"{(self.rate * 100).normalize():f}%"

    def headings(self) -> tuple[str, str]:
        return f"Net {self.code} at {self.percent}", f"Tax {self.code} at {self.percent}"


def document_row(document) -> dict:
    """The CSV's figures for one issued invoice (annotated by `with_balance`) or
    credit note, before its tax columns are laid out: money as text to the cent."""
    is_note = isinstance(document, CreditNote)
    invoice = document.invoice if is_note else document
    totals = document_totals(document.items, document.discount)
    sign = -1 if is_note else 1

    def money(amount) -> str:
        return f"{sign * Decimal(amount):.2f}"

    return {
        "type": CREDIT_NOTE if is_note else INVOICE,
        "reference": document.reference,
        "date": timezone.localtime(document.date).date().isoformat(),
        "client": str(invoice.client),
        "net": money(document.total),
        "taxes": [
            [share.code, str(share.rate), money(share.net), money(share.tax)]
            for share in totals.taxes
        ],
        "tax": money(document.tax),
        "gross": money(document.grandtotal),
        "paid": "" if is_note else f"{document.amountpaid:.2f}",
        "balance": "" if is_note else f"{document.balance:.2f}",
        "credits": invoice.reference if is_note else "",
    }


def csv_lines(rows, columns: list[TaxColumn]):
    """The CSV's lines, header first, with a byte order mark so Excel reads UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        value = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate(0)
        return value

    writer.writerow(
        [
            *FIXED_COLUMNS_BEFORE,
            *(heading for column in columns for heading in column.headings()),
            *FIXED_COLUMNS_AFTER,
        ]
    )
    yield "\ufeff" + flush()
    for row in rows:
        taxes = {
            TaxColumn(code, Decimal(rate)): (net, tax) for code, rate, net, tax in row["taxes"]
        }
        # Only the text a client or a user typed can start a formula; our numbers are
        # numbers (a credit note's -120.00 stays a number).
        writer.writerow(
            [
                row["type"],
                safe_cell(row["reference"]),
                row["date"],
                safe_cell(row["client"]),
                row["net"],
                *(figure for column in columns for figure in taxes.get(column, ("", ""))),
                row["tax"],
                row["gross"],
                row["paid"],
                row["balance"],
                safe_cell(row["credits"]),
            ]
        )
        yield flush()


def pdf_entry_name(document) -> str:
    """The PDF's name in the ZIP: "Invoice 171.pdf", "Credit note 12.pdf"."""
    return UNSAFE_NAME.sub("-", pdfs.pdf_filename(document))


# --- building (the worker) -----------------------------------------------------------


class ExportFailed(Exception):
    """A reason to give the user, in their words."""


def build_export(export_id: int) -> None:
    """Build the export's ZIP, once: a second run (the task handed out twice) finds it
    claimed and does nothing. A failure is recorded on the export with its reason and
    leaves no file behind."""
    claimed = Export.objects.filter(pk=export_id, state=Export.State.QUEUED).update(
        state=Export.State.BUILDING, done=0, touched=timezone.now()
    )
    if not claimed:
        return
    export = Export.objects.get(pk=export_id)
    try:
        name = _build(export)
    except ExportFailed as exc:
        _finish(export_id, Export.State.FAILED, reason=str(exc)[:REASON_LIMIT])
    except Exception as exc:
        logger.exception("Export %s failed", export_id)
        reason = f"The export stopped because of an error on our side ({type(exc).__name__})."
        _finish(export_id, Export.State.FAILED, reason=reason[:REASON_LIMIT])
    else:
        if not _finish(export_id, Export.State.READY, file=name):
            default_storage.delete(name)  # the export was deleted while it was built


def _finish(export_id: int, state: str, **fields) -> int:
    return Export.objects.filter(pk=export_id, state=Export.State.BUILDING).update(
        state=state, finished=timezone.now(), **fields
    )


def _build(export: Export) -> str:
    """Writes the ZIP beside its final place and moves it there when complete;
    returns its storage name."""
    total = count_in_period(export.date_from, export.date_to)
    Export.objects.filter(pk=export.pk).update(total=total)
    name = f"exports/export-{export.pk}-{secrets.token_hex(8)}.zip"
    # Streamed to a file on disk: the storage is the file system (settings.STORAGES).
    final = Path(default_storage.path(name))
    final.parent.mkdir(parents=True, exist_ok=True)
    handle, partial = tempfile.mkstemp(dir=final.parent, prefix=".building-", suffix=".zip")
    os.close(handle)
    try:
        with (
            zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive,
            tempfile.TemporaryFile("w+", encoding="utf-8") as spool,
        ):
            columns = _write_pdfs(export, archive, spool, total)
            spool.seek(0)
            rows = (json.loads(line) for line in spool)
            with (
                archive.open(csv_name(export), "w") as entry,
                io.TextIOWrapper(entry, encoding="utf-8", newline="") as text,
            ):
                for line in csv_lines(rows, sorted(columns, key=lambda c: (c.code, c.rate))):
                    text.write(line)
        os.replace(partial, final)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
    return name


def _write_pdfs(export: Export, archive: zipfile.ZipFile, spool, total: int) -> set[TaxColumn]:
    """Adds each document's PDF to the ZIP and spools its CSV row; returns the tax
    columns the period uses."""
    columns: set[TaxColumn] = set()
    done, reported_at = 0, time.monotonic()
    for document in documents_in_period(export.date_from, export.date_to):
        row = document_row(document)
        columns.update(TaxColumn(code, Decimal(rate)) for code, rate, _, _ in row["taxes"])
        spool.write(json.dumps(row) + "\n")
        with _final_pdf(document) as pdf, archive.open(pdf_entry_name(document), "w") as entry:
            copyfileobj(pdf, entry)
        done += 1
        if done == total or time.monotonic() - reported_at >= PROGRESS_EVERY:
            reported_at = time.monotonic()
            Export.objects.filter(pk=export.pk).update(
                done=done, total=max(total, done), touched=timezone.now()
            )
    Export.objects.filter(pk=export.pk).update(done=done, total=done)
    return columns


def _final_pdf(document):
    """The issued document's kept PDF, rendered first if it has none yet (documents
    written in bulk, a rendering still queued)."""
    pdf = pdfs.stored_pdf(document)
    if pdf is not None:
        return pdf
    kind = "credit note" if isinstance(document, CreditNote) else "invoice"
    what = f"{kind} {document.reference}"
    try:
        pdfs.render_pdf(pdfs.kind_of(document), document.pk)
    except Exception as exc:
        raise ExportFailed(
            f"The PDF of {what} could not be made ({pdfs.failure_reason(exc)}), so the "
            "export stopped. Look at its page, then export again."
        ) from exc
    pdf = pdfs.stored_pdf(document)
    if pdf is None:
        raise ExportFailed(
            f"The PDF of {what} is missing, so the export stopped. Export again in a few minutes."
        )
    return pdf
