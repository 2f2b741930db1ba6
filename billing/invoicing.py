"""Every write to invoices, credit notes and payments, for pages, the API and the
worker alike (DESIGN §4).

A document is a draft until it is issued. Issuing takes the next reference from the
account's counter under a lock on the settings row, in the transaction that issues
it, so references never repeat and issued ones leave no gaps. From then on its money
fields and lines are fixed and it can't be deleted: a credit note corrects it.
Payments and credit notes lock their invoice's row while they check its balance, so
two at once can never take it below what is owed.

`invoice_work` makes a draft from a project's or a job's unbilled work and marks
what it bills (the time entries, the fixed and external items), so nothing is billed
twice; deleting the draft frees them again.
"""

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, TypedDict, Unpack

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from accounts import webhooks
from accounts.models import AccountSettings
from config.errors import Refusals, field_error, field_message, request_error
from config.keywords import only_known
from config.limits import (
    DOCUMENT_LINE_DESCRIPTION_MAX_CHARS,
    DOCUMENT_LINE_TITLE_MAX_CHARS,
    EMAIL_MESSAGE_MAX_CHARS,
    REQUEST_LIST_MAX_ITEMS,
)
from config.money import to_cents
from config.parsing import parse_bool, parse_date, parse_datetime, parse_int
from config.text import clean_values
from crm.journal import parse_item_code, resolve_item
from crm.models import Company, Contact
from projects.models import Job, JobItem, Project
from projects.services import client_from_code, discount_percentage

from .delivery import listed, send_on_issue, users_to_copy
from .models import (
    CreditNote,
    DocumentEvent,
    Invoice,
    InvoicedItem,
    InvoicedTime,
    LedgerCategory,
    Payment,
    TaxCode,
)
from .queries import unbilled_entries, unbilled_items
from .totals import (
    NO_CATEGORY,
    check_sent_total,
    clean_sections,
    document_totals,
    job_item_terms,
    public_sections,
)

User = get_user_model()
TERMS_MAX_DAYS = 3650
PURCHASE_ORDER_MAX_CHARS = Invoice._meta.get_field("purchaseorder").max_length
ISSUED_IS_FIXED = (
    "%(field)s can't be changed on an issued invoice: raise a credit note to correct it."
)


class EmailFields(TypedDict, total=False):
    """How a document is delivered (the next issue sends it; this one keeps it)."""

    sendemail: bool | str
    emailto: list[int] | str | None  # people's ids, or "5,7"
    emailbcc: list[str] | str | None  # users' emails, or "a@x.com,b@x.com"
    emailmessage: str
    ready: bool | str


class InvoiceFields(EmailFields, total=False):
    """An invoice's fields, by their Depot names. `items` with `total` (the client's
    own sum, checked to the cent when sent), and a client (`client`, or the client
    of the project or job in `for`) and `added_by` on create."""

    items: list | str
    total: Any  # checked when given (the API requires it with items)
    discount: Decimal | str | int | None
    client: str  # C41 or I5
    for_code: str  # P12 or J7: the work it bills
    purchaseorder: str
    date: datetime | str | int | None  # None: now
    terms: int | str | None  # days; None: the account's default
    added_by: Any
    # Set by the worker for a recurring invoice's period (billing.periodicals): one
    # invoice per period, which the unique constraint on the two holds.
    periodical: Any  # a Periodical
    period: date | None


class CreditNoteFields(EmailFields, total=False):
    invoice: Invoice | int | str
    items: list | str
    total: Any
    discount: Decimal | str | int | None
    date: datetime | str | int | None
    added_by: Any


class PaymentFields(TypedDict, total=False):
    invoice: Invoice | int | str
    amount: Decimal | str | int | float
    date: Any  # a date, or an epoch/ISO value
    method: str
    note: str
    added_by: Any


# --- shared parts ------------------------------------------------------------------


def document_author(user) -> Any:
    if user is None:
        raise field_error("addedby", "%(field)s is required.", "required")
    if not isinstance(user, User) or not user.pk:
        raise field_error("addedby", "%(field)s must be an existing user.", "not_found")
    return user


