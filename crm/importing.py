"""CSV import and export of companies and people.

Every row of a file is checked with the same rules the pages and the API use
(services.check_company / check_contact), in memory: the preview writes nothing, so
checking 20,000 rows holds no lock that other requests would wait for. An import
checks the whole file again and imports nothing if any row is wrong; only then does
it write, in batches of at most BATCH_ROWS rows and BATCH_SECONDS, each batch its
own transaction, so other writers wait at most for one batch. A confirmed file is
imported by the worker (crm.tasks) as an ImportJob, whose progress the import page
shows. Should a batch still fail (the data changed since the check, or the
database did), the batches before it stay imported and the job says how far it got.
"""

import csv
import io
import logging
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from config import database_errors
from config.errors import field_error, merge, request_error

from . import services
from .models import Company, Contact, ImportJob, company_search_key

logger = logging.getLogger("docket.import")

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
MAX_CELL_CHARS = 128 * 1024
BATCH_ROWS = 500
BATCH_SECONDS = 1.0
BATCH_PAUSE_SECONDS = 0.2
# The csv module stops at a cell over 128 KB with an error that names neither the
# line nor the column. The whole file is at most MAX_BYTES, so the reader may take
# any cell of it, and parse() refuses cells over MAX_CELL_CHARS saying where.
csv.field_size_limit(max(csv.field_size_limit(), MAX_BYTES))
ADDRESS = ["line1", "line2", "line3", "city", "district", "postcode", "country"]
# The columns of an export, which are also the columns an import reads.
COLUMNS = {
    "people": [
        "name",
        "email",
        "telephone",
        "company",
        "position",
        "tags",
        *ADDRESS,
        "creditlimit",
        "customfields",
        "notes",
    ],
    "companies": [
        "name",
        "website",
        "telephone",
        "supplier",
        "tags",
        *ADDRESS,
        "creditlimit",
        "customfields",
        "notes",
    ],
}
# Read too, never written: people's names in two columns, as most address books
# and CRMs (HubSpot, Outlook, Google) export them.
EXTRA_COLUMNS = {"people": ["firstname", "lastname"], "companies": []}
SYNONYMS = {
    "full name": "name",
    "fullname": "name",
    "e-mail": "email",
    "email address": "email",
    "e-mail address": "email",
    "phone": "telephone",
    "phone number": "telephone",
    "tel": "telephone",
    "telephone number": "telephone",
    "mobile": "telephone",
    "mobile number": "telephone",
    "mobile phone": "telephone",
    "mobile phone number": "telephone",
    "cell phone": "telephone",
    "address": "line1",
    "address 1": "line1",
    "address line 1": "line1",
    "street address": "line1",
    "address 2": "line2",
    "address line 2": "line2",
    "address 3": "line3",
    "address line 3": "line3",
    "town": "city",
    "town / city": "city",
    "county": "district",
    "county / district": "district",
    "state": "district",
    "state/region": "district",
    "region": "district",
    "post code": "postcode",
    "zip": "postcode",
    "zip code": "postcode",
    "postal code": "postcode",
    "labels": "tags",
    "credit limit": "creditlimit",
    "custom fields": "customfields",
}
KIND_SYNONYMS = {
    "people": {
        "contact": "name",
        "contact name": "name",
        "company": "company",
        "company name": "company",
        "organisation": "company",
        "organization": "company",
        "job title": "position",
        "title": "position",
        "role": "position",
        "first name": "firstname",
        "given name": "firstname",
        "forename": "firstname",
        "last name": "lastname",
        "surname": "lastname",
        "family name": "lastname",
    },
    "companies": {
        "company": "name",
        "company name": "name",
        "organisation": "name",
        "organization": "name",
        "web": "website",
        "url": "website",
        "website url": "website",
        "company domain name": "website",
        "domain": "website",
    },
}
# A cell a spreadsheet would run as a formula (=, +, -, @ and the control
# characters OWASP lists) is written with a leading apostrophe; the import takes
# one apostrophe off again, so values go round unchanged.
FORMULA_START = re.compile(r"^'*[=+\-@\t\r]")
NEUTRALISED = re.compile(r"^'+[=+\-@\t\r]")


def count_of(kind: str, count: int) -> str:
    """'1 person', '3 people', '1 company', '20,000 companies'."""
    if kind == "people":
        return f"{count:,} {'person' if count == 1 else 'people'}"
    return f"{count:,} {'company' if count == 1 else 'companies'}"


