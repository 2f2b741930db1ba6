"""Depot resources: invoices, credit notes, payments and proposals, and the settings
resources for tax codes, charge rates and ledger categories."""

from dataclasses import dataclass
from datetime import UTC, datetime

from django.core.exceptions import ValidationError
from django.db.models import Case, Value, When
from django.db.models.functions import Coalesce, Length, Lower
from django.http import FileResponse
from ninja import Router

from accounts import queries as account_queries
from accounts import services as account_services
from accounts import webhooks
from accounts.schemas import VALUE_JSON
from config.api.auth import area_access, principal
from config.api.body import body_fields, decode_object
from config.api.errors import ApiNotFound, ApiValidationError
from config.api.listing import (
    list_params,
    order_queryset,
    query_bool,
    query_epoch,
    query_flags,
    query_int,
    query_paging,
)
from config.api.lookup import get_or_404
from config.api.rendering import (
    depot_response,
    id_response,
    item_response,
    list_response,
    ok_response,
)
from config.api.rows import reads_ahead
from config.limits import MAX_ID
from config.parsing import parse_int, parse_json
from crm.journal import parse_item_code
from projects import queries as project_queries
from projects.services import CLIENT_LETTERS

from . import invoicing, pdfs, periodicals, proposals, queries, reports, services, time_reports
from .models import (
    ChargeRate,
    CreditNote,
    Invoice,
    LedgerCategory,
    Payment,
    Periodical,
    Proposal,
    TaxCode,
)
from .queries import with_balance
from .schemas import (
    CREDIT_NOTE_FIELDS,
    CREDIT_NOTE_ROW,
    INVOICE_FIELDS,
    INVOICE_ROW,
    ISSUE_EVENT_ROW,
    PAYMENT_FIELDS,
    PAYMENT_ROW,
    PERIODICAL_FIELDS,
    PERIODICAL_ROW,
    PROPOSAL_FIELDS,
    PROPOSAL_ROW,
    group_row,
)

router = Router(tags=["settings"])
router.add_decorator(area_access("settings", staff_reads=True))


@router.get("/taxcodes", summary="View tax codes")
def list_tax_codes(request):
    rows = [{"code": t.code, "name": t.name, "rate": t.rate} for t in TaxCode.objects.all()]
    return list_response(request, rows, len(rows))


@router.patch(
    "/taxcodes",
    summary="Replace the tax codes",
    description='`value`: a JSON list of `{"code", "name", "rate"}`; rate is a fraction (0.2).',
    openapi_extra=VALUE_JSON.openapi_body(),
)
def update_tax_codes(request):
    services.replace_tax_codes(body_fields(request, VALUE_JSON, partial=False)["value"])
    return ok_response(request)


@router.get("/chargerates", summary="View charge rates")
def list_charge_rates(request):
    rows = [{"name": c.name, "rate": c.rate} for c in ChargeRate.objects.all()]
    return list_response(request, rows, len(rows))


@router.patch(
    "/chargerates",
    summary="Replace the charge rates",
    description='`value`: a JSON list of `{"name", "rate"}`.',
    openapi_extra=VALUE_JSON.openapi_body(),
)
def update_charge_rates(request):
    services.replace_charge_rates(body_fields(request, VALUE_JSON, partial=False)["value"])
    return ok_response(request)


@router.get("/ledgers", summary="View ledger categories")
def list_ledgers(request):
    rows = [{"code": ledger.code, "name": ledger.name} for ledger in LedgerCategory.objects.all()]
    return list_response(request, rows, len(rows))


@router.patch(
    "/ledgers",
    summary="Replace the ledger categories",
    description='`value`: a JSON list of `{"code", "name"}`.',
    openapi_extra=VALUE_JSON.openapi_body(),
)
def update_ledgers(request):
    services.replace_ledgers(body_fields(request, VALUE_JSON, partial=False)["value"])
    return ok_response(request)


# --- invoices, credit notes and payments --------------------------------------------

invoices_router = Router(tags=["invoices"])
invoices_router.add_decorator(area_access("invoices"))

# A document's reference is a number from its counter, kept as text: sorted by length
# then text, "9" comes before "10". Drafts have none: after the numbered ones (before
# them, descending), the same on every database.
REFERENCE_ORDER = ("unnumbered", "reference_length", "reference")


def _by_reference(queryset):
    return queryset.alias(
        unnumbered=Case(When(reference__isnull=True, then=Value(1)), default=Value(0)),
        reference_length=Length("reference"),
    )


def _by_reference_and_client(queryset):
    return _by_reference(queryset).alias(
        client_key=Lower(Coalesce("client_company__name", "client_contact__fullname"))
    )


INVOICE_ORDERINGS = {
    "date": "date",
    "id": "id",
    "reference": REFERENCE_ORDER,
    "name": REFERENCE_ORDER,
    "client": ("client_key", "date"),
    "clientname": ("client_key", "date"),
    "total": "total",
    "grandtotal": "grandtotal",
    "discount": "discount",
    "terms": "due",
    "due": "due",
    "issued": "issued_at",
    "paid": ("is_paid", "date"),
    "amountpaid": "amountpaid",
    "balance": "balance",
    "added": "added",
    "lastupdated": "lastupdated",
}
# The grouped list sorts clients: by their latest invoice's date (the default, as the
# list's), their name, their sums or how many invoices they have.
GROUP_ORDERINGS = {
    "date": "latest",
    "client": "name_key",
    "clientname": "name_key",
    "name": "name_key",
    "total": "grouped_total",
    "grandtotal": "grouped_grandtotal",
    "count": "grouped_count",
}
# Credit notes' "name" (the spec's default order key) is their reference: numbered
# ones in number order, ascending as the spec's default.
CREDIT_NOTE_ORDERINGS = {
    "name": REFERENCE_ORDER,
    "reference": REFERENCE_ORDER,
    "date": "date",
    "id": "id",
    "invoice": ("invoice_id", "date"),
    "invoiceid": ("invoice_id", "date"),
    "total": "total",
    "grandtotal": "grandtotal",
    "issued": "issued_at",
    "added": "added",
    "lastupdated": "lastupdated",
}
PAYMENT_ORDERINGS = {
    "date": "date",
    "id": "id",
    "amount": "amount",
    "invoice": ("invoice_id", "date"),
    "method": ("method", "date"),
    "added": "added",
}
INVOICE_FLAGS = {"issuehistory": False, "payments": False, "creditnotes": False, "group": False}
CREDIT_NOTE_FLAGS = {"issuehistory": False}

