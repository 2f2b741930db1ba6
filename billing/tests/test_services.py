"""Tax codes and ledger categories refuse a second row with the same name (ignoring
case), on the settings pages and through the API's replace-all PATCH alike."""

import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from billing import services
from billing.models import ChargeRate, LedgerCategory, TaxCode

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def test_a_second_tax_code_with_the_same_name_is_refused():
    standard = services.save_tax_code(None, code="001", name="Standard VAT", rate="0.2")
    with pytest.raises(ValidationError) as caught:
        services.save_tax_code(None, code="002", name="standard vat", rate="0.2")
    assert caught.value.message_dict == {"name": ["name “standard vat” is already in use."]}
    assert TaxCode.objects.count() == 1
    # Saving the row itself under its own name (or a new case of it) is fine.
    services.save_tax_code(standard, code="001", name="Standard VAT", rate="0.175")
    services.save_tax_code(standard, code="001", name="STANDARD VAT", rate="0.175")
    reduced = services.save_tax_code(None, code="002", name="Reduced VAT", rate="0.05")
    with pytest.raises(ValidationError):
        services.save_tax_code(reduced, code="002", name="Standard VAT", rate="0.05")


def test_a_second_ledger_with_the_same_name_is_refused():
    services.save_ledger(None, code="4000", name="Design")
    with pytest.raises(ValidationError) as caught:
        services.save_ledger(None, code="4010", name="DESIGN")
    assert caught.value.message_dict == {"name": ["name “DESIGN” is already in use."]}
    assert LedgerCategory.objects.count() == 1


def test_codes_are_still_checked_first():
    services.save_tax_code(None, code="001", name="Standard VAT", rate="0.2")
    with pytest.raises(ValidationError) as caught:
        services.save_tax_code(None, code="001", name="Standard VAT", rate="0.2")
    assert caught.value.message_dict == {"code": ["code 001 is already in use."]}


def test_charge_rate_names_stay_checked():
    services.save_charge_rate(None, name="Standard rate", rate="100")
    with pytest.raises(ValidationError):
        services.save_charge_rate(None, name="Standard rate", rate="120")
    assert ChargeRate.objects.count() == 1


def test_replace_all_refuses_repeated_names():
    with pytest.raises(ValidationError) as caught:
        services.replace_tax_codes(
            [
                {"code": "001", "name": "Standard VAT", "rate": "0.2"},
                {"code": "002", "name": "Standard VAT ", "rate": "0.05"},
            ]
        )
    assert caught.value.messages == ["value item 2: name “Standard VAT” is repeated."]
    # Swapping names between existing rows in one PATCH is fine.
    services.replace_ledgers([{"code": "1", "name": "A"}, {"code": "2", "name": "B"}])
    services.replace_ledgers([{"code": "1", "name": "B"}, {"code": "2", "name": "A"}])
    assert list(LedgerCategory.objects.values_list("code", "name")) == [("1", "B"), ("2", "A")]


# --- the API answers 400 with the sentence ---------------------------------------------


def test_api_tax_codes_with_a_repeated_name_are_400(depot):
    TaxCode.objects.create(code="009", name="Keep me", rate=Decimal("0.1"))
    value = [
        {"code": "001", "name": "Standard VAT", "rate": 0.2},
        {"code": "002", "name": "standard vat", "rate": 0.05},
    ]
    response = depot.patch("settings/taxcodes", {"value": json.dumps(value)})
    assert response.status_code == 400
    assert response.json()["errors"] == ["value item 2: name “standard vat” is repeated."]
    assert list(TaxCode.objects.values_list("code", flat=True)) == ["009"]


def test_api_ledgers_with_a_repeated_name_are_400(depot):
    value = [{"code": "4000", "name": "Design"}, {"code": "4010", "name": "Design"}]
    response = depot.patch("settings/ledgers", {"value": json.dumps(value)})
    assert response.status_code == 400
    assert response.json()["errors"] == ["value item 2: name “Design” is repeated."]
    assert not LedgerCategory.objects.exists()


# --- the settings page shows it on the name field --------------------------------------


def test_settings_page_shows_the_duplicate_name_on_the_name_field(staff_client):
    services.save_tax_code(None, code="001", name="Standard VAT", rate="0.2")
    html = staff_client.post(
        "/settings/tax-codes/add/",
        {"new-code": "002", "new-name": "Standard VAT", "new-rate_percent": "20"},
        headers=HTMX,
    ).content.decode()
    name_cell = html.split('name="new-name"')[1].split("</td>")[0]
    assert "Name “Standard VAT” is already in use." in name_cell
    assert TaxCode.objects.count() == 1
