"""Invoices, credit notes and payments for tests, made through billing.invoicing so
their money, references and issue history are what the services make them."""

from datetime import date
from decimal import Decimal

from accounts.tests.factories import UserFactory
from billing import invoicing
from billing.models import CreditNote, Invoice, Payment, TaxCode
from billing.totals import clean_sections, document_totals
from crm.tests.factories import CompanyFactory

# The spec's example: 100 + 150 at 20 % is a total of 250, tax 50, grand total 300.
SPEC_ITEMS = [
    {
        "title": "Section 1",
        "items": [
            {
                "type": "hourly",
                "title": "Item 1",
                "quantity": 1,
                "unitprice": 100,
                "taxcode": "001",
            },
            {
                "type": "hourly",
                "title": "Item 2",
                "quantity": 1,
                "unitprice": 150,
                "taxcode": "001",
            },
        ],
    }
]


def standard_vat() -> TaxCode:
    return TaxCode.objects.get_or_create(
        code="001", defaults={"name": "Standard", "rate": Decimal("0.2")}
    )[0]


def lines(*amounts, taxcode: str = "001") -> list[dict]:
    """One section of fixed lines of these amounts (before tax)."""
    return [
        {
            "title": "Work",
            "items": [
                {
                    "type": "fixed",
                    "title": f"Line {n}",
                    "unitprice": str(amount),
                    "taxcode": taxcode,
                }
                for n, amount in enumerate(amounts, start=1)
            ],
        }
    ]


def draft_invoice(*, added_by=None, client=None, items=None, total=None, **fields) -> Invoice:
    """A draft for `client` (a new company unless given) of `items` (the spec's
    example unless given), its total worked out unless given."""
    standard_vat()
    items = SPEC_ITEMS if items is None else items
    if total is None:
        total = document_totals(clean_sections(items)).total
    if client is None and "for_code" not in fields:
        client = CompanyFactory()
    if client is not None:
        fields["client"] = f"{client.CODE}{client.pk}"
    return invoicing.create_invoice(
        added_by=added_by or UserFactory(), items=items, total=str(total), **fields
    )


def issued_invoice(**fields) -> Invoice:
    invoice = draft_invoice(**fields)
    return invoicing.issue_invoice(invoice, by=invoice.added_by)


def credit_note(invoice: Invoice, *amounts, items=None, issue: bool = True, **fields) -> CreditNote:
    """A credit note against `invoice` of fixed lines of `amounts` (or of `items`),
    issued unless `issue=False`."""
    items = lines(*amounts) if items is None else items
    total = document_totals(clean_sections(items), Decimal(fields.get("discount", 0))).total
    note = invoicing.create_credit_note(
        invoice=invoice,
        items=items,
        total=str(total),
        added_by=fields.pop("added_by", None) or invoice.added_by,
        **fields,
    )
    return invoicing.issue_credit_note(note, by=note.added_by) if issue else note


def payment(invoice: Invoice, amount, *, day: date | None = None, **fields) -> Payment:
    return invoicing.record_payment(
        invoice=invoice,
        amount=str(amount),
        date=day or date(2014, 11, 22),
        method=fields.pop("method", "BACS"),
        **fields,
    )