CLIENT_NAME_FILTER_MAX_CHARS = 200
REFERENCE_MAX_CHARS = Invoice._meta.get_field("reference").max_length
CLIENT_CODES = ("C", "I")
WORK_CODES = ("P", "J")


def _code_filter(request, name: str, letters: tuple[str, ...], example: str):
    """A filter naming a client (C41, I5) or the work billed (P12, J3), as (letter, id)."""
    raw = request.GET.get(name, "").strip()
    if not raw:
        return None
    try:
        letter, object_id = parse_item_code(raw, field=name)
    except ValidationError:
        letter, object_id = "", 0
    if letter not in letters:
        shown = raw if len(raw) <= 40 else f"{raw[:40]}…"
        raise ApiValidationError(
            f"{name} must be a code such as {example}, not '{shown}'.", field=name
        )
    return letter, object_id


def _text_filter(text: str, name: str, limit: int) -> str:
    text = text.strip()
    if len(text) > limit:
        raise ApiValidationError(f"{name} must be at most {limit} characters.", field=name)
    return text


def _filters(request, clientname: str, reference: str) -> dict:
    """The filters invoices and credit notes share, each refused with its own sentence."""
    return {
        "client": _code_filter(request, "client", CLIENT_CODES, "C41 or I5"),
        "client_name": _text_filter(clientname, "clientname", CLIENT_NAME_FILTER_MAX_CHARS),
        "work": _code_filter(request, "for", WORK_CODES, "P12 or J3"),
        "reference": _text_filter(reference, "reference", REFERENCE_MAX_CHARS),
        "issued": query_bool(request, "issued"),
        "date_from": query_epoch(request, "from"),
        "date_to": query_epoch(request, "to"),
    }


def _grouped_by_key(rows: list[dict], key: str) -> dict:
    grouped: dict = {}
    for row in rows:
        grouped.setdefault(row.pop(key), []).append(row)
    return grouped


_EVENT_WITH_INVOICE = ISSUE_EVENT_ROW.with_columns("invoice_id")
_EVENT_WITH_CREDIT_NOTE = ISSUE_EVENT_ROW.with_columns("credit_note_id")
_PAYMENT_WITH_INVOICE = PAYMENT_ROW.with_columns("invoice_id")
_CREDIT_NOTE_WITH_INVOICE = CREDIT_NOTE_ROW.with_columns("invoice_id")


def _with_issue_history(request, rows: list[dict], *, credit_notes: bool = False) -> None:
    """Each row's `issuehistory`: one read for the page."""
    ids = [row["id"] for row in rows]
    if credit_notes:
        events = queries.document_events(credit_note_ids=ids)
        by_document = _grouped_by_key(
            _EVENT_WITH_CREDIT_NOTE.rows(request, events), "credit_note_id"
        )
    else:
        events = queries.document_events(invoice_ids=ids)
        by_document = _grouped_by_key(_EVENT_WITH_INVOICE.rows(request, events), "invoice_id")
    for row in rows:
        row["issuehistory"] = by_document.get(row["id"], [])


def _with_invoice_lists(request, rows: list[dict], flags: dict) -> list[dict]:
    """`issuehistory`, `payments` and `creditnotes` on each invoice row when asked for,
    each one read for the whole page (payments and credit notes oldest first)."""
    if not rows:
        return rows
    ids = [row["id"] for row in rows]
    if flags["issuehistory"]:
        _with_issue_history(request, rows)
    if flags["payments"]:
        payments = Payment.objects.filter(invoice_id__in=ids).order_by("invoice_id", "date", "pk")
        by_invoice = _grouped_by_key(_PAYMENT_WITH_INVOICE.rows(request, payments), "invoice_id")
        for row in rows:
            row["payments"] = by_invoice.get(row["id"], [])
    if flags["creditnotes"]:
        notes = CreditNote.objects.filter(invoice_id__in=ids).order_by("invoice_id", "date", "pk")
        by_invoice = _grouped_by_key(_CREDIT_NOTE_WITH_INVOICE.rows(request, notes), "invoice_id")
        for row in rows:
            row["creditnotes"] = by_invoice.get(row["id"], [])
    return rows


def _grouped_invoices(request, invoices):
    """`group=true`: one row per client, a page of clients, `total` counting them."""
    params = list_params(request, GROUP_ORDERINGS, default_order="date", default_ascending=False)
    prefix = params.order_prefix
    groups = queries.invoice_groups(invoices).order_by(
        prefix + GROUP_ORDERINGS[params.order],
        prefix + "client_company_id",
        prefix + "client_contact_id",
    )
    page = list(params.page(groups))
    references = queries.references_by_client(invoices, page) if page else {}
    rows = [
        group_row(
            group,
            references.get((group["client_company_id"], group["client_contact_id"]), []),
        )
        for group in page
    ]
    return list_response(request, rows, params.total(groups, len(rows)))


@invoices_router.get(
    "/invoices",
    summary="List or search invoices",
    description="Filters: `client` (C41, I5), `clientname` (part of the client's name), "
    "`for` (P12: the project's invoices, its jobs' included; J3), `reference`, `issued`, "
    "`paid`, `from`/`to` (epoch bounds on the date), `overduefrom`/`overdueto` (invoices "
    "overdue now whose due date lies between these epochs). `issuehistory`, `payments` "
    "and `creditnotes` add those lists to each invoice. `group=true` answers one row per "
    "client ({client, invoices: their references, total, grandtotal, count}), a page of "
    "clients ordered by `date` (their latest invoice), `client`, `total`, `grandtotal` or "
    "`count`, and `total` counts the clients.",
)
def list_invoices(request, clientname: str = "", reference: str = ""):
    flags = query_flags(request, INVOICE_FLAGS)
    invoices = queries.invoices_matching(
        **_filters(request, clientname, reference),
        paid=query_bool(request, "paid"),
        overdue_from=query_epoch(request, "overduefrom"),
        overdue_to=query_epoch(request, "overdueto"),
    )
    if flags["group"]:
        return _grouped_invoices(request, invoices)
    params = list_params(request, INVOICE_ORDERINGS, default_order="date", default_ascending=False)
    ordered = order_queryset(_by_reference_and_client(invoices), params, INVOICE_ORDERINGS)
    rows = INVOICE_ROW.rows(request, params.page(ordered))
    _with_invoice_lists(request, rows, flags)
    return list_response(request, rows, params.total(invoices, len(rows)))


