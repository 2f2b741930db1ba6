from datetime import timedelta

import pytest
from django.utils import timezone

from crm import services
from crm.models import Company, Contact
from crm.tests.factories import CompanyFactory

pytestmark = pytest.mark.django_db


def test_create_splits_the_name_and_finds_the_company(depot):
    existing = CompanyFactory(name="Sherlock Investigates Inc")
    response = depot.post(
        "contacts",
        {
            "name": "Dr Sherlock Scott Holmes",
            "email": "Hello@SherlockInvestigates.com",
            "companyname": "sherlock investigates inc",
            "tags": "detective,violin",
            "line1": "221B Baker Street",
            "city": "London",
            "postcode": "NW1 6XE",
        },
    )
    assert response.status_code == 201
    row = depot.get(f"contacts/{response.json()['id']}", {"hidetags": "0"}).json()["rows"][0]
    assert (row["title"], row["firstname"], row["othernames"], row["lastname"]) == (
        "Dr",
        "Sherlock",
        "Scott",
        "Holmes",
    )
    assert row["fullname"] == "Dr Sherlock Scott Holmes"
    assert row["email"] == "hello@sherlockinvestigates.com"
    assert row["company"] == {
        "id": existing.pk,
        "name": "Sherlock Investigates Inc",
        "position": "",
    }
    assert row["tags"] == ["detective", "violin"]
    assert row["address"]["line1"] == "221B Baker Street"
    assert row["image"] == ""
    assert Company.objects.count() == 1


def test_companyname_creates_a_new_company(depot):
    depot.post("contacts", {"name": "John Moriarty", "companyname": "Moriarty Ltd"})
    assert Company.objects.get().name == "Moriarty Ltd"


def test_companyid_must_exist(depot):
    response = depot.post("contacts", {"name": "A B", "companyid": "999"})
    assert response.status_code == 400
    assert response.json()["errors"] == ["companyid 999 is not a company."]
    assert not Contact.objects.exists()


@pytest.mark.parametrize(
    "data,errors",
    [
        ({}, ["name is required."]),
        ({"name": "A", "email": "nope"}, ["email nope is not a valid email address."]),
        (
            {"name": "A", "tags": "x" * 61},
            ["tags: 'xxxxxxxxxxxxxxxxxxxx…' is longer than 60 characters."],
        ),
    ],
)
def test_create_validation(depot, data, errors):
    response = depot.post("contacts", data)
    assert response.status_code == 400
    assert response.json()["errors"] == errors


@pytest.fixture
def people(db):
    baker = CompanyFactory(name="Baker Street")
    sherlock = services.create_contact(
        name="Sherlock Holmes", email="sherlock@baker.test", companyid=baker.pk, tags="detective"
    )
    watson = services.create_contact(
        name="Dr John Watson", email="john@baker.test", companyid=baker.pk
    )
    mrs = services.create_contact(name="Martha Hudson", email="martha@landlady.test")
    Contact.objects.filter(pk=mrs.pk).update(lastupdated=timezone.now() - timedelta(days=30))
    return {"baker": baker, "sherlock": sherlock, "watson": watson, "hudson": mrs}


def names(depot, **params):
    return [row["fullname"] for row in depot.get("contacts", params).json()["rows"]]


def test_search_by_first_last_or_email_prefix(depot, people):
    assert names(depot, search="sher") == ["Sherlock Holmes"]
    assert names(depot, search="holm") == ["Sherlock Holmes"]
    assert names(depot, search="john") == ["Dr John Watson"]  # the title is skipped
    assert names(depot, search="dr") == []
    assert names(depot, search="martha@") == ["Martha Hudson"]


def test_filters(depot, people):
    assert names(depot, tag="Detective") == ["Sherlock Holmes"]
    assert names(depot, company=people["baker"].pk) == ["Dr John Watson", "Sherlock Holmes"]
    assert names(depot, isincompany="false") == ["Martha Hudson"]
    assert names(depot, isincompany="true") == ["Dr John Watson", "Sherlock Holmes"]
    assert names(depot, email="JOHN@baker.test") == ["Dr John Watson"]
    since = int((timezone.now() - timedelta(days=1)).timestamp())
    assert names(depot, lastupdated=since) == ["Dr John Watson", "Sherlock Holmes"]


def test_ordering_and_paging(depot, people):
    assert names(depot, order="lastname") == ["Sherlock Holmes", "Martha Hudson", "Dr John Watson"]
    body = depot.get(
        "contacts", {"order": "fullname", "orderasc": "false", "rows": 1, "start": 1}
    ).json()
    assert [row["fullname"] for row in body["rows"]] == ["Martha Hudson"]
    assert body["total"] == 3


def test_hide_switches(depot, people):
    default = depot.get(f"contacts/{people['sherlock'].pk}").json()["rows"][0]
    assert "address" in default and "company" in default
    assert "tags" not in default and "notes" not in default
    hidden = depot.get(
        f"contacts/{people['sherlock'].pk}", {"hideaddress": "true", "hidecompany": "1"}
    ).json()["rows"][0]
    assert "address" not in hidden and "company" not in hidden


def test_xml_list(depot, people):
    body = depot.get(
        "contacts", {"search": "sher", "hidetags": "false"}, fmt="xml"
    ).content.decode()
    assert "<tags>\n            <item>detective</item>\n         </tags>" in body
    assert "<company>\n            <id>" in body
    assert "<total>1</total>" in body


def test_update_parts_and_move_company(depot, people):
    sherlock = people["sherlock"]
    response = depot.patch(
        f"contacts/{sherlock.pk}",
        {"lastname": "Holmes-Vernet", "companyid": "0", "position": "Consultant"},
    )
    assert response.status_code == 200
    sherlock.refresh_from_db()
    assert sherlock.fullname == "Sherlock Holmes-Vernet"
    assert sherlock.company is None and sherlock.position == "Consultant"
    assert names(depot, search="holmes-v") == ["Sherlock Holmes-Vernet"]


def test_delete_and_404(depot, people):
    pk = people["hudson"].pk
    assert depot.delete(f"contacts/{pk}").json() == {"error": False, "id": pk}
    assert depot.get(f"contacts/{pk}").status_code == 404
    assert depot.delete(f"contacts/{pk}").status_code == 404


@pytest.mark.parametrize("count", [1, 50])
def test_list_queries_stay_flat(depot, django_assert_max_num_queries, count):
    company = CompanyFactory()
    for index in range(count):
        services.create_contact(name=f"Person {index}", companyid=company.pk, tags="t")
    with django_assert_max_num_queries(11):
        body = depot.get("contacts", {"rows": 100, "hidetags": "false"}).json()
    assert len(body["rows"]) == count and body["rows"][0]["company"]["id"] == company.pk
