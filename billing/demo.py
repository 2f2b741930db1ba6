"""Demo billing for `manage.py seed_demo`: proposals (one waiting for an answer, one
accepted and made into its project, one rejected), the product catalogue, recurring
invoices, and invoices in every state a studio sees (a draft, issued, overdue,
part-paid, paid and credited) with their payments and credit notes, and one draft made
from a project's unbilled time. Through the services, so numbering, money and billed
time are as in use."""

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from crm.models import Company, Contact
from projects.models import Project

from . import invoicing, periodicals, proposals, queries, services
from .models import Invoice, Product


def _item(name, hours, rate, *, taxcode="001", kind="hourly", category="-", **fields):
    return {
        "name": name,
        "hours": hours,
        "rate": rate,
        "taxcode": taxcode,
        "type": kind,
        "category": category,
        **fields,
    }


PROPOSALS = [
    {
        "title": "Taproom website",
        "status": "P",
        "overview": "A new website for the taproom: events, the tap list and bookings.",
        "expanded": [
            {"title": "Scope", "content": "Six templates, the tap list fed from the till."},
            {"title": "Timings", "content": "Designs in three weeks, launch in eight."},
        ],
        "conclusion": [{"title": "Next steps", "content": "A kick-off in the taproom."}],
        "discount": "0",
        "jobs": [
            {
                "name": "Design",
                "brief": "From the brand to six page templates.",
                "items": [
                    _item("Discovery workshop", "6", "110", category="4000"),
                    _item("Page designs", "24", "85", category="4010"),
                ],
            },
            {
                "name": "Build",
                "brief": "The site, its bookings and the tap list.",
                "discount": "5",
                "items": [
                    _item("Templates", "40", "85", category="4020"),
                    _item("Bookings integration", "12", "110", category="4020"),
                    _item("Hosting, first year", "1", "360", kind="fixed", category="4030"),
                ],
            },
        ],
    },
    {
        "title": "Autumn menu photography",
        "status": "A",
        "overview": "Twenty dishes on the pass and four in the room, for print and social.",
        "expanded": [{"title": "The shoot", "content": "One day in the kitchen, one edit."}],
        "discount": "10",
        "jobs": [
            {
                "name": "Shoot",
                "items": [
                    _item("Art direction", "6", "110", category="4010", actions=["Book the day"]),
                    _item("Photography", "8", "85", category="4010"),
                    _item("Props and styling", "1", "240", kind="external", category="4900"),
                ],
            },
            {
                "name": "Edit",
                "items": [_item("Retouching", "10", "55", category="4010", taxcode="002")],
            },
        ],
    },
    {
        "title": "Loyalty app",
        "status": "X",
        "overview": "A stamp card in an app. They chose a card on paper after all.",
        "discount": "0",
        "jobs": [
            {
                "name": "Prototype",
                "items": [_item("Clickable prototype", "30", "85", category="4020")],
            }
        ],
    },
]


def load_demo_proposals(users) -> None:
    """Three proposals for the first customers, through the service that prices
    them; the accepted one made into its project, as "Create project" does."""
    today = timezone.localdate()
    companies = list(Company.objects.filter(is_customer=True).order_by("pk")[5:8])
    for index, values in enumerate(PROPOSALS):
        proposal = proposals.create_proposal(
            client=companies[index % len(companies)].code,
            submitdate=today + timedelta(days=14 - 10 * index),
            added_by=users[0],
            **values,
        )
        if proposal.status == proposal.Status.ACCEPTED:
            proposals.create_project_from_proposal(proposal, added_by=users[0])


"""Demo products and recurring invoices for `manage.py seed_demo`, through the
services. The recurring invoices start next month, so loading the demo issues no
invoice and takes no number; the worker makes each on its day."""


# (name, description, price, tax code, ledger)
PRODUCTS = [
    ("Managed hosting", "Server, backups and monitoring, per month", "120.00", "001", "4030"),
    ("Support retainer", "Up to four hours of changes, per month", "340.00", "001", "4030"),
    ("SSL certificate", "One year, installed and renewed", "49.00", "001", "4030"),
    ("Domain renewal", "One year", "18.00", "001", "4900"),
    ("Brand workshop", "A half-day session with the client's team", "950.00", "001", "4000"),
    ("Website hosting (monthly)", "Managed hosting, backups and updates.", "45", "001", "4030"),
    ("Support block (5 hours)", "Five hours of changes and fixes.", "425", "001", "4030"),
    ("Brand guidelines", "The guidelines document, print and PDF.", "950", "001", "4010"),
    ("Stock photo licence", "One image, web and print use.", "35", "001", "4900"),
    ("Printed brochures (250)", "A5, 16 pages, on recycled stock.", "640", "003", "4900"),
]


def _line(name: str) -> dict:
    product = Product.objects.get(name=name)
    return {
        "type": "product",
        "title": product.name,
        "description": product.description,
        "quantity": 1,
        "unitprice": product.unitprice,
        "taxcode": product.taxcode,
        "category": product.category,
    }


def load_demo_products() -> None:
    for name, description, price, taxcode, ledger in PRODUCTS:
        if not Product.objects.filter(name=name).exists():
            services.save_product(
                None,
                name=name,
                description=description,
                unitprice=price,
                taxcode=taxcode,
                category=ledger,
            )


def load_demo_periodicals(team) -> None:
    """Hosting every month and a yearly renewal for the first clients."""
    if not team:
        return
    today = timezone.localdate()
    next_month = date(today.year + today.month // 12, today.month % 12 + 1, 1)
    clients = list(Company.objects.filter(is_supplier=False).order_by("pk")[:3])
    plans = [
        ("Hosting and support", "M", [_line("Managed hosting"), _line("Support retainer")]),
        ("Hosting", "M", [_line("Managed hosting")]),
        ("Yearly renewals", "Y", [_line("SSL certificate"), _line("Domain renewal")]),
    ]
    for client, (title, repeat, lines) in zip(clients, plans, strict=False):
        periodicals.create_periodical(
            title=title,
            client=f"C{client.pk}",
            items=[{"title": "", "items": lines}],
            terms=14,
            repeat=repeat,
            first=next_month,
            purchaseorder=f"PO-{client.pk:04d}",
            added_by=team[0],
        )


def _invoice_line(
    title: str, quantity, unitprice, *, kind="fixed", taxcode="001", category="-"
) -> dict:
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
        **_invoice_line(
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
                    _invoice_line("Concept design", 14, 110, kind="hourly", category="4010"),
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
                    _invoice_line("Design", 10, 85, kind="hourly", category="4010"),
                    _invoice_line("Build", 16, 85, kind="hourly", category="4020"),
                    _product_line("Stock photo licence", 4),
                ],
            }
        ]
    if kind == "part-paid":
        return [
            {
                "title": "Annual report",
                "items": [
                    _invoice_line("Layout and typesetting", 1, 3200, category="4010"),
                    _invoice_line("Print management", 1, 450, category="4900"),
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
                items=[_invoice_line("Goodwill: late print delivery", 1, 100, category="4900")],
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
