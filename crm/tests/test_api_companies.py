import io
import json
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from crm import services
from crm.models import Activity, Company
from crm.tests.factories import CompanyFactory, ContactFactory

pytestmark = pytest.mark.django_db


def test_create_and_read_back_in_the_spec_shape(depot):
    response = depot.post(
        "companies",
        {
            "name": "Sherlock Investigates Inc",
            "website": "https://sherlock.test",
            "telephone": "020 7946 0000",
            "tags": "detective, london,Detective",
            "line1": "221B Baker Street",
            "city": "London",
            "district": "Greater London",
            "country": "United Kingdom",
            "postcode": "NW1 6XE",
            "customfields": '[{"Twitter": "@sherlock"}, {"title": "VAT", "value": "GB1"}]',
            "creditlimit": "5000",
            "notes": "Pays on time.",
        },
    )
    assert response.status_code == 201
    company_id = response.json()["id"]
    row = depot.get(f"companies/{company_id}", {"hidetags": "false", "hidenotes": "false"}).json()[
        "rows"
    ][0]
    assert row["name"] == "Sherlock Investigates Inc"
    assert row["image"] is None
    assert row["tags"] == ["detective", "london"]
    assert row["notes"] == "Pays on time."
    assert row["customfields"] == [{"Twitter": "@sherlock"}, {"VAT": "GB1"}]
    assert row["creditlimit"] == 5000
    assert row["accountsdata"] == {}
    assert isinstance(row["added"], int) and isinstance(row["lastupdated"], str)
    assert {k: v for k, v in row["address"].items() if k != "id"} == {
        "line1": "221B Baker Street",
        "line2": "",
        "line3": "",
        "city": "London",
        "district": "Greater London",
        "country": "United Kingdom",
        "postcode": "NW1 6XE",
    }
    assert len(row["address"]["id"]) == 13


def test_tags_and_notes_hidden_by_default(depot):
    company = services.create_company(name="Acme", tags="a,b", notes="secret")
    row = depot.get(f"companies/{company.pk}").json()["rows"][0]
    assert "tags" not in row and "notes" not in row


def test_xml_shape(depot):
    company = CompanyFactory(name="Company name")
    body = depot.get(f"companies/{company.pk}", fmt="xml").content.decode()
    assert '<image null="true" />' in body
    assert "<accountsdata />" in body and "<customfields />" in body
    assert "<name>Company name</name>" in body


def test_list_filters(depot):
    old = CompanyFactory(name="Old Brewery")
    Company.objects.filter(pk=old.pk).update(lastupdated=timezone.now() - timedelta(days=10))
    services.create_company(name="Brew Co", tags="brewery")
    services.create_company(name="Paper Mill", is_supplier=True)

    def names(**params):
        return [row["name"] for row in depot.get("companies", params).json()["rows"]]

    assert names(search="brew") == ["Brew Co"]
    assert names(search="old") == ["Old Brewery"]
    assert names(tag="BREWERY") == ["Brew Co"]
    assert names(supplier="true") == ["Paper Mill"]
    since = int((timezone.now() - timedelta(days=1)).timestamp())
    assert names(lastupdated=since) == ["Brew Co", "Paper Mill"]
    body = depot.get("companies", {"order": "name", "orderasc": "false", "rows": 2}).json()
    assert [row["name"] for row in body["rows"]] == ["Paper Mill", "Old Brewery"]
    assert body["total"] == 3


@pytest.mark.parametrize(
    "params,error",
    [
        ({"order": "secret"}, "order must be one of: added, id, lastupdated, name, website."),
        ({"lastupdated": "yesterday"}, "lastupdated must be a whole number."),
        ({"hidetags": "maybe"}, "hidetags must be true or false."),
    ],
)
def test_bad_list_parameters(depot, params, error):
    response = depot.get("companies", params)
    assert response.status_code == 400
    assert response.json()["errors"] == [error]