@invoices_router.get(
    "/invoices/{int:invoice_id}",
    summary="Get a specific invoice",
    description="`issuehistory`, `payments` and `creditnotes` add those lists.",
)
def get_invoice(request, invoice_id: int):
    return item_response(request, _invoice(request, invoice_id))


def _invoice(request, invoice_id: int) -> dict:
    flags = query_flags(request, INVOICE_FLAGS)
    rows = INVOICE_ROW.rows(request, with_balance(Invoice.objects.filter(pk=invoice_id)))
    if not rows:
        raise ApiNotFound.no_such("invoice", invoice_id)
    return _with_invoice_lists(request, rows, flags)[0]


def _object_code(value, name: str, problems: list) -> str | None:
    """{type, id} (a client or the work billed, as read) as its code, C41 or P12."""
    if isinstance(value, dict) and "type" in value and "id" in value:
        return f"{value['type']}{value['id']}"
    problems.append((name, f"{name} must be a code, or an object with a type and an id."))
    return None


def _accept_document_shapes(data: dict, spec) -> list[tuple[str, str]]:
    """What a GET returns, sent back: `client` and `for` ({type, id}; `for` may be the
    empty `[]` or null: none) as their codes, `terms` ({timestamp, days}) as its days,
    `addedby` ({email}, or a list of one) as the email and `email` ({to, bcc,
    message}) as `emailto`, `emailbcc` and `emailmessage`; each as the object or, in a
    form body, JSON-encoded."""
    problems: list[tuple[str, str]] = []
    for name in ("client", "for", "terms", "addedby", "email"):
        value = data.get(name)
        if isinstance(value, str) and value.strip().startswith(("{", "[")):
            try:
                data[name] = parse_json(value)
            except ValueError as exc:
                problems.append((name, f"{name} {exc}."))
                data.pop(name)
    for name in ("client", "for"):
        if name not in spec.spec:
            continue
        value = data.get(name)
        if value in ([], {}):
            data[name] = ""
        elif isinstance(value, dict | list):
            code = _object_code(value, name, problems)
            if code is None:
                data.pop(name)
            else:
                data[name] = code
    terms = data.get("terms")
    if isinstance(terms, dict):
        if "days" in terms:
            data["terms"] = terms["days"]
        else:
            problems.append(("terms", "terms must be a number of days, or an object with days."))
            data.pop("terms")
    added_by = data.get("addedby")
    if isinstance(added_by, list) and len(added_by) == 1:
        added_by = added_by[0]
    if isinstance(added_by, dict) and "email" in added_by:
        data["addedby"] = added_by["email"]
    email = data.pop("email", None)
    if isinstance(email, dict):
        for part, name in (("to", "emailto"), ("bcc", "emailbcc"), ("message", "emailmessage")):
            if part in email and name not in data:
                data[name] = email[part]
    elif email not in (None, ""):
        problems.append(("email", "email must be an object with to, bcc and message."))
    return problems


def _document_fields(request, spec, *, partial: bool) -> dict:
    """The body's fields under the services' names. On an update the author stays who
    it was (a row sent back carries it, unchecked); `items` need their `total`."""
    fields = body_fields(request, spec, partial=partial, reshape=_accept_document_shapes)
    if partial:
        fields.pop("addedby", None)
        if "items" in fields and "total" not in fields:
            raise ApiValidationError(
                "total is required with items: send the items' total (before tax), "
                "which checks them.",
                field="total",
            )
    renamed = {}
    for name, value in fields.items():
        if name == "for":
            renamed["for_code"] = value
        elif name == "invoiceid":
            renamed["invoice"] = value
        elif name == "addedby":
            renamed["added_by"] = account_services.named_author(principal(request).actor, value)
        else:
            renamed[name] = value
    return renamed


# --- proposals ---------------------------------------------------------------------

proposals_router = Router(tags=["proposals"])
proposals_router.add_decorator(area_access("proposals"))

PROPOSAL_ORDERINGS = {
    "name": "title_key",
    "title": "title_key",
    "id": "id",
    "status": ("status", "title_key"),
    "created": "added",
    "submitdate": "submitdate",
    "discount": "discount",
    "total": "total",
    "tax": "tax",
    "grandtotal": "grandtotal",
}


def _proposal_statuses(raw: str) -> list[str]:
    statuses = [part.strip().upper() for part in raw.split(",") if part.strip()]
    if set(statuses) - set(Proposal.Status.values):
        raise ApiValidationError(
            "status must be P (pending), A (accepted) or X (rejected), or a comma separated "
            "list of them.",
            field="status",
        )
    return statuses


def _with_empty_issue_history(request, rows: list[dict]) -> list[dict]:
    # A proposal is never issued: asked for, its issue history is empty.
    if query_flags(request, {"issuehistory": False})["issuehistory"]:
        for row in rows:
            row["issuehistory"] = []
    return rows


def _accept_proposal_shapes(data: dict, spec) -> list[tuple[str, str]]:
    """What a GET returns, sent back: `name` as the title, `jobs` as the `items` that
    write them, `client` ({type, id}) as its code and `user` ({email}) as the email,
    each as the object or (in a form body) JSON-encoded; `submitdate` 0 as none."""
    problems: list[tuple[str, str]] = []
    name = data.pop("name", None)
    if name is not None and "title" not in data:
        data["title"] = name
    jobs = data.pop("jobs", None)
    if jobs is not None and "items" not in data:
        data["items"] = jobs
    for field in ("client", "user"):
        decode_object(data, field, problems)
    client = data.get("client")
    if isinstance(client, dict):
        if "type" in client and "id" in client:
            data["client"] = f"{client['type']}{client['id']}"
        else:
            problems.append(
                ("client", "client must be a code such as C41 or an object with a type and an id.")
            )
    user = data.get("user")
    if isinstance(user, dict):
        if "email" in user:
            data["user"] = user["email"]
        else:
            problems.append(("user", "user must be an email or an object with an email."))
    if data.get("submitdate") in (0, "0"):
        data["submitdate"] = ""
    return problems


