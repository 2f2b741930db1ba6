"""Demo products and recurring invoices for `manage.py seed_demo`, through the
services. The recurring invoices start next month, so loading the demo issues no
invoice and takes no number; the worker makes each on its day."""

from datetime import date

from django.utils import timezone

from crm.models import Company

from . import periodicals, services
from .models import Product

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
