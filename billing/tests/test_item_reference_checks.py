"""Billing tells projects, a layer below, which tax codes and ledger categories
exist (projects.hooks): a job item naming another one is refused."""

import pytest
from django.core.exceptions import ValidationError

from billing.models import LedgerCategory, TaxCode
from projects import services
from projects.tests.factories import JobItemFactory

pytestmark = pytest.mark.django_db


def test_items_take_only_codes_billing_has():
    TaxCode.objects.create(code="S", name="Standard", rate="0.2")
    LedgerCategory.objects.create(code="4000", name="Sales")
    item = JobItemFactory()
    services.update_job_item(item, taxcode="S", ledger="4000")
    item.refresh_from_db()
    assert (item.taxcode, item.ledger) == ("S", "4000")
    with pytest.raises(ValidationError) as exc:
        services.update_job_item(item, taxcode="Z", ledger="9")
    assert set(exc.value.error_dict) == {"taxcode", "ledger"}
