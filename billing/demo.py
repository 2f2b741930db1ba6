"""Demo billing for `manage.py seed_demo`: proposals (one waiting for an answer, one
accepted and made into its project, one rejected), the product catalogue and recurring
invoices, for the demo's clients and team."""

from datetime import date, timedelta

from django.utils import timezone

from crm.models import Company

from . import periodicals, proposals, services
from .models import Product


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
