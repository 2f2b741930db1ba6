"""How pages and PDFs write money: amounts to the cent, unit prices as priced."""

import pytest

from accounts.templatetags.docket import money, unit_price


@pytest.mark.parametrize(
    "value, shown",
    [
        ("1234.5", "£1,234.50"),
        ("50", "£50.00"),
        ("33.335", "£33.335"),
        ("1234.5678", "£1,234.5678"),
        ("0.0010", "£0.001"),
        ("-12.125", "-£12.125"),
        ("12.1000", "£12.10"),
        (None, ""),
        ("abc", "abc"),
    ],
)
def test_a_unit_price_keeps_the_decimals_it_was_priced_with(value, shown):
    assert unit_price(value, "£") == shown


def test_an_amount_is_always_to_the_cent():
    assert money("33.335", "£") == "£33.34"
    assert money("-1234.5", "£") == "-£1,234.50"
