"""One factory per billing model (the reference tables invoices will use)."""

from decimal import Decimal

import factory

from billing.models import ChargeRate, LedgerCategory, TaxCode


class TaxCodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TaxCode

    code = factory.Sequence(lambda n: f"T{n}")
    name = factory.Sequence(lambda n: f"Tax {n}")
    rate = Decimal("0.2000")


class LedgerCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LedgerCategory

    code = factory.Sequence(lambda n: f"{4000 + n}")
    name = factory.Sequence(lambda n: f"Sales {n}")


class ChargeRateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChargeRate

    name = factory.Sequence(lambda n: f"Rate {n}")
    rate = Decimal("75.00")
