"""Invoices at scale for `manage.py seed_scale`: by default 50,000 invoices of ten
lines over the last two years, inserted in bulk. A few are drafts; the rest are
issued, numbered after the account's counter (moved past them), most paid in full,
some in part, a few credited in full and the rest owing, overdue once past their
terms; many bill one of the seeded projects, for its client.

Each shape of lines is checked and priced once (billing.totals, as every document
is) and shared by the invoices that use it, so the money columns agree with the
lines without pricing 50,000 documents."""

import json
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.models import AccountSettings
from config.bulk import ids_after, insert_in_batches, insert_prepared, last_pk, prepared
from config.money import to_cents
from projects.models import Project

from .models import CreditNote, DocumentEvent, Invoice, Payment, TaxCode
from .queries import forget_tab_totals
from .totals import Totals, clean_sections, document_totals

LINES = 10
SHAPES = 12
TERMS = 30
DAYS = 730
LINE_TITLES = [
    ("hourly", "Design"),
    ("hourly", "Development"),
    ("hourly", "Project management"),
    ("hourly", "Copywriting"),
    ("fixed", "Print run"),
    ("fixed", "Photography day"),
    ("product", "Website hosting (monthly)"),
    ("product", "Stock photo licence"),
    ("external", "Courier"),
]
QUANTITIES = ["1", "2", "3.5", "4", "7.25", "12"]
PRICES = ["18", "45", "55", "85", "110", "150", "640"]
METHODS = [method for method, _ in Payment.Method.choices]


def _tax_codes() -> list[str]:
    """The account's tax codes; a standard rate when it has none yet."""
    codes = list(TaxCode.objects.values_list("code", flat=True))
    if not codes:
        TaxCode.objects.create(code="001", name="Standard VAT", rate=Decimal("0.2"))
        codes = ["001"]
    return codes


def invoice_shapes(rng, count: int = SHAPES) -> list[tuple[list, Totals]]:
    """`count` different sets of LINES lines in two sections, each cleaned and priced
    once: (stored sections, their totals)."""
    codes = _tax_codes()
    shapes = []
    for _ in range(count):
        lines = []
        for _ in range(LINES):
            kind, title = rng.choice(LINE_TITLES)
            lines.append(
                {
                    "type": kind,
                    "title": title,
                    "quantity": rng.choice(QUANTITIES),
                    "unitprice": rng.choice(PRICES),
                    "markup": "10" if kind == "external" else "0",
                    "taxcode": rng.choice(codes),
                }
            )
        sections = clean_sections(
            [{"title": "Work", "items": lines[:7]}, {"title": "Expenses", "items": lines[7:]}]
        )
        shapes.append((sections, document_totals(sections)))
    return shapes


def _numbers(counter: str, model, count: int) -> list[str]:
    """`count` references from the account's `counter` on, past any already used,
    and the counter moved past them."""
    account = AccountSettings.load()
    used = set(model.objects.filter(reference__isnull=False).values_list("reference", flat=True))
    number, references = getattr(account, counter), []
    while len(references) < count:
        if str(number) not in used:
            references.append(str(number))
        number += 1
    setattr(account, counter, number)
    account.save(update_fields=[counter])
    return references


class _Shape:
    """One set of lines and its money, each prepared for the database once."""

    def __init__(self, sections: list, totals: Totals):
        self.sections, self.totals = sections, totals
        # JSON text: what a JSON column holds, written out once for all its invoices.
        self.items = json.dumps(sections)
        self.money = tuple(
            prepared(Invoice, name, amount) for name, amount in totals.money_fields().items()
        )


INVOICE_FIELDS = [
    "reference",
    "ready",
    "issued_at",
    "date",
    "terms",
    "due",
    "purchaseorder",
    "discount",
    "client_company",
    "project",
    "items",
    "total",
    "tax",
    "grandtotal",
    "sendemail",
    "email_to",
    "email_bcc",
    "email_message",
    "added_by",
    "added",
    "lastupdated",
]