def _proposal_fields(request, *, partial: bool) -> dict:
    fields = body_fields(request, PROPOSAL_FIELDS, partial=partial, reshape=_accept_proposal_shapes)
    renamed = {}
    for name, value in fields.items():
        if name == "items":
            renamed["jobs"] = value
        elif name == "user":
            renamed["added_by"] = account_services.named_author(
                principal(request).actor, value, field="user"
            )
        else:
            renamed[name] = value
    return renamed


def _invoice_fields(request, *, partial: bool) -> dict:
    fields = _document_fields(request, INVOICE_FIELDS, partial=partial)
    if not partial and "date" in fields and "terms" not in fields:
        raise ApiValidationError(
            "terms is required with date: the number of days within which payment is due.",
            field="terms",
        )
    return fields


@invoices_router.post(
    "/invoices",
    summary="Add a new invoice",
    description="Lines that can't be priced (an unknown tax code or ledger category, a "
    "quantity that isn't a number of 0 or more, a take outside 0-100) are refused, each "
    "naming its section and line; `total` must equal the lines' total to the cent. "
    "Ready with a date that has come, it is issued (numbered) at once.",
    openapi_extra=INVOICE_FIELDS.openapi_body(),
)
def create_invoice(request):
    fields = _invoice_fields(request, partial=False)
    invoice = invoicing.create_invoice(actor=principal(request).user, **fields)
    return id_response(request, invoice.pk, status=201)


@invoices_router.patch(
    "/invoices/{int:invoice_id}",
    summary="Update an invoice",
    description="A draft changes freely (`items` with their `total`). An issued invoice "
    "keeps its lines, money, client, dates and purchase order: raise a credit note to "
    "correct it; how it is sent may still change.",
    openapi_extra=INVOICE_FIELDS.openapi_body(),
)
def update_invoice(request, invoice_id: int):
    invoice = get_or_404(Invoice, "invoice", invoice_id)
    fields = _invoice_fields(request, partial=True)
    invoicing.update_invoice(invoice, actor=principal(request).user, **fields)
    return id_response(request, invoice.pk)


@invoices_router.delete(
    "/invoices/{int:invoice_id}",
    summary="Delete an invoice",
    description="Only a draft: an issued invoice is cancelled with a credit note.",
)
def delete_invoice(request, invoice_id: int):
    invoicing.delete_invoice(get_or_404(Invoice, "invoice", invoice_id))
    return id_response(request, invoice_id)


# --- credit notes -------------------------------------------------------------------


@invoices_router.get(
    "/creditnotes",
    summary="List or search credit notes",
    description="Ordered by `name`, which is their reference (numbered ones in number "
    "order, then drafts), unless `order` says otherwise. Filters: `client`, `clientname` "
    "and `for` (their invoice's), `reference`, `issued`, `invoiceid`, `from`/`to` (epoch "
    "bounds on the date); `issuehistory` adds when each was issued.",
)
def list_credit_notes(request, clientname: str = "", reference: str = ""):
    params = list_params(request, CREDIT_NOTE_ORDERINGS, default_order="name")
    flags = query_flags(request, CREDIT_NOTE_FLAGS)
    notes = queries.credit_notes_matching(
        **_filters(request, clientname, reference), invoice_id=query_int(request, "invoiceid")
    )
    ordered = order_queryset(_by_reference(notes), params, CREDIT_NOTE_ORDERINGS)
    rows = CREDIT_NOTE_ROW.rows(request, params.page(ordered))
    if flags["issuehistory"] and rows:
        _with_issue_history(request, rows, credit_notes=True)
    return list_response(request, rows, params.total(notes, len(rows)))


@invoices_router.get(
    "/creditnotes/{int:note_id}",
    summary="Get a specific credit note",
    description="`issuehistory` adds when it was issued.",
)
@reads_ahead(CREDIT_NOTE_ROW, CreditNote, "note_id")
def get_credit_note(request, note_id: int):
    return item_response(request, _credit_note(request, note_id))


def _credit_note(request, note_id: int) -> dict:
    flags = query_flags(request, CREDIT_NOTE_FLAGS)
    rows = CREDIT_NOTE_ROW.rows_of(request, CreditNote, [note_id])
    if not rows:
        raise ApiNotFound.no_such("credit note", note_id)
    if flags["issuehistory"]:
        _with_issue_history(request, rows, credit_notes=True)
    return rows[0]


@invoices_router.post(
    "/creditnotes",
    summary="Add a new credit note",
    description="Against an issued invoice, never more than is left to credit on it; "
    "lines are checked as an invoice's.",
    openapi_extra=CREDIT_NOTE_FIELDS.openapi_body(),
)
def create_credit_note(request):
    fields = _document_fields(request, CREDIT_NOTE_FIELDS, partial=False)
    note = invoicing.create_credit_note(actor=principal(request).user, **fields)
    return id_response(request, note.pk, status=201)


@invoices_router.patch(
    "/creditnotes/{int:note_id}",
    summary="Update a credit note",
    description="A draft changes freely; an issued one keeps its invoice, lines and date.",
    openapi_extra=CREDIT_NOTE_FIELDS.openapi_body(),
)
def update_credit_note(request, note_id: int):
    note = get_or_404(CreditNote, "credit note", note_id)
    fields = _document_fields(request, CREDIT_NOTE_FIELDS, partial=True)
    invoicing.update_credit_note(note, actor=principal(request).user, **fields)
    return id_response(request, note.pk)


@invoices_router.delete(
    "/creditnotes/{int:note_id}",
    summary="Delete a credit note",
    description="Only a draft: an issued credit note stays in the books.",
)
def delete_credit_note(request, note_id: int):
    invoicing.delete_credit_note(get_or_404(CreditNote, "credit note", note_id))
    return id_response(request, note_id)