def _moment(value, field: str) -> datetime:
    if value in (None, ""):
        return timezone.now()
    if isinstance(value, datetime):
        return value
    try:
        return parse_datetime(value)
    except ValueError as problem:
        raise field_error(field, "%(field)s %(problem)s", "invalid", problem=str(problem)) from None


def terms_days(value) -> int:
    if value in (None, ""):
        return AccountSettings.load().default_payment_terms
    try:
        days = parse_int(value)
    except ValueError:
        days = -1
    if not 0 <= days <= TERMS_MAX_DAYS:
        raise field_error(
            "terms",
            "%(field)s must be a whole number of days from 0 to %(limit)s.",
            "out_of_range",
            limit=TERMS_MAX_DAYS,
        )
    return days


def purchase_order(value) -> str:
    order = str(value or "").strip()
    if len(order) > PURCHASE_ORDER_MAX_CHARS:
        raise field_error(
            "purchaseorder",
            "%(field)s must be at most %(limit)s characters.",
            "max_length",
            limit=PURCHASE_ORDER_MAX_CHARS,
        )
    return order


def _bool(value, field: str) -> bool:
    try:
        return parse_bool(value)
    except ValueError:
        raise field_error(field, "%(field)s must be true or false.", "invalid") from None


def _too_many(field: str) -> ValidationError:
    return field_error(
        field, "%(field)s can name at most %(limit)s.", "too_many", limit=REQUEST_LIST_MAX_ITEMS
    )


def _email_to(value) -> list[int]:
    items = listed(value)
    if len(items) > REQUEST_LIST_MAX_ITEMS:
        raise _too_many("emailto")
    try:
        ids = [parse_int(item) for item in items]
    except (TypeError, ValueError):
        raise field_error(
            "emailto", "%(field)s must be a list of people's ids.", "invalid"
        ) from None
    ids = list(dict.fromkeys(ids))
    found = set(Contact.objects.filter(pk__in=ids).values_list("pk", flat=True))
    unknown = [str(number) for number in ids if number not in found]
    if unknown:
        raise field_error(
            "emailto",
            "%(field)s names people who don't exist: %(ids)s.",
            "not_found",
            ids=", ".join(unknown[:20]),
        )
    return ids


def _email_bcc(value) -> list[str]:
    return users_to_copy(value, field="emailbcc", limit=REQUEST_LIST_MAX_ITEMS)


def _email_message(value) -> str:
    message = str(value or "").strip()
    if len(message) > EMAIL_MESSAGE_MAX_CHARS:
        raise field_error(
            "emailmessage",
            "%(field)s must be at most %(limit)s characters.",
            "max_length",
            limit=EMAIL_MESSAGE_MAX_CHARS,
        )
    return message


def write_email_fields(document, fields: dict, check, errors: dict) -> None:
    if "sendemail" in fields:
        value = check(_bool, fields["sendemail"], "sendemail")
        if value is not None:
            document.sendemail = value
    if "emailto" in fields:
        value = check(_email_to, fields["emailto"])
        if value is not None:
            document.email_to = value
    if "emailbcc" in fields:
        value = check(_email_bcc, fields["emailbcc"])
        if value is not None:
            document.email_bcc = value
    if "emailmessage" in fields:
        value = check(_email_message, fields["emailmessage"])
        if value is not None:
            document.email_message = value
    if "ready" in fields:
        value = check(_bool, fields["ready"], "ready")
        if value is not None:
            document.ready = value


def _take_next_reference(counter: str, model) -> str:
    """The next number from the account's `counter`, under a lock on the settings row
    (SQLite: the IMMEDIATE write transaction already holds the database)."""
    account = AccountSettings.objects.select_for_update().get(pk=AccountSettings.load().pk)
    number = getattr(account, counter)
    # The counter may have been set back onto numbers already used.
    while model.objects.filter(reference=str(number)).exists():
        number += 1
    setattr(account, counter, number + 1)
    account.save(update_fields=[counter])
    return str(number)


