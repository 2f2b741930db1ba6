"""One factory per billing model (the reference tables invoices will use, proposals
and recurring invoices)."""

import copy
from decimal import Decimal

import factory
from django.db.models import Max
from django.utils import timezone

from accounts.tests.factories import UserFactory
from billing.models import ChargeRate, LedgerCategory, Periodical, Proposal, TaxCode
from crm.tests.factories import CompanyFactory
from projects.models import Project


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


def _next_proposal_id() -> int:
    # Past every proposal and project there is, as the counter's service also reads them.
    highest = max(
        Proposal.objects.aggregate(highest=Max("id"))["highest"] or 0,
        Project.objects.aggregate(highest=Max("id"))["highest"] or 0,
    )
    return highest + 1


class ProposalFactory(factory.django.DjangoModelFactory):
    """A pending proposal with no jobs for a new company, added by a new user. Tests
    about its jobs and money go through billing.proposals, which prices them."""

    class Meta:
        model = Proposal

    id = factory.LazyFunction(_next_proposal_id)
    title = factory.Sequence(lambda n: f"Proposal {n:03d}")
    client_company = factory.SubFactory(CompanyFactory)
    added_by = factory.SubFactory(UserFactory)


# A recurring invoice's lines as billing.totals stores them: 50 at the tax code "001"
# (which the factory makes at 20 % if it isn't there).
ONE_LINE = [
    {
        "title": "Support",
        "items": [
            {
                "type": "fixed",
                "title": "Monthly support",
                "description": "",
                "quantity": "1",
                "unitprice": "50",
                "take": "100",
                "taxcode": "001",
                "taxrate": "0.2000",
                "markup": "0",
                "category": "-",
            }
        ],
    }
]


class PeriodicalFactory(factory.django.DjangoModelFactory):
    """A monthly recurring invoice of 50 + 10 tax to a new company, from today."""

    class Meta:
        model = Periodical

    title = factory.Sequence(lambda n: f"Retainer {n:03d}")
    client_company = factory.SubFactory(CompanyFactory)
    items = factory.LazyFunction(lambda: copy.deepcopy(ONE_LINE))
    total = Decimal("50.00")
    tax = Decimal("10.00")
    grandtotal = Decimal("60.00")
    terms = 14
    repeat = Periodical.Repeat.MONTH
    repeatinterval = 1
    first = factory.LazyFunction(timezone.localdate)
    added_by = factory.SubFactory(UserFactory)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        TaxCode.objects.get_or_create(code="001", defaults={"name": "Standard", "rate": "0.2"})
        return super()._create(model_class, *args, **kwargs)