# --- payments -----------------------------------------------------------------------


def _epoch_day(request, name: str):
    # Payments are received on a day; an epoch is read as a UTC day, as a POSTed date.
    moment = query_epoch(request, name)
    return None if moment is None else moment.date()


@invoices_router.get(
    "/payments",
    summary="List or search payments",
    description="Newest first unless `order`/`orderasc` say otherwise; `invoice` keeps one "
    "invoice's, `from`/`to` (epochs, read as UTC days) bound the day received.",
)
def list_payments(request):
    params = list_params(request, PAYMENT_ORDERINGS, default_order="date", default_ascending=False)
    payments = queries.payments_matching(
        invoice_id=query_int(request, "invoice"),
        date_from=_epoch_day(request, "from"),
        date_to=_epoch_day(request, "to"),
    )
    page = params.page(order_queryset(payments, params, PAYMENT_ORDERINGS))
    rows = PAYMENT_ROW.rows(request, page)
    return list_response(request, rows, params.total(payments, len(rows)))


@invoices_router.get("/payments/{int:payment_id}", summary="Get a specific payment")
@reads_ahead(PAYMENT_ROW, Payment, "payment_id")
def get_payment(request, payment_id: int):
    return item_response(request, _payment(request, payment_id))


def _payment(request, payment_id: int) -> dict:
    rows = PAYMENT_ROW.rows_of(request, Payment, [payment_id])
    if not rows:
        raise ApiNotFound.no_such("payment", payment_id)
    return rows[0]


@invoices_router.post(
    "/payments",
    summary="Add a new payment",
    description="Against an issued invoice, never more than its balance.",
    openapi_extra=PAYMENT_FIELDS.openapi_body(),
)
def create_payment(request):
    fields = body_fields(request, PAYMENT_FIELDS, partial=False)
    payment = invoicing.record_payment(added_by=principal(request).user, **fields)
    return id_response(request, payment.pk, status=201)


PAYMENTS_ARE_FIXED = "Payments can't be updated: delete this payment and add the right one instead."


@invoices_router.patch(
    "/payments/{int:payment_id}",
    summary="Update a payment (not supported)",
    description="Always a 400, as the spec says: delete the payment and add it again.",
)
def update_payment(request, payment_id: int):
    get_or_404(Payment, "payment", payment_id)
    raise ApiValidationError(PAYMENTS_ARE_FIXED)


@invoices_router.delete(
    "/payments/{int:payment_id}",
    summary="Delete a payment",
    description="Its invoice owes the amount again.",
)
def delete_payment(request, payment_id: int):
    invoicing.delete_payment(get_or_404(Payment, "payment", payment_id))
    return id_response(request, payment_id)


@proposals_router.get(
    "/proposals",
    summary="List or search proposals",
    description="`title` finds proposals whose title contains it; `status` is P, A or X "
    "(or several, comma separated); `issuehistory=true` adds each one's issue history, "
    "which for a proposal is empty.",
)
def list_proposals(request, title: str = "", status: str = ""):
    params = list_params(request, PROPOSAL_ORDERINGS, default_order="name")
    found = queries.proposals_matching(search=title, statuses=_proposal_statuses(status))
    query_flags(request, {"issuehistory": False})
    listed = found.alias(title_key=Lower("title"))
    page = params.page(order_queryset(listed, params, PROPOSAL_ORDERINGS))
    rows = _with_empty_issue_history(request, PROPOSAL_ROW.rows(request, page))
    return list_response(request, rows, params.total(found, len(rows)))


@proposals_router.get("/proposals/{int:proposal_id}", summary="Get a specific proposal")
@reads_ahead(PROPOSAL_ROW, Proposal, "proposal_id")
def get_proposal(request, proposal_id: int):
    return item_response(request, _proposal(request, proposal_id))


def _proposal(request, proposal_id: int) -> dict:
    rows = PROPOSAL_ROW.rows_of(request, Proposal, [proposal_id])
    if not rows:
        raise ApiNotFound.no_such("proposal", proposal_id)
    return _with_empty_issue_history(request, rows)[0]


invoice_for_webhook = webhooks.api_renderer(_invoice)
credit_note_for_webhook = webhooks.api_renderer(_credit_note)
payment_for_webhook = webhooks.api_renderer(_payment)
proposal_for_webhook = webhooks.api_renderer(_proposal)


@proposals_router.post(
    "/proposals", summary="Add a new proposal", openapi_extra=PROPOSAL_FIELDS.openapi_body()
)
def create_proposal(request):
    proposal = proposals.create_proposal(**_proposal_fields(request, partial=False))
    return id_response(request, proposal.pk, status=201)


@proposals_router.patch(
    "/proposals/{int:proposal_id}",
    summary="Update a proposal",
    description="Accept or reject it with `status` A or X.",
    openapi_extra=PROPOSAL_FIELDS.openapi_body(),
)
def update_proposal(request, proposal_id: int):
    proposal = get_or_404(Proposal, "proposal", proposal_id)
    proposals.update_proposal(proposal, **_proposal_fields(request, partial=True))
    return id_response(request, proposal.pk)


@proposals_router.delete("/proposals/{int:proposal_id}", summary="Delete a proposal")
def delete_proposal(request, proposal_id: int):
    proposals.delete_proposal(get_or_404(Proposal, "proposal", proposal_id))
    return id_response(request, proposal_id)


"""Depot's settings resources for tax codes, charge rates and ledger categories, and
the periodic resource (recurring invoices)."""


periodicals_router = Router(tags=["periodicals"])


periodicals_router.add_decorator(area_access("invoices"))


PERIODICAL_ORDERINGS = {
    "id": "id",
    "title": ("title_key",),
    "name": ("title_key",),
    "client": ("client_key",),
    "repeat": ("repeat", "repeatinterval"),
    "repeatinterval": ("repeatinterval",),
    "first": "first",
    "last": "last",
    "terms": "terms",
    "discount": "discount",
    "total": "total",
    "grandtotal": "grandtotal",
    "added": "added",
}


def _sortable(periodicals):
    # Titles and client names sort whatever their case, as projects' titles do.
    return periodicals.alias(
        title_key=Lower("title"),
        client_key=Lower(Coalesce("client_company__name", "client_contact__fullname")),
    )


