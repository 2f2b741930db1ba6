"""The products catalogue: the service's rules, and the settings page that lists,
adds, edits and deletes products in place."""

from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError

from accounts.models import AccountSettings
from billing import services
from billing.models import Product
from billing.tests.factories import LedgerCategoryFactory, TaxCodeFactory
from conftest import signed_in_client

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def codes():
    TaxCodeFactory(code="001", name="Standard VAT")
    LedgerCategoryFactory(code="4000", name="Sales")


def errors_of(refused) -> dict:
    return {field: [str(m) for m in messages] for field, messages in refused.message_dict.items()}


def test_a_product_keeps_its_price_tax_code_and_ledger():
    product = services.save_product(
        None,
        name=" Hosting ",
        description="Managed server\x07",
        unitprice="120.5",
        taxcode="001",
        category="4000",
    )
    product.refresh_from_db()
    assert (product.name, product.description, product.unitprice) == (
        "Hosting",
        "Managed server",
        D("120.50"),
    )
    assert (product.taxcode, product.category) == ("001", "4000")
    # Neither code is needed.
    plain = services.save_product(None, name="Consulting", unitprice=0)
    assert (plain.taxcode, plain.category, plain.description) == ("", "", "")


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"taxcode": "009"}, {"taxcode": ["taxcode 009 does not exist."]}),
        ({"category": "9999"}, {"category": ["category 9999 does not exist."]}),
        (
            {"unitprice": "-1"},
            {"unitprice": ["unitprice must be an amount from 0 up to 1,000,000,000."]},
        ),
        (
            {"unitprice": "1e12"},
            {"unitprice": ["unitprice must be an amount from 0 up to 1,000,000,000."]},
        ),
        ({"unitprice": "1.005"}, {"unitprice": ["unitprice can have at most 2 decimal places."]}),
        ({"unitprice": "ten"}, {"unitprice": ["unitprice must be a number."]}),
        ({"name": "  "}, {"name": ["name is required."]}),
        ({"name": "x" * 201}, {"name": ["name must be at most 200 characters."]}),
        (
            {"description": "x" * 5001},
            {"description": ["description must be at most 5000 characters."]},
        ),
        (
            {"description": "a\x00b"},
            {"description": ["description must not contain NUL characters."]},
        ),
    ],
)
def test_each_rule_refuses_with_its_field(fields, errors):
    values = {"name": "Hosting", "unitprice": "10", **fields}
    with pytest.raises(ValidationError) as refused:
        services.save_product(None, **values)
    assert errors_of(refused.value) == errors
    assert not Product.objects.exists()


def test_two_products_cannot_share_a_name_whatever_its_case():
    hosting = services.save_product(None, name="Hosting", unitprice="10")
    with pytest.raises(ValidationError) as refused:
        services.save_product(None, name="HOSTING", unitprice="12")
    assert errors_of(refused.value) == {"name": ["name “HOSTING” is already in use."]}
    services.save_product(hosting, name="hosting", unitprice="11")
    assert Product.objects.get().unitprice == D("11.00")


# --- the settings page --------------------------------------------------------------


def test_products_are_added_edited_and_deleted_in_place(staff_client):
    page = staff_client.get("/settings/products/").content.decode()
    assert "Add product" in page and '<option value="001">001 · Standard VAT</option>' in page
    added = staff_client.post(
        "/settings/products/add/",
        {
            "new-name": "Hosting",
            "new-description": "Managed server",
            "new-unitprice": "120",
            "new-taxcode": "001",
            "new-category": "4000",
        },
        headers=HTMX,
    ).content.decode()
    assert "Hosting" in added and "120.00" in added and 'id="products-add-row"' in added
    product = Product.objects.get()

    edit = staff_client.get(f"/settings/products/{product.pk}/edit/", headers=HTMX).content.decode()
    assert 'value="Managed server"' in edit and '<option value="001" selected>' in edit
    saved = staff_client.post(
        f"/settings/products/{product.pk}/save/",
        {
            f"row{product.pk}-name": "Hosting",
            f"row{product.pk}-description": "",
            f"row{product.pk}-unitprice": "99.99",
            f"row{product.pk}-taxcode": "",
            f"row{product.pk}-category": "",
        },
        headers=HTMX,
    ).content.decode()
    assert "99.99" in saved
    product.refresh_from_db()
    assert (product.unitprice, product.taxcode, product.category) == (D("99.99"), "", "")

    duplicate = staff_client.post(
        "/settings/products/add/",
        {"new-name": "hosting", "new-unitprice": "5"},
        headers=HTMX,
    ).content.decode()
    assert "Name “hosting” is already in use." in duplicate
    unknown = staff_client.post(
        "/settings/products/add/",
        {"new-name": "Other", "new-unitprice": "5", "new-taxcode": "009"},
        headers=HTMX,
    ).content.decode()
    assert "Select a valid choice. 009 is not one of the available choices." in unknown
    assert Product.objects.count() == 1

    page = staff_client.get("/settings/products/").content.decode()
    assert 'hx-confirm="Delete Hosting?"' in page
    deleted = staff_client.post(f"/settings/products/{product.pk}/delete/", headers=HTMX)
    assert deleted.status_code == 200 and deleted.content.strip() == b""
    assert not Product.objects.exists()


def test_products_are_in_the_settings_menu(staff_client):
    page = staff_client.get("/settings/tax-codes/").content.decode()
    assert '<a href="/settings/products/" >Products</a>' in page


def test_only_the_settings_area_may(restricted_to):
    product = services.save_product(None, name="Hosting", unitprice="10")
    invoicer = signed_in_client(restricted_to("invoices"))
    assert invoicer.get("/settings/products/").status_code == 403
    assert invoicer.post("/settings/products/add/", {"new-name": "X"}).status_code == 403
    assert invoicer.post(f"/settings/products/{product.pk}/delete/").status_code == 403
    assert Product.objects.count() == 1


@pytest.mark.parametrize("count", [1, 50])
def test_the_page_queries_stay_flat(staff_client, django_assert_max_num_queries, count):
    AccountSettings.load()
    for index in range(count):
        Product.objects.create(name=f"Product {index}", unitprice=D("10"), taxcode="001")
    # session, user, account settings (currency), the products, and the add row's
    # tax codes and ledgers
    with django_assert_max_num_queries(6):
        response = staff_client.get("/settings/products/")
    assert response.content.decode().count("Product ") >= count