def _issue(document, counter: str, *, by=None) -> None:
    document.reference = _take_next_reference(counter, type(document))
    document.issued_at = timezone.now()
    document.save(update_fields=["reference", "issued_at", "lastupdated"])
    event = {"invoice": document} if isinstance(document, Invoice) else {"credit_note": document}
    DocumentEvent.objects.create(
        kind=DocumentEvent.Kind.ISSUED,
        by=by if isinstance(by, User) else None,
        detail=f"Reference {document.reference}",
        **event,
    )
    # Ready to send: issued with `sendemail`, it goes out once this commits.
    send_on_issue(document, by=by)
    kind = "invoice" if isinstance(document, Invoice) else "creditnote"
    webhooks.record(f"{kind}.issued", document.pk)
    # A credit note that clears what was owed settles the invoice, as a payment does.
    if (
        kind == "creditnote"
        and "invoice.paid" in webhooks.wanted_events()
        and amounts_owed(document.invoice)["balance"] <= 0 < document.grandtotal
    ):
        webhooks.record("invoice.paid", document.invoice_id)


def _sent_items(fields: dict):
    """The lines sent, none when absent or empty; anything else (an object, a number)
    goes to `clean_sections`, which refuses it rather than read it as no lines."""
    items = fields.get("items")
    return [] if items is None or items == "" else items


def _due_to_issue(document) -> bool:
    return document.ready and not document.issued and document.date <= timezone.now()


# --- invoices ----------------------------------------------------------------------


def _work(value) -> Project | Job:
    code = str(value or "").strip()
    letter, _ = parse_item_code(code, field="for")
    if letter not in (Project.CODE, "J"):
        raise field_error(
            "for",
            "%(field)s must be a project (P…) or a job (J…), not '%(code)s'.",
            "not_work",
            code=code[:40],
        )
    return resolve_item(code, field="for")


# What an issued invoice keeps for ever (its service names); delivery may still change.
ISSUED_INVOICE_KEEPS = (
    "items",
    "total",
    "discount",
    "client",
    "for_code",
    "purchaseorder",
    "date",
    "terms",
)


def _same(rule, value, current) -> bool:
    """Whether `rule(value)` is `current`; a value the rule refuses is a change."""
    try:
        return rule(value) == current
    except ValidationError:
        return False


def _same_lines(value, sections: list) -> bool:
    # As a client reads them: a rate frozen on an old line doesn't make it a change.
    return _same(
        lambda sent: public_sections(clean_sections(_sent_items({"items": sent}))),
        value,
        public_sections(sections),
    )


def _same_moment(value, moment: datetime) -> bool:
    # To the second: a client reads dates as epoch seconds.
    return _same(
        lambda sent: int(_moment(sent, "date").timestamp()), value, int(moment.timestamp())
    )


def _same_money(value, amount: Decimal) -> bool:
    try:
        return to_cents(Decimal(str(value).strip())) == amount
    except (ArithmeticError, ValueError):
        return False


def _unchanged_on_invoice(invoice: Invoice, name: str, value) -> bool:
    if name == "items":
        return _same_lines(value, invoice.items)
    if name == "total":
        return _same_money(value, invoice.total)
    if name == "discount":
        return _same(discount_percentage, value, invoice.discount)
    if name == "client":
        # No client sent keeps the one it has, on a draft too.
        return value in (None, "") or _same(
            lambda code: client_from_code(code, field="client"), value, invoice.client
        )
    if name == "for_code":
        if value in (None, ""):
            return invoice.project_id is None
        return _same(_work, value, invoice.job or invoice.project)
    if name == "purchaseorder":
        return str(value or "").strip() == invoice.purchaseorder
    if name == "date":
        return _same_moment(value, invoice.date)
    return _same(terms_days, value, invoice.terms)


def _refuse_issued_changes(invoice: Invoice, fields: dict) -> dict:
    """An issued invoice's fixed fields may be sent as they are (a client sending back
    what it read), never changed: the 400 names each changed one and says to raise a
    credit note. Returns the fields without the unchanged fixed ones."""
    sent = [name for name in ISSUED_INVOICE_KEEPS if name in fields]
    changed = [name for name in sent if not _unchanged_on_invoice(invoice, name, fields[name])]
    if changed:
        raise ValidationError(
            {
                ("for" if name == "for_code" else name): [
                    field_message("for" if name == "for_code" else name, ISSUED_IS_FIXED, "issued")
                ]
                for name in changed
            }
        )
    return {name: value for name, value in fields.items() if name not in sent}


