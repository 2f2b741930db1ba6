"""Settings tables for billing's reference data and the products catalogue, edited in
place on the settings pages."""

from django.utils.text import Truncator

from accounts.templatetags.docket import money
from config.reference_tables import Column, ReferenceTable

from . import services
from .forms import ChargeRateForm, LedgerForm, ProductForm, TaxCodeForm
from .models import ChargeRate, LedgerCategory, Product, TaxCode


def _percent_number(rate) -> str:
    """0.2 → "20", 0.175 → "17.5": the percentage people type and read."""
    return f"{(rate * 100).normalize():f}"


TAX_CODES = ReferenceTable(
    slug="tax-codes",
    title="Tax codes",
    noun="Tax code",
    intro="The VAT or sales-tax rates you put on invoice lines.",
    model=TaxCode,
    form_class=TaxCodeForm,
    columns=[
        Column("Code", lambda t: t.code),
        Column("Name", lambda t: t.name),
        Column("Rate", lambda t: f"{_percent_number(t.rate)}%", "num"),
    ],
    save=lambda obj, **values: services.save_tax_code(obj, **values),
    delete=services.delete_reference_row,
    initial=lambda t: {"code": t.code, "name": t.name, "rate_percent": _percent_number(t.rate)},
)

LEDGERS = ReferenceTable(
    slug="ledgers",
    title="Ledger categories",
    noun="Ledger category",
    intro="The nominal codes your accounts package posts sales to.",
    model=LedgerCategory,
    form_class=LedgerForm,
    columns=[
        Column("Code", lambda ledger: ledger.code),
        Column("Name", lambda ledger: ledger.name),
    ],
    save=lambda obj, **values: services.save_ledger(obj, **values),
    delete=services.delete_reference_row,
    initial=lambda ledger: {"code": ledger.code, "name": ledger.name},
)

CHARGE_RATES = ReferenceTable(
    slug="charge-rates",
    title="Charge rates",
    noun="Charge rate",
    intro="The hourly rates time is billed at.",
    model=ChargeRate,
    form_class=ChargeRateForm,
    columns=[
        Column("Name", lambda c: c.name),
        Column("Hourly rate", lambda c: money(c.rate), "num", currency=True),
    ],
    save=lambda obj, **values: services.save_charge_rate(obj, **values),
    delete=services.delete_reference_row,
    initial=lambda c: {"name": c.name, "rate": c.rate},
)

PRODUCTS = ReferenceTable(
    slug="products",
    title="Products",
    noun="Product",
    intro="The catalogue invoice lines are picked from: a product brings its name, "
    "description, price, tax code and ledger to the line.",
    model=Product,
    form_class=ProductForm,
    columns=[
        Column("Name", lambda p: p.name),
        Column("Description", lambda p: Truncator(p.description).chars(80)),
        Column("Unit price", lambda p: money(p.unitprice), "num", currency=True),
        Column("Tax code", lambda p: p.taxcode or "—"),
        Column("Ledger", lambda p: p.category or "—"),
    ],
    save=lambda obj, **values: services.save_product(obj, **values),
    delete=services.delete_reference_row,
    initial=lambda p: {
        "name": p.name,
        "description": p.description,
        "unitprice": p.unitprice,
        "taxcode": p.taxcode,
        "category": p.category,
    },
)