def _client_filter(request) -> tuple[str, int] | None:
    raw = request.GET.get("client", "")
    if not raw:
        return None
    try:
        letter, client_id = parse_item_code(raw, field="client")
    except ValidationError:
        letter, client_id = "", 0
    if letter not in CLIENT_LETTERS:
        shown = raw if len(raw) <= 40 else f"{raw[:40]}…"
        raise ApiValidationError(
            f"client must be a company or person code such as C41 or I5, not '{shown}'.",
            field="client",
        )
    return letter, client_id


def _repeats(raw: str) -> list[str]:
    repeats = [part.strip().upper() for part in raw.split(",") if part.strip()]
    if set(repeats) - set(Periodical.Repeat.values):
        raise ApiValidationError(
            "repeat must be D (day), W (week), M (month) or Y (year), or a comma separated "
            "list of them.",
            field="repeat",
        )
    return repeats


@periodicals_router.get(
    "/periodic",
    summary="List or search periodicals",
    description="Newest first unless `orderasc=true`. `hasrun=true` keeps those that have "
    "made an invoice, `false` those that haven't yet.",
)
def list_periodicals(request, clientname: str = "", repeat: str = ""):
    params = list_params(request, PERIODICAL_ORDERINGS, default_order="id")
    if request.GET.get("orderasc") in (None, ""):
        # The spec's default for this resource: descending.
        params.ascending = False
    periodicals = queries.periodicals_matching(
        client=_client_filter(request),
        client_search=clientname.replace("\x00", "").strip(),
        repeats=_repeats(repeat),
        has_run=query_bool(request, "hasrun"),
    )
    page = params.page(order_queryset(_sortable(periodicals), params, PERIODICAL_ORDERINGS))
    rows = PERIODICAL_ROW.rows(request, page)
    return list_response(request, rows, params.total(periodicals, len(rows)))


@periodicals_router.get("/periodic/{int:periodical_id}", summary="Get a specific periodical")
@reads_ahead(PERIODICAL_ROW, Periodical, "periodical_id")
def get_periodical(request, periodical_id: int):
    rows = PERIODICAL_ROW.rows_of(request, Periodical, [periodical_id])
    if not rows:
        raise ApiNotFound.no_such("periodical", periodical_id)
    return item_response(request, rows[0])


def _first_of(value):
    # An object sent back as read may come JSON-encoded in a form body.
    if isinstance(value, str) and value.lstrip()[:1] in ("{", "["):
        try:
            return parse_json(value)
        except ValueError:
            return value
    return value


def _accept_periodical_shapes(data: dict, spec) -> list[tuple[str, str]]:
    """What a GET returns, sent back: `terms` ({"days"}) as the days, `client` ({type,
    id}) as its code, `email` ({to, bcc, message}) as the three email fields (a flat
    one sent too wins), `addedby` ([{email}] or {email}) as the email."""
    problems: list[tuple[str, str]] = []
    terms = _first_of(data.get("terms"))
    if isinstance(terms, dict):
        data["terms"] = terms.get("days")
    client = _first_of(data.get("client"))
    if isinstance(client, dict):
        if client.get("type") in (None, "") or client.get("id") in (None, ""):
            problems.append(("client", "client must be an object with a type and an id."))
            data.pop("client")
        else:
            data["client"] = f"{client['type']}{client['id']}"
    email = _first_of(data.pop("email", None))
    if isinstance(email, dict):
        unknown = sorted(set(email) - {"to", "bcc", "message"})
        if unknown:
            problems.append(("email", f"email has keys Docket doesn't know: {', '.join(unknown)}."))
        for part, name in (("to", "emailto"), ("bcc", "emailbcc"), ("message", "emailmessage")):
            if part in email and name not in data:
                data[name] = email[part] if email[part] is not None else ""
    elif email not in (None, ""):
        problems.append(("email", "email must be an object with to, bcc and message."))
    added_by = _first_of(data.get("addedby"))
    if isinstance(added_by, list) and len(added_by) == 1:
        added_by = added_by[0]
    if isinstance(added_by, dict) and "email" in added_by:
        data["addedby"] = added_by["email"]
    return problems


def _periodical_fields(request, *, partial: bool) -> dict:
    fields = body_fields(
        request, PERIODICAL_FIELDS, partial=partial, reshape=_accept_periodical_shapes
    )
    if "addedby" in fields:
        fields["added_by"] = account_services.named_author(
            principal(request).actor, fields.pop("addedby")
        )
    return fields


@periodicals_router.post(
    "/periodic", summary="Add a new periodical", openapi_extra=PERIODICAL_FIELDS.openapi_body()
)
def create_periodical(request):
    periodical = periodicals.create_periodical(**_periodical_fields(request, partial=False))
    return id_response(request, periodical.pk, status=201)


@periodicals_router.patch(
    "/periodic/{int:periodical_id}",
    summary="Update a periodical",
    description="Changes apply to the invoices still to come.",
    openapi_extra=PERIODICAL_FIELDS.openapi_body(),
)
def update_periodical(request, periodical_id: int):
    periodical = get_or_404(Periodical, "periodical", periodical_id)
    periodicals.update_periodical(periodical, **_periodical_fields(request, partial=True))
    return id_response(request, periodical.pk)


@periodicals_router.delete(
    "/periodic/{int:periodical_id}",
    summary="Delete a periodical",
    description="No more invoices are made; those it made stay.",
)
def delete_periodical(request, periodical_id: int):
    periodicals.delete_periodical(get_or_404(Periodical, "periodical", periodical_id))
    return id_response(request, periodical_id)


# --- the documents' PDFs ---------------------------------------------------------------
#
# A document's `pdf` is the URL of these: its PDF with the API's credentials or a
# signed-in session, never without. 404 when there is no such document or no PDF yet
# (`pdf` is null until the worker has rendered one).

PDF_DESCRIPTION = (
    "The document's PDF (`application/pdf`), as its `pdf` field links it; 404 until the "
    "worker has rendered one. An issued invoice's or credit note's is the PDF as issued."
)