@dataclass
class ImportRow:
    number: int  # the line in the file, counting the header as 1
    values: dict[str, str]
    errors: list[str] = field(default_factory=list)


@dataclass
class ImportPreview:
    kind: str
    columns: list[str]
    ignored_columns: list[str]
    rows: list[ImportRow]
    new_companies: list[str]

    @property
    def error_rows(self) -> list[ImportRow]:
        return [row for row in self.rows if row.errors]

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not self.error_rows

    @property
    def count_text(self) -> str:
        return count_of(self.kind, len(self.rows))


def decode(content: bytes) -> str:
    if len(content) > MAX_BYTES:
        raise request_error(
            "The file is larger than 5 MB; split it into smaller files.", "too_large"
        )
    if b"\x00" in content[:4096]:
        raise request_error("That is not a CSV file (it looks like a binary file).", "binary")
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace")


def _header_key(header: str, kind: str) -> str | None:
    key = " ".join(header.strip().lstrip("\ufeff").lower().replace("_", " ").split())
    key = KIND_SYNONYMS[kind].get(key) or SYNONYMS.get(key, key)
    key = key.replace(" ", "")
    return key if key in COLUMNS[kind] or key in EXTRA_COLUMNS[kind] else None


def _cell(text: str) -> str:
    text = text.strip()
    return text[1:] if NEUTRALISED.match(text) else text