def _write_invoice(invoice: Invoice, fields: dict, *, creating: bool, actor=None) -> None:
    fields = clean_values(only_known(fields, InvoiceFields))
    if not creating and invoice.issued:
        fields = _refuse_issued_changes(invoice, fields)
    refusals = Refusals()
    check, errors = refusals.check, refusals.errors

    if "for_code" in fields and fields["for_code"] not in (None, ""):
        work = check(_work, fields["for_code"])
        if isinstance(work, Project):
            invoice.project, invoice.job = work, None
        elif isinstance(work, Job):
            invoice.project, invoice.job = work.project, work
    elif "for_code" in fields:
        invoice.project = invoice.job = None
    if fields.get("client") not in (None, ""):
        client = check(client_from_code, fields["client"], field="client")
        if client is not None:
            invoice.client_company, invoice.client_contact = (
                (client, None) if isinstance(client, Company) else (None, client)
            )
    elif invoice.project_id and "for" not in errors and (creating or "for_code" in fields):
        project = invoice.project
        invoice.client_company_id = project.client_company_id
        invoice.client_contact_id = project.client_contact_id
    if creating and not (invoice.client_company_id or invoice.client_contact_id):
        errors.setdefault(
            "client",
            field_message(
                "client",
                "%(field)s is required: a company (C…) or a person (I…), "
                "or a project or job in for.",
                "required",
            ),
        )
    if creating or "discount" in fields:
        discount = check(discount_percentage, fields.get("discount"))
        if discount is not None:
            invoice.discount = discount
    if creating or "items" in fields:
        sections = check(clean_sections, _sent_items(fields))
        if sections is not None:
            invoice.items = sections
    if "purchaseorder" in fields:
        order = check(purchase_order, fields["purchaseorder"])
        if order is not None:
            invoice.purchaseorder = order
    if creating or "date" in fields:
        moment = check(_moment, fields.get("date"), "date")
        if moment is not None:
            invoice.date = moment
    if creating or "terms" in fields:
        terms = check(terms_days, fields.get("terms"))
        if terms is not None:
            invoice.terms = terms
    write_email_fields(invoice, fields, check, errors)
    if creating:
        user = check(document_author, fields.get("added_by"))
        if user is not None:
            invoice.added_by = user
    if "periodical" in fields:
        invoice.periodical = fields["periodical"]
    if "period" in fields:
        invoice.period = fields["period"]
    if errors:
        raise ValidationError(errors)

    totals = document_totals(invoice.items, invoice.discount)
    if fields.get("total") is not None:
        check_sent_total(fields["total"], totals)
    for name, amount in totals.money_fields().items():
        setattr(invoice, name, amount)
    invoice.due = invoice.date + timedelta(days=invoice.terms)
    invoice.save()
    if _due_to_issue(invoice):
        _issue(invoice, "nextinvoiceid", by=actor or invoice.added_by)


@transaction.atomic
def create_invoice(*, actor=None, **fields: Unpack[InvoiceFields]) -> Invoice:
    """A draft invoice; issued at once when it is `ready` and its date has come."""
    invoice = Invoice()
    _write_invoice(invoice, fields, creating=True, actor=actor)
    webhooks.record("invoice.created", invoice.pk)
    return invoice


@transaction.atomic
def update_invoice(invoice: Invoice, *, actor=None, **fields: Unpack[InvoiceFields]) -> Invoice:
    """Drafts change freely. An issued invoice keeps its money, lines, client, dates and
    PO (a change is a 400 that says to raise a credit note; the same values sent back
    pass); how it is delivered may still change."""
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    _write_invoice(invoice, fields, creating=False, actor=actor)
    webhooks.record("invoice.updated", invoice.pk)
    return invoice


@transaction.atomic
def issue_invoice(invoice: Invoice, *, by=None) -> Invoice:
    """Issue a draft now (the page's "Issue" button): ready, dated today if it was
    dated later, its reference taken from the counter."""
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.issued:
        raise request_error(
            "Invoice %(reference)s is already issued.", "issued", reference=invoice.reference
        )
    now = timezone.now()
    invoice.ready = True
    if invoice.date > now:
        invoice.date = now
        invoice.due = now + timedelta(days=invoice.terms)
    invoice.save(update_fields=["ready", "date", "due", "lastupdated"])
    _issue(invoice, "nextinvoiceid", by=by)
    return invoice