def _pdf_download(kind: str, noun: str, pk: int):
    document = pdfs.find_document(kind, pk)
    if document is None:
        raise ApiNotFound.no_such(noun, pk)
    stored = pdfs.stored_pdf(document)
    if stored is None:
        raise ApiNotFound(f"No PDF of {noun} {pk} yet.")
    return FileResponse(
        stored, content_type="application/pdf", filename=pdfs.pdf_filename(document)
    )


@invoices_router.get(
    "/invoices/{int:invoice_id}/pdf",
    summary="Download an invoice's PDF",
    description=PDF_DESCRIPTION,
)
def invoice_pdf(request, invoice_id: int):
    return _pdf_download("invoice", "invoice", invoice_id)


@invoices_router.get(
    "/creditnotes/{int:note_id}/pdf",
    summary="Download a credit note's PDF",
    description=PDF_DESCRIPTION,
)
def credit_note_pdf(request, note_id: int):
    return _pdf_download("creditnote", "credit note", note_id)


@proposals_router.get(
    "/proposals/{int:proposal_id}/pdf",
    summary="Download a proposal's PDF",
    description=PDF_DESCRIPTION,
)
def proposal_pdf(request, proposal_id: int):
    return _pdf_download("proposal", "proposal", proposal_id)


# --- reports ------------------------------------------------------------------------
#
# GET reports/<name>: grouped figures (billing.reports computes them; the time reports
# are billing.time_reports). The reports area opens the router; reports of money also
# need the invoices area (`_needs_invoices`), so a user kept from invoices sees no
# invoice figure through a report.

reports_router = Router(tags=["reports"])
reports_router.add_decorator(area_access("reports"))

REPORTS_XML_NOTE = (
    " In XML a key that is not a valid element name (a month such as `2014-03`, a number "
    "such as `1`) is written with an underscore in front and the key itself in a `key` "
    'attribute: `<_2014-03 key="2014-03">`.'
)
REPORT_PARAMS_HELP = (
    "`from`/`to`: epoch seconds, read as days in the account's time zone (both days "
    "included); `client`: C41 or I5; `assigned`: a user's email (`all`, the default, for "
    "everyone); `rows`/`start` page the groups, and `total` counts them."
)


@dataclass(frozen=True)
class ReportQuery:
    """A report's query string, checked: its filters, grouping and page of groups."""

    filters: reports.ReportFilters
    groupby: str
    rows: int
    start: int


def _epoch_local_day(request, name: str, problems: list):
    raw = request.GET.get(name, "").strip()
    if not raw:
        return None
    try:
        moment = datetime.fromtimestamp(parse_int(raw), tz=UTC)
    except ValueError:
        problems.append((name, f"{name} must be a time in epoch seconds."))
        return None
    except (OverflowError, OSError):
        problems.append((name, f"{name} is out of range."))
        return None
    day = reports.local_day(moment)
    if problem := reports.day_out_of_range(day):
        problems.append((name, problem.format(name=name)))
        return None
    return day


def _report_id(request, name: str, problems: list) -> int | None:
    raw = request.GET.get(name, "").strip()
    if not raw:
        return None
    try:
        value = parse_int(raw)
        if not 0 < value <= MAX_ID:
            raise ValueError
    except ValueError:
        problems.append((name, f"{name} must be the id of a {name}, a whole number."))
        return None
    return value


def report_params(
    request, groupings: tuple[str, ...] = ("date", "client"), *, accepts: tuple[str, ...] = ()
) -> ReportQuery:
    """A report's parameters, every problem at once, each naming its parameter:
    `from`, `to`, `groupby` (one of `groupings`, the first by default), `client`,
    `assigned`, `rows`, `start`, and those of `accepts` among `project`, `job`, `item`,
    `action`, `paid`. A parameter the report doesn't take is ignored, as Depot does."""
    problems: list[tuple[str, str]] = []
    start = _epoch_local_day(request, "from", problems)
    end = _epoch_local_day(request, "to", problems)
    if start is not None and end is not None and start > end:
        problems.append(("from", "from must not be after to."))
    groupby = request.GET.get("groupby", "").strip() or groupings[0]
    if groupby not in groupings:
        problems.append(("groupby", f"groupby must be one of: {', '.join(groupings)}."))
    client = None
    raw_client = request.GET.get("client", "").strip()
    if raw_client:
        client = project_queries.client_named_by(raw_client)
        if client is None:
            shown = raw_client if len(raw_client) <= 40 else f"{raw_client[:40]}…"
            problems.append(
                (
                    "client",
                    f"client must be the code of a company or person such as C41 or I5; "
                    f"'{shown}' names none.",
                )
            )
    assigned = None
    raw_assigned = request.GET.get("assigned", "").strip()
    if raw_assigned and raw_assigned.lower() != "all":
        assigned = account_queries.user_by_email(raw_assigned)
        if assigned is None:
            shown = raw_assigned if len(raw_assigned) <= 80 else f"{raw_assigned[:80]}…"
            problems.append(("assigned", f"assigned: no user has the email '{shown}'."))
    ids = {
        name: _report_id(request, name, problems)
        for name in ("project", "job", "item", "action")
        if name in accepts
    }
    paid = None
    if "paid" in accepts:
        try:
            paid = query_bool(request, "paid")
        except ApiValidationError as exc:
            problems.extend(exc.problems)
    try:
        rows, first = query_paging(request)
    except ApiValidationError as exc:
        problems.extend(exc.problems)
        rows, first = 10, 0
    if problems:
        raise ApiValidationError.by_field(problems)
    filters = reports.ReportFilters(
        start=start,
        end=end,
        client=client,
        project_id=ids.get("project"),
        job_id=ids.get("job"),
        item_id=ids.get("item"),
        action_id=ids.get("action"),
        assigned=assigned,
        paid=paid,
    )
    return ReportQuery(filters=filters, groupby=groupby, rows=rows, start=first)


def grouped_response(request, groups: list, query: ReportQuery, **extra):
    """Depot's grouped answer: `rows` an object keyed by each group's key (in order)
    for the page of groups, `total` how many groups there are, and any `extra` keys
    (`grouping`, `stats`)."""
    page = groups[query.start : query.start + query.rows]
    body = {
        "error": False,
        "rows": {group.key: group.as_row() for group in page},
        **extra,
        "total": len(groups),
    }
    return depot_response(request, body)


