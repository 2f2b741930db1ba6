"""One factory per billing model (the reference tables invoices will use, and
proposals)."""

from decimal import Decimal

import factory
from django.db.models import Max

from accounts.tests.factories import UserFactory
from billing.models import ChargeRate, LedgerCategory, Proposal, TaxCode
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