def issue_due_invoices(now: datetime | None = None) -> int:
    """The worker's round: ready drafts whose date has come are issued, each in its
    own transaction (one bad row can't hold back the rest). Returns how many."""
    now = now or timezone.now()
    issued = 0
    for pk in Invoice.objects.filter(ready=True, issued_at=None, date__lte=now).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            invoice = Invoice.objects.select_for_update().filter(pk=pk, issued_at=None).first()
            if invoice is not None and invoice.ready and invoice.date <= now:
                _issue(invoice, "nextinvoiceid", by=None)
                issued += 1
    for pk in CreditNote.objects.filter(ready=True, issued_at=None, date__lte=now).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            note = CreditNote.objects.select_for_update().filter(pk=pk, issued_at=None).first()
            if note is not None and note.ready and note.date <= now:
                _issue(note, "nextcreditid", by=None)
                issued += 1
    return issued


@transaction.atomic
def delete_invoice(invoice: Invoice) -> None:
    """Only drafts: an issued invoice is a record the books keep. Deleting a draft
    frees the time it billed."""
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.issued:
        raise request_error(
            "Invoice %(reference)s is issued and can't be deleted: "
            "raise a credit note to cancel it.",
            "issued",
            reference=invoice.reference,
        )
    row = webhooks.render_for_deletion("invoice", invoice.pk)
    invoice_id = invoice.pk
    invoice.delete()
    webhooks.record_deleted("invoice", invoice_id, row)


# --- invoicing the work --------------------------------------------------------------


def _hours_line(item: JobItem, hours: Decimal, first, last, taxcode: str, category: str) -> dict:
    days = f"{first:%-d %b %Y}" if first == last else f"{first:%-d %b %Y} to {last:%-d %b %Y}"
    return {
        "type": "hourly",
        "title": item.title[:DOCUMENT_LINE_TITLE_MAX_CHARS],
        "description": f"{hours.normalize():f} hours logged, {days}",
        "quantity": hours,
        "unitprice": item.rate,
        "taxcode": taxcode,
        "category": category,
    }


def _item_line(item: JobItem, taxcode: str, category: str) -> dict:
    quantity, unitprice, markup = job_item_terms(item.type, item.hours, item.rate)
    return {
        "type": item.type,
        "title": item.title[:DOCUMENT_LINE_TITLE_MAX_CHARS],
        "description": item.description[:DOCUMENT_LINE_DESCRIPTION_MAX_CHARS],
        "quantity": quantity,
        "unitprice": unitprice,
        "markup": markup,
        "taxcode": taxcode,
        "category": category,
    }


