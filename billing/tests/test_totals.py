"""The arithmetic every document shares (DESIGN §4), pinned with awkward cases."""

from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError

from billing.tests.factories import LedgerCategoryFactory, TaxCodeFactory
from billing.totals import check_sent_total, clean_sections, document_totals, public_sections

pytestmark = pytest.mark.django_db


@pytest.fixture
def codes():
    TaxCodeFactory(code="001", rate=D("0.2"))
    TaxCodeFactory(code="002", rate=D("0"))
    TaxCodeFactory(code="003", rate=D("0.05"))
    LedgerCategoryFactory(code="4000")


def line(**fields):
    return {"type": "fixed", "title": "Line", "quantity": 1, "taxcode": "001", **fields}


def totals_of(lines, discount=0):
    return document_totals(clean_sections([{"title": "S", "items": lines}]), D(discount))


def test_the_specs_invoice_example(codes):
    totals = totals_of([line(unitprice=100), line(unitprice=150)])
    assert (totals.total, totals.tax, totals.grandtotal) == (D("250.00"), D("50.00"), D("300"))


def test_three_times_a_third_and_a_cent(codes):
    totals = totals_of([line(quantity=3, unitprice="33.33"), line(unitprice="0.01")])
    assert totals.total == D("100.00")
    assert totals.tax == D("20.00")


def test_take_and_markup_round_each_line_to_the_cent(codes):
    # 1 × 100 × 50 % = 50; 1 × 33.33 × 115 % = 38.3295 → 38.33
    totals = totals_of([line(unitprice=100, take=50), line(unitprice="33.33", markup=15)])
    assert totals.total == D("88.33")


def test_tax_is_rounded_once_per_code_after_the_discount(codes):
    # Seven lines of 0.05 at 20 % under a 10 % discount: per code 0.35 × 0.9 × 0.2
    # = 0.063 → 0.06; rounding per line would give 7 × round(0.009) = 0.07.
    lines = [line(unitprice="0.05")] * 7 + [line(unitprice="10", taxcode="003")]
    totals = totals_of(lines, discount=10)
    assert totals.subtotal == D("10.35")
    assert totals.discount == D("1.04")  # 1.035 rounds half up
    assert totals.total == D("9.31")
    assert [(share.code, share.tax) for share in totals.taxes] == [
        ("001", D("0.06")),
        ("003", D("0.45")),
    ]
    assert totals.grandtotal == D("9.82")


def test_zero_rated_lines_carry_no_tax(codes):
    totals = totals_of([line(unitprice=40, taxcode="002"), line(unitprice=60)])
    assert (totals.total, totals.tax) == (D("100.00"), D("12.00"))


def test_a_frozen_rate_prices_the_same_after_the_code_changes(codes):
    sections = clean_sections([line(unitprice=100)])
    from billing.models import TaxCode

    TaxCode.objects.filter(code="001").update(rate=D("0.25"))
    assert document_totals(sections).tax == D("20.00")


def test_bad_lines_are_refused_naming_each_line(codes):
    with pytest.raises(ValidationError) as refused:
        clean_sections(
            [
                {"title": "A", "items": [line(unitprice=1), line(unitprice=1, taxcode="009")]},
                {"title": "B", "items": [line(unitprice=1, quantity="-1", take=120)]},
                {"title": "C", "items": [line(unitprice="x", category="9999")]},
            ]
        )
    messages = [message for messages in refused.value.message_dict.values() for message in messages]
    assert any("section 1, line 2: tax code '009' does not exist." in m for m in messages)
    assert any("section 2, line 1: quantity must be a number of 0 or more." in m for m in messages)
    assert any("section 2, line 1: take must be a number from 0 to 100." in m for m in messages)
    assert any("section 3, line 1: unitprice must be a number." in m for m in messages)
    assert any("section 3, line 1: ledger category '9999' does not exist." in m for m in messages)


def test_the_sent_total_must_match(codes):
    totals = totals_of([line(unitprice=100), line(unitprice=150)])
    check_sent_total("250", totals)
    with pytest.raises(ValidationError, match=r"expected 250\.00"):
        check_sent_total("249.99", totals)


def test_public_sections_are_depots_shape(codes):
    shown = public_sections(clean_sections(json_lines := [line(unitprice="12.50")]))
    assert json_lines
    assert shown == [
        {
            "title": "",
            "items": [
                {
                    "type": "fixed",
                    "title": "Line",
                    "description": "",
                    "quantity": D(1),
                    "unitprice": D("12.5"),
                    "take": D(100),
                    "taxcode": "001",
                    "markup": D(0),
                    "category": "-",
                }
            ],
        }
    ]


def test_stored_numbers_read_as_people_write_them(codes):
    stored = clean_sections([line(quantity="2.50", unitprice="50", markup="0.0")])
    assert {key: stored[0]["items"][0][key] for key in ("quantity", "unitprice", "markup")} == {
        "quantity": "2.5",
        "unitprice": "50",
        "markup": "0",
    }