def seed_invoices(rng, count: int, company_ids: list[int], users: list[int]) -> list[int]:
    """The invoices, their payments, credit notes and issue events; the invoices' ids."""
    shapes = [_Shape(sections, totals) for sections, totals in invoice_shapes(rng)]
    projects = list(
        Project.objects.filter(client_company__isnull=False).values_list("pk", "client_company_id")
    )
    now = timezone.now()
    drafts = {index for index in range(count) if rng.random() < 0.04}
    references = iter(_numbers("nextinvoiceid", Invoice, count - len(drafts)))
    # The same for every invoice: no discount, no PO, not sent by email.
    fixed = {
        "discount": prepared(Invoice, "discount", Decimal(0)),
        "nothing": prepared(Invoice, "email_to", []),
    }
    rows, plans = [], []
    for index in range(count):
        shape = rng.choice(shapes)
        date = now - timedelta(days=rng.randint(0, DAYS), minutes=rng.randint(0, 600))
        if projects and rng.random() < 0.4:
            project_id, company_id = rng.choice(projects)
        else:
            project_id, company_id = None, rng.choice(company_ids)
        issued = index not in drafts
        reference = next(references) if issued else None
        author = rng.choice(users)
        moment = prepared(Invoice, "date", date)
        rows.append(
            (
                reference,
                issued,
                moment if issued else None,
                moment,
                TERMS,
                prepared(Invoice, "due", date + timedelta(days=TERMS)),
                "",
                fixed["discount"],
                company_id,
                project_id,
                shape.items,
                *shape.money,
                False,
                fixed["nothing"],
                fixed["nothing"],
                "",
                author,
                moment,
                moment,
            )
        )
        plan = _what_became_of_it(rng, date, now) if issued else None
        plans.append((reference, date, shape, author, plan))
    before = last_pk(Invoice)
    insert_prepared(Invoice, INVOICE_FIELDS, rows)
    ids = ids_after(Invoice, before)
    _seed_afterwards(rng, ids, plans, users)
    return ids


def _what_became_of_it(rng, date, now) -> str:
    """Paid, part-paid ("part"), credited or owing: most past their terms are paid."""
    past_due = date + timedelta(days=TERMS) < now
    roll = rng.random()
    if roll < 0.02:
        return "credited"
    if roll < (0.80 if past_due else 0.30):
        return "paid"
    if roll < (0.88 if past_due else 0.40):
        return "part"
    return "owing"


def _seed_afterwards(rng, ids: list[int], plans: list, users: list[int]) -> None:
    """Each issued invoice's issue event, and its payment or its credit note."""
    now = timezone.now()
    issued_kind = prepared(DocumentEvent, "kind", DocumentEvent.Kind.ISSUED)
    payments, notes, events = [], [], []
    credited = sum(plan == "credited" for *_, plan in plans)
    note_references = iter(_numbers("nextcreditid", CreditNote, credited))
    for pk, (reference, date, shape, author, plan) in zip(ids, plans, strict=True):
        if plan is None:
            continue
        events.append(
            (pk, issued_kind, prepared(DocumentEvent, "at", date), author, f"Reference {reference}")
        )
        paid_on = min(date + timedelta(days=rng.randint(3, 45)), now).date()
        grandtotal = shape.totals.grandtotal
        if plan in ("paid", "part"):
            share = 1 if plan == "paid" else rng.choice([Decimal("0.25"), Decimal("0.5")])
            payments.append(
                (
                    pk,
                    prepared(Payment, "amount", to_cents(grandtotal * share)),
                    prepared(Payment, "date", paid_on),
                    rng.choice(METHODS),
                    "",
                    rng.choice(users),
                    prepared(Payment, "added", now),
                )
            )
        elif plan == "credited":
            issued_at = min(date + timedelta(days=rng.randint(1, 20)), now)
            notes.append(
                CreditNote(
                    invoice_id=pk,
                    reference=next(note_references),
                    ready=True,
                    issued_at=issued_at,
                    date=issued_at,
                    items=shape.sections,
                    added_by_id=author,
                    **shape.totals.money_fields(),
                )
            )
    insert_prepared(DocumentEvent, ["invoice", "kind", "at", "by", "detail"], events)
    insert_prepared(
        Payment, ["invoice", "amount", "date", "method", "note", "added_by", "added"], payments
    )
    insert_in_batches(CreditNote, notes)
    # Written around the models' signals: totals the list remembered are out of date.
    forget_tab_totals()
