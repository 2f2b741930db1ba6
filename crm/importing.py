"""CSV import and export of companies and people.

An import is checked by running every row through the same services the pages and
the API use, inside one transaction: the preview rolls it back, the real import
keeps it only if every row went in. Nothing is ever half imported.
"""

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction

from . import services
from .models import Company, Contact

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
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
    """'1 person', '3 people', '1 company', '2 companies'."""
    if kind == "people":
        return f"{count} {'person' if count == 1 else 'people'}"
    return f"{count} {'company' if count == 1 else 'companies'}"


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
        raise ValidationError("The file is larger than 5 MB; split it into smaller files.")
    if b"\x00" in content[:4096]:
        raise ValidationError("That is not a CSV file (it looks like a binary file).")
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
        raise ValidationError("Choose people or companies.")
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise ValidationError("The file is empty.")
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
        raise ValidationError(
            f"The first line must name the columns, with one called “name”{also}. "
            f"Columns we read: {', '.join(COLUMNS[kind])}."
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
            raise ValidationError(f"The file has more than {MAX_ROWS:,} rows; split it.")
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
        raise ValidationError("The file has a header line but no rows.")
    return used, ignored, rows


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
        writer.writerow([_safe_cell(cell) for cell in _export_cells(kind, obj)])
        yield flush()


def _safe_cell(value: str) -> str:
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