def parse(kind: str, text: str) -> tuple[list[str], list[str], list[ImportRow]]:
    if kind not in COLUMNS:
        raise request_error("Choose people or companies.", "kind")
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise request_error("The file is empty.", "empty")
    # The header line decides the delimiter: spreadsheets in many locales save with
    # semicolons, and rows with stray extra cells confuse csv.Sniffer.
    first_line = text.splitlines()[0]
    delimiter = max(",;\t", key=first_line.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    headers = next(reader, [])
    keys = [_header_key(header, kind) for header in headers]
    split_names = {"firstname", "lastname"} & set(keys)
    if "name" not in keys and not split_names:
        also = " (or “first name” and “last name”)" if kind == "people" else ""
        raise request_error(
            "The first line must name the columns, with one called “name”%(also)s. "
            "Columns we read: %(columns)s.",
            "no_name_column",
            also=also,
            columns=", ".join(COLUMNS[kind]),
        )
    # What the preview shows: each column once, a split name as one "name".
    used = ["name"] + [
        key for key in dict.fromkeys(keys) if key and key != "name" and key not in split_names
    ]
    ignored = [header for header, key in zip(headers, keys, strict=False) if not key and header]
    rows = []
    for number, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(rows) >= MAX_ROWS:
            raise request_error(
                "The file has more than %(limit)s rows; split it.",
                "too_many_rows",
                limit=f"{MAX_ROWS:,}",
            )
        for column, cell in enumerate(cells):
            if len(cell) > MAX_CELL_CHARS:
                header = headers[column].strip() if column < len(headers) else ""
                name = f"column “{header}”" if header else f"column {column + 1}"
                raise request_error(
                    "Line %(line)s, %(column)s: a cell can hold at most %(limit)s "
                    "characters, and this one has %(length)s.",
                    "cell_too_long",
                    line=number,
                    column=name,
                    limit=f"{MAX_CELL_CHARS:,}",
                    length=f"{len(cell):,}",
                )
        values: dict[str, str] = {}
        for key, cell in zip(keys, cells, strict=False):
            # Two columns for one thing (Phone and Mobile): the first filled one.
            if key and key not in values and _cell(cell):
                values[key] = _cell(cell)
        if "name" not in values and (values.get("firstname") or values.get("lastname")):
            parts = (values.get("firstname", ""), values.get("lastname", ""))
            values["name"] = " ".join(part for part in parts if part)
            values["othernames"] = ""
        rows.append(ImportRow(number=number, values=values))
    if not rows:
        raise request_error("The file has a header line but no rows.", "no_rows")
    return used, ignored, rows


# What the supplier column may say (any case); the export writes "yes" or nothing.
SUPPLIER_YES = {"1", "yes", "true", "y", "supplier"}
SUPPLIER_NO = {"", "0", "no", "false", "n"}


def _service_fields(kind: str, values: dict[str, str]) -> dict:
    fields = dict(values)
    if "tags" in fields:
        fields["tags"] = fields["tags"].replace(";", ",")
    if "customfields" in fields:
        fields["customfields"] = services.customfields_from_text(fields["customfields"])
    if "creditlimit" in fields:
        fields["creditlimit"] = re.sub(r"[\s,£$€]", "", fields["creditlimit"])
    if kind == "people":
        if "company" in fields:
            fields["companyname"] = fields.pop("company")
    else:
        supplier = fields.pop("supplier", "").strip().lower()
        if supplier not in SUPPLIER_YES | SUPPLIER_NO:
            # Taken as "no", a typo would file a supplier as a client without a word.
            raise field_error(
                "supplier",
                "%(field)s must be yes or no, not '%(value)s'.",
                "invalid",
                value=supplier[:40],
            )
        fields["is_supplier"] = supplier in SUPPLIER_YES
    return fields


def check_rows(kind: str, rows: list[ImportRow]) -> list[str]:
    """Checks every row with the services' rules, writing nothing; fills row.errors.
    Returns the names of the companies importing the rows would create."""
    check = services.check_contact if kind == "people" else services.check_company
    named: dict[str, str] = {}  # company key → the name a new company would get
    for row in rows:
        try:
            fields = _service_fields(kind, row.values)
            check(**fields)
        except ValidationError as exc:
            row.errors = exc.messages
            continue
        name = fields.get("companyname") if kind == "people" else None
        if name:
            named.setdefault(company_search_key(name), " ".join(name.split()))
    keys = list(named)
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        for key in Company.objects.filter(search_name__in=chunk).values_list(
            "search_name", flat=True
        ):
            named.pop(key, None)
    return sorted(named.values(), key=str.lower)


def _checked_rows(kind: str, text: str) -> tuple[list[ImportRow], list[str]]:
    """The file's rows and the companies they would create; ValidationError naming
    the lines to fix when any row is wrong."""
    _, _, rows = parse(kind, text)
    new_companies = check_rows(kind, rows)
    failed = [row for row in rows if row.errors]
    if failed:
        raise merge(
            request_error(
                "Line %(line)s: %(problems)s", "row", line=row.number, problems=" ".join(row.errors)
            )
            for row in failed[:20]
        )
    return rows, new_companies


class ImportStopped(Exception):
    """A batch could not be written after the whole file was checked: the batches
    before it stay imported, this one was rolled back."""

    def __init__(
        self, kind: str, imported: int, first_left: ImportRow, row: ImportRow, reason: str
    ):
        said = f"line {row.number} could not be saved ({reason.rstrip('.')})"
        if imported:
            message = (
                f"Imported the first {count_of(kind, imported)}; then {said}, so nothing "
                f"from line {first_left.number} on was imported. Put that right and "
                f"import those lines again."
            )
        else:
            message = f"Nothing was imported: {said}."
        super().__init__(message)


def write_rows(
    kind: str, rows: list[ImportRow], progress: Callable[[int], None] | None = None
) -> None:
    """Creates the checked rows in batches, each its own transaction of at most
    BATCH_ROWS rows or BATCH_SECONDS, so no other writer waits longer than that
    however slow the machine. `progress(done)` runs inside each batch's
    transaction, so what it records commits with the rows."""
    create = services.create_contact if kind == "people" else services.create_company
    done = 0
    while done < len(rows):
        if done and connection.vendor == "sqlite":
            # SQLite's busy handler lets waiting writers retry only every so often;
            # without a pause the next batch would take the lock before they do.
            time.sleep(BATCH_PAUSE_SECONDS)
        imported = done
        with transaction.atomic():
            deadline = time.monotonic() + BATCH_SECONDS
            for row in rows[imported : imported + BATCH_ROWS]:
                try:
                    create(**_service_fields(kind, row.values))
                except (ValidationError, DatabaseError) as exc:
                    if isinstance(exc, ValidationError):
                        reason = " ".join(exc.messages)
                    elif database_errors.is_busy(exc):
                        reason = "the database was too busy with other changes"
                    else:
                        reason = "the database refused it"
                    raise ImportStopped(kind, imported, rows[imported], row, reason) from exc
                done += 1
                if time.monotonic() >= deadline:
                    break
            if progress is not None:
                progress(done)


def preview_import(kind: str, content: bytes | str) -> ImportPreview:
    text = content if isinstance(content, str) else decode(content)
    columns, ignored, rows = parse(kind, text)
    new_companies = check_rows(kind, rows)
    return ImportPreview(kind, columns, ignored, rows, new_companies)


def run_import(kind: str, content: bytes | str) -> int:
    """Imports every row, or none when any row is wrong (ValidationError naming the
    lines); returns how many were imported."""
    text = content if isinstance(content, str) else decode(content)
    rows, _ = _checked_rows(kind, text)
    write_rows(kind, rows)
    return len(rows)


def queue_import(kind: str, csv_text: str, user) -> ImportJob:
    """An ImportJob for a previewed file, handed to the worker once it is saved."""
    from .tasks import import_connections

    _, _, rows = parse(kind, csv_text)
    job = ImportJob.objects.create(
        kind=kind, csv_text=csv_text, total_rows=len(rows), created_by=user
    )
    transaction.on_commit(lambda: import_connections(job.pk))
    return job


def run_import_job(job_id: int) -> None:
    """The worker's side of queue_import: checks and imports the job's file, keeping
    the job's progress and outcome up to date for the page."""
    # Claimed by a conditional update, so a job handed out twice runs once.
    if not ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(
        status=ImportJob.Status.RUNNING
    ):
        return
    job = ImportJob.objects.get(pk=job_id)
    jobs = ImportJob.objects.filter(pk=job_id)
    try:
        rows, new_companies = _checked_rows(job.kind, job.csv_text)
        write_rows(job.kind, rows, progress=lambda done: jobs.update(done_rows=done))
    except ValidationError as exc:
        _finish(job_id, ImportJob.Status.FAILED, "Nothing was imported: " + " ".join(exc.messages))
    except ImportStopped as exc:
        _finish(job_id, ImportJob.Status.FAILED, str(exc))
    except Exception:
        logger.exception("Import job %s stopped", job_id)
        done = jobs.values_list("done_rows", flat=True).get()
        _finish(
            job_id,
            ImportJob.Status.FAILED,
            f"The import stopped after {count_of(job.kind, done)} because of an error on "
            "our side, which has been logged.",
        )
        raise
    else:
        _finish(job_id, ImportJob.Status.DONE, "", new_companies=len(new_companies))


def _finish(job_id: int, status: str, message: str, **counts) -> None:
    ImportJob.objects.filter(pk=job_id).update(
        status=status, message=message, csv_text="", finished=timezone.now(), **counts
    )


def export_rows(kind: str, queryset) -> Iterator[str]:
    """The CSV lines for `queryset` in its order, header first, in the columns the
    import reads. It opens with a byte order mark so Excel reads it as UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        value = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate(0)
        return value

    writer.writerow(COLUMNS[kind])
    yield "\ufeff" + flush()
    objects: Iterable
    if kind == "people":
        objects = queryset.select_related("company").prefetch_related("tags")
    else:
        objects = queryset.prefetch_related("tags")
    for obj in objects.iterator(chunk_size=2000):
        writer.writerow([safe_cell(cell) for cell in _export_cells(kind, obj)])
        yield flush()


def safe_cell(value: str) -> str:
    """Spreadsheets run a cell starting with = + - @ as a formula (CSV injection):
    such cells get a leading apostrophe."""
    return "'" + value if FORMULA_START.match(value) else value


def customfields_cell(pairs: list[dict]) -> str:
    return "\n".join(
        f"{pair['title']}: {' '.join(str(pair['value']).splitlines())}" for pair in pairs
    )


def _export_cells(kind: str, obj: Contact | Company) -> list[str]:
    tags = ", ".join(tag.name for tag in obj.tags.all())
    address = [getattr(obj, key) for key in ADDRESS]
    more = [
        "" if obj.creditlimit is None else str(obj.creditlimit),
        customfields_cell(obj.customfields),
        obj.notes,
    ]
    if kind == "people":
        company = obj.company.name if obj.company_id else ""
        return [
            obj.fullname,
            obj.email,
            obj.telephone,
            company,
            obj.position,
            tags,
            *address,
            *more,
        ]
    supplier = "yes" if obj.is_supplier else ""
    return [obj.name, obj.website, obj.telephone, supplier, tags, *address, *more]
