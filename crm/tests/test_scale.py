from io import StringIO

import pytest
from django.core.management import call_command

from crm import queries
from crm.models import Activity, Company, Contact

pytestmark = pytest.mark.django_db


def test_seed_scale_inserts_exact_counts_with_search_keys():
    call_command(
        "seed_scale",
        "--companies",
        "50",
        "--contacts",
        "300",
        "--activities",
        "100",
        "--projects",
        "0",
        "--invoices",
        "0",
        stdout=StringIO(),
    )
    assert Company.objects.count() == 50
    assert Contact.objects.count() == 300
    assert Activity.objects.count() == 100
    person = Contact.objects.order_by("pk").first()
    assert person.search_name == person.fullname.lower()
    by_first = queries.contacts_matching(search=person.firstname[:3])
    by_last = queries.contacts_matching(search=person.lastname[:4])
    by_email = queries.contacts_matching(search=person.email[:12])
    assert person in by_first and person in by_last and person in by_email
    company = Company.objects.order_by("pk").first()
    assert company in queries.companies_matching(search=company.name[:6])