@transaction.atomic
def invoice_work(*, for_code: str, added_by) -> Invoice:
    """A draft invoice for a project's or a job's unbilled work (`for_code`: P12 or
    J7), for its client, with the project's discount (a job's own, if it has one), to
    be checked and edited before it is issued. A section per job, in the project's
    order, and in each a line per item, in the job's order:

    - an hourly item: its unbilled hours (`billing.queries.unbilled_entries`: logged
      on the item or its actions, not internal, not invoiced) at the item's rate;
    - a fixed-price item: its quantity at its price, once;
    - an external item: its cost with its markup (`billing.totals.job_item_terms`),
      once; neither when cancelled.

    A line takes its item's tax code and ledger category; an item without a tax code
    (or with one since deleted) takes the account's first (Settings → Tax codes), one
    without a ledger category (or with one since deleted) none.

    The entries and items billed are recorded (`InvoicedTime`, `InvoicedItem`), so the
    next invoice leaves them out whatever is then done to the draft's lines; deleting
    the draft frees them. The project's row is locked first: two people invoicing the
    same work at once (the project and one of its jobs, or one click twice) take turns,
    and the second bills only what the first left. A 400 on `for` when there is
    nothing to bill."""
    author = document_author(added_by)
    work = _work(for_code)
    project = work if isinstance(work, Project) else work.project
    code = f"{work.CODE}{work.pk}"
    Project.objects.select_for_update().filter(pk=project.pk).first()
    if isinstance(work, Project):
        jobs = list(project.jobs.order_by("order", "pk"))
        discount = project.discount
        scope = {"project_id": project.pk}
    else:
        jobs = [work]
        discount = work.discount or project.discount
        scope = {"job_id": work.pk}

    # Locked too, so a timesheet change to them waits for this invoice, then finds
    # them billed (projects.timesheet locks an entry before changing it).
    entries = list(
        unbilled_entries(**scope)
        .select_for_update(of=("self",))
        .order_by()
        .values_list("pk", "item_id", "hours", "date")
    )
    time_by_item: dict[int, tuple[Decimal, Any, Any]] = {}
    for _, item_id, hours, day in entries:
        total, first, last = time_by_item.get(item_id, (Decimal(0), day, day))
        time_by_item[item_id] = (total + hours, min(first, day), max(last, day))
    item_scope = {"job__project_id": project.pk} if "project_id" in scope else scope
    once = set(unbilled_items(**item_scope).values_list("pk", flat=True))
    wanted = set(time_by_item) | once
    items_by_job: dict[int, list[JobItem]] = {}
    for item in JobItem.objects.filter(pk__in=wanted).order_by("order", "pk"):
        items_by_job.setdefault(item.job_id, []).append(item)

    codes = list(TaxCode.objects.values_list("code", flat=True))
    ledgers = set(LedgerCategory.objects.values_list("code", flat=True))
    sections = []
    for job in jobs:
        lines = []
        for item in items_by_job.get(job.pk, []):
            taxcode = item.taxcode if item.taxcode in codes else (codes[0] if codes else "")
            category = item.ledger if item.ledger in ledgers else NO_CATEGORY
            if item.pk in time_by_item:
                lines.append(_hours_line(item, *time_by_item[item.pk], taxcode, category))
            else:
                lines.append(_item_line(item, taxcode, category))
        if lines:
            sections.append({"title": job.title, "items": lines})
    if not sections:
        raise field_error(
            "for",
            "%(work)s has nothing left to bill: no unbilled time on its hourly items, and "
            "its fixed-price and external items are on invoices already.",
            "nothing_to_bill",
            work=f"{work} ({code})",
        )
    if not codes:
        raise field_error(
            "for",
            "%(work)s can't be billed before the account has a tax code for its lines: "
            "add one in Settings, Tax codes.",
            "no_tax_code",
            work=f"{work} ({code})",
        )

    invoice = create_invoice(items=sections, for_code=code, added_by=author, discount=discount)
    InvoicedTime.objects.bulk_create(
        InvoicedTime(invoice=invoice, time_entry_id=pk) for pk, *_ in entries
    )
    InvoicedItem.objects.bulk_create(InvoicedItem(invoice=invoice, item_id=pk) for pk in once)
    return invoice


# --- what is owed ------------------------------------------------------------------


def amounts_owed(invoice: Invoice) -> dict[str, Decimal]:
    """Paid and credited so far, and the balance, for one invoice (lists annotate the
    same in SQL: billing.queries.with_balance)."""
    paid = invoice.payments.aggregate(sum=Sum("amount"))["sum"] or Decimal("0.00")
    credited = invoice.credit_notes.filter(issued_at__isnull=False).aggregate(
        sum=Sum("grandtotal")
    )["sum"] or Decimal("0.00")
    return {
        "amountpaid": paid,
        "credited": credited,
        "balance": invoice.grandtotal - paid - credited,
    }


def _locked_invoice(value, field: str) -> Invoice:
    if isinstance(value, Invoice):
        value = value.pk
    try:
        pk = parse_int(value)
    except (TypeError, ValueError):
        pk = None
    invoice = Invoice.objects.select_for_update().filter(pk=pk).first() if pk else None
    if invoice is None:
        raise field_error(field, "%(field)s must be an existing invoice.", "not_found")
    return invoice


# --- credit notes ------------------------------------------------------------------


def _left_to_credit(invoice: Invoice, *, besides: CreditNote | None = None) -> Decimal:
    others = invoice.credit_notes.all()
    if besides is not None and besides.pk:
        others = others.exclude(pk=besides.pk)
    return invoice.grandtotal - (others.aggregate(sum=Sum("grandtotal"))["sum"] or Decimal(0))