def _needs_invoices(request) -> None:
    """Reports of money: the invoices area too (its read scope for a credential)."""
    principal(request).require("invoices")


@reports_router.get(
    "/invoices",
    summary="Report on invoices",
    description="What was invoiced, gross (grand totals), on issued invoices less issued "
    "credit notes; a credit note counts in the month of its own date, against its "
    "invoice's client. `groupby`: `date` (months `2014-03`, empty months included, "
    "`clients: []`), `client` (`C41`) or `category` (ledger category of the lines; each "
    "line's net less the discount with its tax rate, rounded per group). Filters: "
    "`project`, `job` (ids), `paid` (true/false). "
    + REPORT_PARAMS_HELP
    + " Needs the reports and invoices areas."
    + REPORTS_XML_NOTE,
)
def report_invoices(request):
    _needs_invoices(request)
    query = report_params(
        request, reports.GROUPINGS["invoices"], accepts=("project", "job", "paid")
    )
    groups = reports.invoices_report(query.filters, query.groupby)
    return grouped_response(request, groups, query)


@reports_router.get(
    "/payments",
    summary="Report on payments",
    description="What was received, by month of the day received (`groupby=date`) or by the "
    "invoice's client (`client`). Filters: `project`, `job` (ids, the invoice's), "
    "`assigned` (who added the invoice). "
    + REPORT_PARAMS_HELP
    + " Needs the reports and invoices areas."
    + REPORTS_XML_NOTE,
)
def report_payments(request):
    _needs_invoices(request)
    query = report_params(request, reports.GROUPINGS["payments"], accepts=("project", "job"))
    groups = reports.payments_report(query.filters, query.groupby)
    return grouped_response(request, groups, query)


@reports_router.get(
    "/periodicals",
    summary="Report on recurring invoices",
    description="What recurring invoices (periodicals) invoiced: their issued invoices less "
    "credit notes, gross, by month (`groupby=date`) or client; `grouping` says which "
    "(`month` or `client`). `stats`: `active` (recurring invoices running today for these "
    "filters), `monthly` (what they bring a month, gross: a year's is a twelfth, a week's "
    "52/12) and `invoiced` (the period's sum). "
    + REPORT_PARAMS_HELP
    + " Needs the reports and invoices areas."
    + REPORTS_XML_NOTE,
)
def report_periodicals(request):
    _needs_invoices(request)
    query = report_params(request, reports.GROUPINGS["periodicals"])
    groups, stats = reports.periodicals_report(query.filters, query.groupby)
    grouping = "month" if query.groupby == "date" else "client"
    return grouped_response(request, groups, query, grouping=grouping, stats=stats)


# The time reports (billing.time_reports): everyone's hours, so the timesheets area
# ("Everyone's timesheets") as well as reports.


def _needs_timesheets(request) -> None:
    principal(request).require("timesheets")


def _client_row(client: dict) -> dict:
    return {"type": client["type"], "id": str(client["id"]), "name": client["name"]}


def _time_group_row(group) -> dict:
    projects = {
        f"P{project['id']}": {
            "id": str(project["id"]),
            "name": project["name"],
            "type": "P",
            "client": _client_row(project["client"]),
            "total": project["total"],
        }
        for project in group.projects
    }
    # Depot writes an empty month's projects as [] (an empty list), not {}.
    return {"total": group.total, "projects": projects or []}


@reports_router.get(
    "/timesheets",
    summary="Report on timesheets",
    description="Hours logged, by month of the entry's day (`groupby=date`: keys `2014-03`, "
    'every month of the period, an empty one `{"total": 0, "projects": []}`) or by the '
    "project's client (`client`: keys `C41`/`I5`, most hours first), each with its projects' "
    "hours (`P394`: `id`, `name`, `type` `P`, `client`, and its hours as `total`). Filters: "
    "`project`, `job`, `item`, `action` (ids), `assigned` (who logged the time). "
    + REPORT_PARAMS_HELP
    + " Needs the reports and timesheets areas."
    + REPORTS_XML_NOTE,
)
def report_timesheets(request):
    _needs_timesheets(request)
    query = report_params(request, accepts=("project", "job", "item", "action"))
    report = time_reports.timesheets(
        query.filters, groupby=query.groupby, start=query.start, rows=query.rows, split=False
    )
    rows = {group.key: _time_group_row(group) for group in report.groups}
    return depot_response(request, {"error": False, "rows": rows, "total": report.count})


@reports_router.get(
    "/profitability",
    summary="Report on profitability",
    description="Per project, hours allocated (its hourly items' hours) against hours logged "
    "in the period, with each job's; `grouping` is `project`, `stats` the totals of every "
    "project matched (`projects`, `logged`, `allocated`), `total` how many. With a period or "
    "`assigned`, only projects with time (or issued invoices or credit notes) in it. The "
    "least profitable first: what was invoiced (net, less credit notes, in the period) less "
    "the cost of the time at its charge rates, then the most hours over the allocation. "
    "Filters: `project`, `job` (ids), `assigned` (who logged the time). "
    + REPORT_PARAMS_HELP
    + " Needs the reports and timesheets areas.",
)
def report_profitability(request):
    _needs_timesheets(request)
    query = report_params(request, ("project",), accepts=("project", "job"))
    report = time_reports.profitability(
        query.filters, start=query.start, rows=query.rows, split=False
    )
    rows = [
        {
            "id": str(row["id"]),
            "name": row["name"],
            "client": _client_row(row["client"]),
            "allocated": row["allocated"],
            "logged": row["logged"],
            "jobs": [
                {
                    "id": str(job["id"]),
                    "name": job["name"],
                    "allocated": job["allocated"],
                    "logged": job["logged"],
                }
                for job in row["jobs"]
            ],
        }
        for row in report.rows
    ]
    stats = {"projects": report.count, "logged": report.logged, "allocated": report.allocated}
    return depot_response(
        request,
        {
            "error": False,
            "rows": rows,
            "grouping": "project",
            "stats": stats,
            "total": report.count,
        },
    )
