"""Demo billing for `manage.py seed_demo`: a products catalogue, and invoices in every
state a studio sees (a draft, issued, overdue, part-paid, paid and credited), with
their payments and credit notes, and one draft made from a project's unbilled time.
Through billing.invoicing, so numbering, money and billed time are as in use."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from crm.models import Company, Contact
from projects.models import Project

from . import invoicing, queries
from .models import Invoice, Product

# name, description, unit price, tax code, ledger category
PRODUCTS = [
    ("Website hosting (monthly)", "Managed hosting, backups and updates.", "45", "001", "4030"),
    ("Support block (5 hours)", "Five hours of changes and fixes.", "425", "001", "4030"),
    ("Brand guidelines", "The guidelines document, print and PDF.", "950", "001", "4010"),
    ("Stock photo licence", "One image, web and print use.", "35", "001", "4900"),
    ("Domain renewal", "One year.", "18", "001", "4900"),
    ("Printed brochures (250)", "A5, 16 pages, on recycled stock.", "640", "003", "4900"),
]


def _line(title: str, quantity, unitprice, *, kind="fixed", taxcode="001", category="-") -> dict:
    return {
        "type": kind,
        "title": title,
        "quantity": str(quantity),
        "unitprice": str(unitprice),
        "taxcode": taxcode,
        "category": category,
    }


def _product_line(name: str, quantity=1) -> dict:
    product = Product.objects.get(name=name)
    return {
        **_line(
            product.name,
            quantity,
            product.unitprice,
            kind="product",
            taxcode=product.taxcode,
            category=product.category or "-",
        ),
        "description": product.description,
    }


def _sections(kind: str) -> list[dict]:
    if kind == "paid":
        return [
            {
                "title": "Brand refresh",
                "items": [
                    _line("Concept design", 14, 110, kind="hourly", category="4010"),
                    _product_line("Brand guidelines"),
                ],
            }
        ]
    if kind == "credited":
        return [{"title": "", "items": [_product_line("Printed brochures (250)", 2)]}]
    if kind == "overdue":
        return [
            {
                "title": "Campaign landing page",
                "items": [
                    _line("Design", 10, 85, kind="hourly", category="4010"),
                    _line("Build", 16, 85, kind="hourly", category="4020"),
                    _product_line("Stock photo licence", 4),
                ],
            }
        ]
    if kind == "part-paid":
        return [
            {
                "title": "Annual report",
                "items": [
                    _line("Layout and typesetting", 1, 3200, category="4010"),
                    _line("Print management", 1, 450, category="4900"),
                ],
            }
        ]
    return [
        {
            "title": "Hosting and support",
            "items": [
                _product_line("Website hosting (monthly)", 12),
                _product_line("Support block (5 hours)"),
                _product_line("Domain renewal"),
            ],
        }
    ]


# Each issued invoice: (the client's place among the customers, days ago, what became
# of it). Thirty days' terms: the one of 50 days ago is overdue.
ISSUED = [
    (0, 75, "paid"),
    (1, 60, "credited"),
    (2, 50, "overdue"),
    (3, 20, "part-paid"),
    (4, 5, "issued"),
]


def load_demo_products() -> None:
    for position, (name, description, price, taxcode, category) in enumerate(PRODUCTS):
        Product.objects.update_or_create(
            name=name,
            defaults={
                "description": description,
                "unitprice": Decimal(price),
                "taxcode": taxcode,
                "category": category,
                "position": position,
            },
        )


def load_demo_billing(users) -> None:
    """The catalogue, then (once: not when the account has invoices) the invoices."""
    load_demo_products()
    if Invoice.objects.exists() or not users:
        return
    author = users[0]
    now = timezone.now()
    clients = [company.code for company in Company.objects.filter(is_customer=True)[:5]]
    person = Contact.objects.filter(company__isnull=True).order_by("pk").first()
    if not clients:
        return
    for index, days_ago, kind in ISSUED:
        date = now - timedelta(days=days_ago)
        invoice = invoicing.create_invoice(
            items=_sections(kind),
            client=clients[index % len(clients)],
            date=date,
            terms=30,
            purchaseorder=f"PO-{4100 + index}" if index % 2 else "",
            added_by=author,
            ready=True,
        )
        owed = invoice.grandtotal
        paid_on = (date + timedelta(days=21)).date()
        if kind == "paid":
            invoicing.record_payment(
                invoice=invoice, amount=owed, date=paid_on, method="BACS", added_by=author
            )
        elif kind == "part-paid":
            invoicing.record_payment(
                invoice=invoice,
                amount=(owed / 2).quantize(Decimal("0.01")),
                date=paid_on - timedelta(days=14),
                method="Card",
                note="First half, as agreed.",
                added_by=author,
            )
            # A goodwill credit for a late print run.
            invoicing.create_credit_note(
                invoice=invoice,
                items=[_line("Goodwill: late print delivery", 1, 100, category="4900")],
                added_by=author,
                ready=True,
            )
        elif kind == "credited":
            # The brochures were cancelled before printing: all of it credited.
            invoicing.create_credit_note(
                invoice=invoice, items=invoice.items, added_by=author, ready=True
            )
    invoicing.create_invoice(
        items=[{"title": "", "items": [_product_line("Support block (5 hours)", 2)]}],
        client=person.code if person else clients[0],
        terms=14,
        added_by=author,
    )
    # A draft of a project's unbilled time and items, for a look before issuing.
    project = Project.objects.filter(title="Website redesign").first()
    if project is not None and queries.unbilled_work("project", project.pk)["anything"]:
        invoicing.invoice_work(for_code=f"{project.CODE}{project.pk}", added_by=author)