def _invoice_id(value) -> int | None:
    if isinstance(value, Invoice):
        return value.pk
    try:
        return parse_int(value)
    except (TypeError, ValueError):
        return None


def _unchanged_on_credit_note(note: CreditNote, name: str, value) -> bool:
    if name == "invoice":
        return _invoice_id(value) == note.invoice_id
    if name == "items":
        return _same_lines(value, note.items)
    if name == "total":
        return _same_money(value, note.total)
    if name == "discount":
        return _same(discount_percentage, value, note.discount)
    return _same_moment(value, note.date)


def _refuse_issued_credit_changes(note: CreditNote, fields: dict) -> dict:
    """As `_refuse_issued_changes`, for an issued credit note's invoice, lines, discount
    and date."""
    sent = [name for name in ("invoice", "items", "total", "discount", "date") if name in fields]
    changed = [name for name in sent if not _unchanged_on_credit_note(note, name, fields[name])]
    if changed:
        raise ValidationError(
            {
                ("invoiceid" if name == "invoice" else name): [
                    field_message(
                        "invoiceid" if name == "invoice" else name,
                        "%(field)s can't be changed on an issued credit note.",
                        "issued",
                    )
                ]
                for name in changed
            }
        )
    return {name: value for name, value in fields.items() if name not in sent}


def _write_credit_note(note: CreditNote, fields: dict, *, creating: bool, actor=None) -> None:
    fields = clean_values(only_known(fields, CreditNoteFields))
    if not creating and note.issued:
        fields = _refuse_issued_credit_changes(note, fields)
    refusals = Refusals()
    check, errors = refusals.check, refusals.errors
    if creating or "invoice" in fields:
        invoice = check(_locked_invoice, fields.get("invoice"), "invoiceid")
        if invoice is not None and not invoice.issued:
            errors["invoiceid"] = field_message(
                "invoiceid",
                "%(field)s must be an issued invoice: a draft is changed, not credited.",
                "not_issued",
            )
        elif invoice is not None:
            note.invoice = invoice
    if creating or "items" in fields:
        sections = check(clean_sections, _sent_items(fields))
        if sections is not None:
            note.items = sections
    if creating or "discount" in fields:
        discount = check(discount_percentage, fields.get("discount"))
        if discount is not None:
            note.discount = discount
    if creating or "date" in fields:
        moment = check(_moment, fields.get("date"), "date")
        if moment is not None:
            note.date = moment
    write_email_fields(note, fields, check, errors)
    if creating:
        user = check(document_author, fields.get("added_by"))
        if user is not None:
            note.added_by = user
    if errors:
        raise ValidationError(errors)

    totals = document_totals(note.items, note.discount)
    if fields.get("total") is not None:
        check_sent_total(fields["total"], totals)
    invoice = (
        note.invoice
        if creating or "invoice" in fields
        else _locked_invoice(note.invoice_id, "invoiceid")
    )
    left = _left_to_credit(invoice, besides=note)
    if totals.grandtotal > left:
        raise field_error(
            "total",
            "%(field)s is more than is left to credit on invoice %(reference)s "
            "(%(left)s with tax).",
            "over_credit",
            reference=invoice.reference,
            left=f"{max(left, Decimal(0)):.2f}",
        )
    for name, amount in totals.money_fields().items():
        setattr(note, name, amount)
    note.save()
    if _due_to_issue(note):
        _issue(note, "nextcreditid", by=actor or note.added_by)


@transaction.atomic
def create_credit_note(*, actor=None, **fields: Unpack[CreditNoteFields]) -> CreditNote:
    note = CreditNote()
    _write_credit_note(note, fields, creating=True, actor=actor)
    return note


@transaction.atomic
def update_credit_note(
    note: CreditNote, *, actor=None, **fields: Unpack[CreditNoteFields]
) -> CreditNote:
    note = CreditNote.objects.select_for_update().get(pk=note.pk)
    _write_credit_note(note, fields, creating=False, actor=actor)
    return note


