"""What a real client does: send back what it read, send empty form fields, and
send hostile input. None of it may be silently dropped or crash."""

import json
import time

import pytest

from crm.models import Activity, Company, Contact
from crm.tests.factories import CompanyFactory, ContactFactory

pytestmark = pytest.mark.django_db


def test_a_contact_read_back_keeps_its_company_position_and_address(depot):
    acme = CompanyFactory(name="Acme Ltd")
    other = CompanyFactory(name="Other Ltd")
    contact_id = depot.post("contacts", {"name": "Ann Lee", "companyid": acme.pk}).json()["id"]
    row = depot.get(f"contacts/{contact_id}").json()["rows"][0]
    row["company"] = {**row["company"], "id": other.pk, "position": "CEO"}
    row["address"] = {**row["address"], "line1": "1 New Road", "postcode": "BT1 1AA"}
    response = depot.patch(f"contacts/{contact_id}", row, as_json=True)
    assert response.status_code == 200, response.content
    contact = Contact.objects.get(pk=contact_id)
    assert (contact.company, contact.position) == (other, "CEO")
    assert (contact.line1, contact.postcode) == ("1 New Road", "BT1 1AA")


def test_company_may_be_a_bare_id(depot):
    acme = CompanyFactory()
    contact_id = depot.post("contacts", {"name": "B C", "company": acme.pk}, as_json=True).json()
    assert Contact.objects.get(pk=contact_id["id"]).company == acme


def test_a_nested_address_too_long_is_a_400_not_a_silent_cut(depot):
    company = CompanyFactory()
    response = depot.patch(
        f"companies/{company.pk}", {"address": {"postcode": "x" * 50}}, as_json=True
    )
    assert response.status_code == 400
    assert response.json()["errors"] == ["postcode must be at most 20 characters."]


def test_an_empty_companyid_beside_a_companyname_uses_the_name(depot):
    acme = CompanyFactory(name="Acme Ltd")
    contact_id = depot.post(
        "contacts", {"name": "Form Client", "companyid": "", "companyname": "acme ltd"}
    ).json()["id"]
    assert Contact.objects.get(pk=contact_id).company == acme


def test_empty_json_fields_from_a_form_clear_them(depot):
    company_id = depot.post(
        "companies",
        {
            "name": "Empty CF",
            "customfields": json.dumps([{"VAT": "GB1"}]),
            "accountsdata": json.dumps({"xero": "abc"}),
        },
    ).json()["id"]
    response = depot.patch(f"companies/{company_id}", {"customfields": "", "accountsdata": ""})
    assert response.status_code == 200, response.content
    company = Company.objects.get(pk=company_id)
    assert (company.customfields, company.accountsdata) == ([], {})
    created = depot.post("companies", {"name": "Blank", "customfields": "", "accountsdata": ""})
    assert created.status_code == 201


def test_activity_takes_for_and_addedby_as_read_and_an_empty_date(depot, admin_user):
    company = CompanyFactory(name="Causeway")
    response = depot.post(
        "activity",
        {
            "title": "Echo",
            "type": "C",
            "addedby": {"email": admin_user.email, "name": admin_user.name},
            "for": {"type": "C", "id": str(company.pk), "name": "Causeway"},
            "date": "",
        },
        as_json=True,
    )
    assert response.status_code == 201, response.content
    entry = Activity.objects.get(pk=response.json()["id"])
    assert (entry.for_code, entry.added_by) == (company.code, admin_user)
    before = entry.date
    assert depot.patch(f"activity/{entry.pk}", {"date": ""}).status_code == 200
    entry.refresh_from_db()
    assert entry.date == before


def test_names_sort_whatever_their_case(depot):
    for name in ("Zeta", "aardvark ltd", "Mango"):
        CompanyFactory(name=name)
    rows = depot.get("companies", {"order": "name"}).json()["rows"]
    assert [row["name"] for row in rows] == ["aardvark ltd", "Mango", "Zeta"]
    for fullname in ("Tom Quinn", "aaron lower", "Beth Ames"):
        ContactFactory(fullname=fullname)
    rows = depot.get("contacts", {"order": "fullname", "orderasc": "false"}).json()["rows"]
    assert [row["fullname"] for row in rows] == ["Tom Quinn", "Beth Ames", "aaron lower"]


def test_activity_by_someone_unknown_is_an_empty_list(depot):
    body = depot.get("activity", {"by": "nobody@studio.test"}).json()
    assert (body["rows"], body["total"]) == ([], 0)


@pytest.mark.parametrize(
    "body,error",
    [
        ({"name": ["a", "b"]}, "name must be text, not a list or an object."),
        ({"name": "Ok", "telephone": {"a": 1}}, "telephone must be text, not a list or an object."),
        ({"name": "Sur\ud800rogate"}, "name must not contain unpaired surrogate characters."),
        (
            {"name": "Deep", "customfields": "[" * 5000 + "]" * 5000},
            "customfields is nested too deeply.",
        ),
        (
            {
                "name": "Deep",
                "notes": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["x"]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]],
            },
            "notes is nested too deeply.",
        ),
    ],
)
def test_hostile_company_bodies_are_400(depot, body, error):
    response = depot.post("companies", body, as_json=True)
    assert response.status_code == 400, response.content
    assert error in response.json()["errors"]
    assert not Company.objects.exists()


def test_a_body_nested_past_the_parser_is_400(depot):
    raw = '{"name": ' + "[" * 50000 + "]" * 50000 + "}"
    response = depot.client.post(
        depot.url("companies"), raw, content_type="application/json", headers=depot.headers
    )
    assert response.status_code == 400
    assert response.json()["errors"] == ["The request body is nested too deeply."]


@pytest.mark.parametrize(
    "field,value", [("for", "C" + "9" * 5000), ("replyto", "1e5000"), ("for", "C1e5")]
)
def test_huge_references_are_a_quick_400(depot, admin_user, field, value):
    company = CompanyFactory()
    body = {"title": "t", "type": "C", "addedby": admin_user.email, "for": company.code}
    started = time.monotonic()
    response = depot.post("activity", {**body, field: value})
    assert response.status_code == 400
    assert time.monotonic() - started < 2
    assert all(len(error) < 200 for error in response.json()["errors"])


def test_huge_companyid_is_a_400(depot):
    response = depot.post("contacts", {"name": "Z", "companyid": "1e300000"})
    assert response.status_code == 400
    assert response.json()["errors"] == ["companyid must be a whole number."]


def test_credit_limits_round_half_up_to_the_cent(depot):
    company_id = depot.post("companies", {"name": "Half", "creditlimit": "100.125"}).json()["id"]
    assert depot.get(f"companies/{company_id}").json()["rows"][0]["creditlimit"] == 100.13


def test_a_company_object_without_an_id_is_a_400_not_an_unlink(depot):
    acme = CompanyFactory(name="Acme Ltd")
    contact = ContactFactory(company=acme)
    response = depot.patch(f"contacts/{contact.pk}", {"company": {"name": "Other"}}, as_json=True)
    assert response.status_code == 400
    assert response.json()["errors"] == ["companyid must be an id or an object with an id."]
    contact.refresh_from_db()
    assert contact.company == acme


def test_a_custom_field_title_over_100_characters_is_refused_not_cut(depot):
    response = depot.post(
        "companies", {"name": "Long", "customfields": json.dumps([{"t" * 101: "v"}])}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0].startswith("customfields title “ttt")
