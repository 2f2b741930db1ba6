"""CSV import and export of companies and people.

An import is checked by running every row through the same services the pages and
the API use, inside one transaction: the preview rolls it back, the real import
keeps it only if every row went in. Nothing is ever half imported.
"""

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction

from . import services
from .models import Company, Contact

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
ADDRESS = ["line1", "line2", "line3", "city", "district", "postcode", "country"]
COLUMNS = {
    "people": ["name", "email", "telephone", "company", "position", "tags", *ADDRESS, "notes"],
    "companies": ["name", "website", "telephone", "supplier", "tags", *ADDRESS, "notes"],
}
SYNONYMS = {
    "full name": "name",
    "fullname": "name",
    "contact": "name",
    "company name": "name",
    "e-mail": "email",
    "email address": "email",
    "phone": "telephone",
    "tel": "telephone",
    "telephone number": "telephone",
    "organisation": "company",
    "organization": "company",
    "job title": "position",
    "title": "position",
    "address": "line1",
    "address 1": "line1",
    "address line 1": "line1",
    "address 2": "line2",
    "address line 2": "line2",
    "address 3": "line3",
    "address line 3": "line3",
    "town": "city",
    "county": "district",
    "state": "district",
    "region": "district",
    "post code": "postcode",
    "zip": "postcode",
    "zip code": "postcode",
    "web": "website",
    "url": "website",
    "labels": "tags",
}


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


def decode(content: bytes) -> str:
    if len(content) > MAX_BYTES:
        raise ValidationError("The file is larger than 5 MB; split it into smaller files.")
    if b"\x00" in content[:4096]:
        raise ValidationError("That is not a CSV file (it looks like a binary file).")
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace")


def _header_key(header: str, kind: str) -> str | None:
    key = " ".join(header.strip().lower().replace("_", " ").split())
    key = SYNONYMS.get(key, key).replace(" ", "")
    return key if key in COLUMNS[kind] else None


def parse(kind: str, text: str) -> tuple[list[str], list[str], list[ImportRow]]:
    if kind not in COLUMNS:
        raise ValidationError("Choose people or companies.")
    if not text.strip():
        raise ValidationError("The file is empty.")
    # The header line decides the delimiter: spreadsheets in many locales save with
    # semicolons, and rows with stray extra cells confuse csv.Sniffer.
    first_line = text.lstrip("\ufeff").splitlines()[0]
    delimiter = max(",;\t", key=first_line.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    headers = next(reader, [])
    keys = [_header_key(header, kind) for header in headers]
    if "name" not in keys:
        raise ValidationError(
            "The first line must name the columns, with one called “name”. "
            f"Columns we read: {', '.join(COLUMNS[kind])}."
        )
    used = [key for key in keys if key]
    ignored = [header for header, key in zip(headers, keys, strict=False) if not key and header]
    rows = []
    for number, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(rows) >= MAX_ROWS:
            raise ValidationError(f"The file has more than {MAX_ROWS:,} rows; split it.")
        values = {
            key: cell.strip()
            for key, cell in zip(keys, cells, strict=False)
            if key and cell.strip()
        }
        rows.append(ImportRow(number=number, values=values))
    if not rows:
        raise ValidationError("The file has a header line but no rows.")
    return used, ignored, rows


def _service_fields(kind: str, values: dict[str, str]) -> dict:
    fields = dict(values)
    if "tags" in fields:
        fields["tags"] = fields["tags"].replace(";", ",")
    if kind == "people":
        if "company" in fields:
            fields["companyname"] = fields.pop("company")
    else:
        supplier = fields.pop("supplier", "").lower()
        fields["is_supplier"] = supplier in {"1", "yes", "true", "y", "supplier"}
    return fields


def _messages(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [message for messages in exc.message_dict.values() for message in messages]
    return list(exc.messages)


def _write_rows(kind: str, rows: list[ImportRow]) -> list[str]:
    """Runs every row through the services; fills row.errors. Returns the names of
    companies the rows created. The caller owns the transaction."""
    companies_before = set(Company.objects.values_list("pk", flat=True))
    create = services.create_contact if kind == "people" else services.create_company
    for row in rows:
        try:
            with transaction.atomic():
                create(**_service_fields(kind, row.values))
        except ValidationError as exc:
            row.errors = _messages(exc)
    if kind != "people":
        return []
    return list(
        Company.objects.exclude(pk__in=companies_before)
        .order_by("name")
        .values_list("name", flat=True)
    )


def preview_import(kind: str, content: bytes | str) -> ImportPreview:
    text = content if isinstance(content, str) else decode(content)
    columns, ignored, rows = parse(kind, text)
    with transaction.atomic():
        new_companies = _write_rows(kind, rows)
        transaction.set_rollback(True)
    return ImportPreview(kind, columns, ignored, rows, new_companies)


def run_import(kind: str, content: bytes | str) -> int:
    """Imports every row or none; returns how many were imported."""
    text = content if isinstance(content, str) else decode(content)
    _, _, rows = parse(kind, text)
    with transaction.atomic():
        _write_rows(kind, rows)
        failed = [row for row in rows if row.errors]
        if failed:
            transaction.set_rollback(True)
            raise ValidationError(
                [f"Line {row.number}: {' '.join(row.errors)}" for row in failed[:20]]
            )
    return len(rows)


def export_rows(kind: str, queryset) -> Iterator[str]:
    """The CSV lines for `queryset`, header first, in the columns the import reads."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        value = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate(0)
        return value

    writer.writerow(COLUMNS[kind])
    yield flush()
    objects: Iterable
    if kind == "people":
        objects = queryset.select_related("company").prefetch_related("tags")
    else:
        objects = queryset.prefetch_related("tags")
    for obj in objects.iterator(chunk_size=2000):
        writer.writerow(_export_cells(kind, obj))
        yield flush()


def _export_cells(kind: str, obj: Contact | Company) -> list[str]:
    tags = ", ".join(tag.name for tag in obj.tags.all())
    address = [getattr(obj, key) for key in ADDRESS]
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
            obj.notes,
        ]
    supplier = "yes" if obj.is_supplier else ""
    return [obj.name, obj.website, obj.telephone, supplier, tags, *address, obj.notes]