@transaction.atomic
def issue_credit_note(note: CreditNote, *, by=None) -> CreditNote:
    note = CreditNote.objects.select_for_update().get(pk=note.pk)
    if note.issued:
        raise request_error(
            "Credit note %(reference)s is already issued.", "issued", reference=note.reference
        )
    note.ready = True
    if note.date > timezone.now():
        note.date = timezone.now()
    note.save(update_fields=["ready", "date", "lastupdated"])
    _issue(note, "nextcreditid", by=by)
    return note


@transaction.atomic
def delete_credit_note(note: CreditNote) -> None:
    note = CreditNote.objects.select_for_update().get(pk=note.pk)
    if note.issued:
        raise request_error(
            "Credit note %(reference)s is issued and can't be deleted.",
            "issued",
            reference=note.reference,
        )
    note.delete()


# --- payments ----------------------------------------------------------------------


def _amount(value) -> Decimal:
    try:
        if isinstance(value, bool):
            raise ValueError
        amount = Decimal(str(value).strip())
        if not amount.is_finite():
            raise ValueError
    except (ArithmeticError, ValueError):
        raise field_error("amount", "%(field)s must be a number.", "invalid") from None
    if amount <= 0:
        raise field_error("amount", "%(field)s must be more than 0.", "not_positive")
    if amount != to_cents(amount):
        raise field_error("amount", "%(field)s can have at most 2 decimal places.", "precision")
    return amount


def _method(value) -> str:
    by_lower = {method.lower(): method for method in Payment.Method.values}
    method = by_lower.get(str(value or "").strip().lower())
    if method is None:
        raise field_error(
            "method",
            "%(field)s must be one of: %(choices)s.",
            "invalid_choice",
            choices=", ".join(Payment.Method.values),
        )
    return method


def _payment_date(value):
    if value in (None, ""):
        raise field_error("date", "%(field)s is required.", "required")
    if isinstance(value, datetime):
        return timezone.localdate(value) if timezone.is_aware(value) else value.date()
    if hasattr(value, "year"):
        return value
    try:
        return parse_date(value)
    except ValueError as problem:
        raise field_error(
            "date", "%(field)s %(problem)s", "invalid", problem=str(problem)
        ) from None


@transaction.atomic
def record_payment(**fields: Unpack[PaymentFields]) -> Payment:
    """Money received against an issued invoice, never more than its balance."""
    fields = clean_values(only_known(fields, PaymentFields))
    refusals = Refusals()
    check, errors = refusals.check, refusals.errors
    invoice = check(_locked_invoice, fields.get("invoice"), "invoice")
    amount = check(_amount, fields.get("amount"))
    when = check(_payment_date, fields.get("date"))
    method = check(_method, fields.get("method"))
    note = str(fields.get("note") or "").strip()
    if len(note) > EMAIL_MESSAGE_MAX_CHARS:
        errors["note"] = field_message(
            "note",
            "%(field)s must be at most %(limit)s characters.",
            "max_length",
            limit=EMAIL_MESSAGE_MAX_CHARS,
        )
    if invoice is not None and not invoice.issued:
        errors["invoice"] = field_message(
            "invoice", "%(field)s must be an issued invoice: a draft can't be paid.", "not_issued"
        )
    if errors:
        raise ValidationError(errors)
    balance = amounts_owed(invoice)["balance"]
    if amount > balance:
        raise field_error(
            "amount",
            "%(field)s is more than the balance of invoice %(reference)s (%(balance)s).",
            "over_balance",
            reference=invoice.reference,
            balance=f"{max(balance, Decimal(0)):.2f}",
        )
    added_by = fields.get("added_by")
    payment = Payment.objects.create(
        invoice=invoice,
        amount=amount,
        date=when,
        method=method,
        note=note,
        added_by=added_by if isinstance(added_by, User) else None,
    )
    webhooks.record("payment.created", payment.pk)
    if amount >= balance:  # nothing left to pay
        webhooks.record("invoice.paid", invoice.pk)
    return payment


@transaction.atomic
def delete_payment(payment: Payment) -> None:
    """The invoice owes the amount again (its balance is derived, never stored)."""
    Invoice.objects.select_for_update().filter(pk=payment.invoice_id).first()
    row = webhooks.render_for_deletion("payment", payment.pk)
    payment_id = payment.pk
    payment.delete()
    webhooks.record_deleted("payment", payment_id, row)
