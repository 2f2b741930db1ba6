"""The factories make rows the app accepts."""

import pytest

from billing.tests.factories import ChargeRateFactory, LedgerCategoryFactory, TaxCodeFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "factory_class", [TaxCodeFactory, LedgerCategoryFactory, ChargeRateFactory]
)
def test_each_factory_makes_a_valid_row(factory_class):
    factory_class().full_clean()