@pytest.mark.parametrize(
    "data,errors",
    [
        ({}, ["name is required."]),
        ({"name": "A", "customfields": "{bad"}, ["customfields must be valid JSON."]),
        ({"name": "A", "customfields": "[1, 2]"}, ["customfields items must be objects."]),
        ({"name": "A", "creditlimit": "-4"}, ["creditlimit must be at least 0."]),
        ({"name": "x" * 201}, ["name must be at most 200 characters."]),
    ],
)
def test_create_validation(depot, data, errors):
    response = depot.post("companies", data)
    assert response.status_code == 400
    assert response.json()["errors"] == errors
    assert not Company.objects.exists()


def test_update_and_delete(depot):
    company = CompanyFactory(name="Before")
    response = depot.patch(f"companies/{company.pk}", {"name": "After", "tags": "vip"})
    assert response.json() == {"error": False, "id": company.pk}
    company.refresh_from_db()
    assert company.name == "After" and company.search_name == "after"
    assert [t.name for t in company.tags.all()] == ["vip"]
    assert depot.delete(f"companies/{company.pk}").json() == {"error": False, "id": company.pk}
    assert not Company.objects.exists()


def test_unknown_company_is_404(depot):
    for response in (
        depot.get("companies/999"),
        depot.patch("companies/999", {"name": "x"}),
        depot.delete("companies/999"),
        depot.post("companies/999/upload", {}),
    ):
        assert response.status_code == 404
        assert response.content == b""


def test_delete_refused_while_people_belong(depot, admin_user):
    company = CompanyFactory(name="Busy Ltd")
    ContactFactory(company=company)
    ContactFactory(company=company)
    response = depot.delete(f"companies/{company.pk}")
    assert response.status_code == 400
    assert response.json()["errors"] == ["Busy Ltd can't be deleted while it has 2 people."]
    assert Company.objects.filter(pk=company.pk).exists()


def test_delete_takes_the_company_journal_with_it(depot, admin_user):
    company = CompanyFactory()
    services.create_activity(title="Hi", type="C", added_by=admin_user, for_code=company.code)
    depot.delete(f"companies/{company.pk}")
    assert not Activity.objects.exists()


def test_image_upload(depot):
    company = CompanyFactory()
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20)).save(buffer, "PNG")
    response = depot.client.post(
        f"/api/v1/companies/{company.pk}/upload.json",
        {"_tbxFile1": SimpleUploadedFile("brand.png", buffer.getvalue())},
        headers=depot.headers,
    )
    assert response.json()["finish"] is True
    assert (
        depot.get(f"companies/{company.pk}").json()["rows"][0]["image"]
        == response.json()["upload_name"]
    )
    bad = depot.client.post(
        f"/api/v1/companies/{company.pk}/upload.json",
        {"_tbxFile1": SimpleUploadedFile("doc.pdf", b"%PDF-1.4")},
        headers=depot.headers,
    )
    assert bad.status_code == 400


def test_json_customfields_and_accountsdata(depot):
    response = depot.post(
        "companies",
        {"name": "J", "customfields": {"Slack": "#j"}, "accountsdata": {"xero": "abc"}},
        as_json=True,
    )
    row = depot.get(f"companies/{response.json()['id']}").json()["rows"][0]
    assert row["customfields"] == [{"Slack": "#j"}]
    assert row["accountsdata"] == {"xero": "abc"}


def test_collaborators_cannot_see_connections(bearer_for, db):
    from accounts.tests.factories import CollaboratorFactory

    assert bearer_for(CollaboratorFactory()).get("companies").status_code == 401


@pytest.mark.parametrize("count", [1, 50])
def test_list_queries_stay_flat(depot, django_assert_max_num_queries, count):
    for index in range(count):
        services.create_company(name=f"Co {index}", tags="one,two")
    with django_assert_max_num_queries(11):
        body = depot.get("companies", {"rows": 100, "hidetags": "false"}).json()
    assert len(body["rows"]) == count and body["rows"][0]["tags"] == ["one", "two"]
    assert json.dumps(body)
