"""Writes that race each other through the API end in a 201/200 or in a 400/409
that says why: never a 500, never a duplicate.

The races need a database that runs transactions side by side: SQLite takes one
writer at a time (IMMEDIATE transactions), so there is nothing to race there.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from conftest import DepotClient
from crm.models import Company, Contact, Tag
from crm.tests.factories import CompanyFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="SQLite runs one write transaction at a time"
    ),
    # The bursts here are about the data; the limiter has tests of its own.
    pytest.mark.usefixtures("no_api_rate_limit"),
]

PARALLEL = 20


def in_parallel(calls):
    """Runs the calls at once, each on its own connection; their results in order."""
    start = threading.Barrier(len(calls))

    def run(call):
        try:
            start.wait()
            return call()
        finally:
            connection.close()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def post(depot, path, data):
    return lambda: DepotClient(depot.headers).post(path, data)


def test_parallel_creates_with_a_new_tag_share_one_tag(depot):
    responses = in_parallel(
        [
            post(depot, "contacts", {"name": f"Person {n}", "tags": "launch-2027, VIP"})
            for n in range(PARALLEL)
        ]
    )
    assert [r.status_code for r in responses] == [201] * PARALLEL, [r.content for r in responses]
    assert sorted(Tag.objects.values_list("name", flat=True)) == ["VIP", "launch-2027"]
    assert all(contact.tags.count() == 2 for contact in Contact.objects.all())


def test_parallel_contacts_with_a_new_company_name_share_one_company(depot):
    responses = in_parallel(
        [
            post(depot, "contacts", {"name": f"Person {n}", "companyname": "Northwind  Brewery"})
            for n in range(PARALLEL)
        ]
    )
    assert [r.status_code for r in responses] == [201] * PARALLEL, [r.content for r in responses]
    company = Company.objects.get()
    assert company.name == "Northwind Brewery"
    assert company.people.count() == PARALLEL


@pytest.mark.parametrize("by", ["companyid", "companyname"])
def test_deleting_a_company_while_people_are_added_to_it(depot, by):
    for _ in range(3):
        company = CompanyFactory(name="Short Lived Ltd")
        value = company.pk if by == "companyid" else company.name
        calls = [post(depot, "contacts", {"name": f"Person {n}", by: value}) for n in range(8)]
        calls.insert(4, lambda pk=company.pk: DepotClient(depot.headers).delete(f"companies/{pk}"))
        responses = in_parallel(calls)
        deleted = responses.pop(4)
        statuses = {r.status_code for r in responses}
        if Company.objects.filter(pk=company.pk).exists():
            assert deleted.status_code in (400, 409), deleted.content
            assert "can't be deleted while it has" in deleted.json()["errors"][0]
            assert statuses <= {201}, [r.content for r in responses]
        else:
            assert deleted.status_code == 200
            # By name, someone adding a person after the delete starts the company anew.
            assert statuses <= ({201, 400} if by == "companyid" else {201}), [
                r.content for r in responses
            ]
            for refused in (r for r in responses if r.status_code == 400):
                assert refused.json()["errors"] == [f"companyid {company.pk} is not a company."]
        Contact.objects.all().delete()
        Company.objects.all().delete()
