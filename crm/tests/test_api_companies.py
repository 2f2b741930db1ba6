"""The Depot `companies` resource: shapes as in the spec's JSON and XML examples,
filters, switches, ordering, writes, uploads, permissions and query counts."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.tests.factories import CollaboratorFactory
from conftest import without_field_detail
from crm import services
from crm.models import Activity, ActivityFile, Company, Contact
from crm.tests.factories import ActivityFactory, CompanyFactory, ContactFactory, png_bytes

# The rate limit has tests of its own; here it would only add a statement to
# the query counts and refuse the longer request runs.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_api_rate_limit")]


def names(depot, **params):
    response = depot.get("companies", params)
    assert response.status_code == 200, response.content
    return [row["name"] for row in response.json()["rows"]]


def upload(depot, path, name, content):
    return depot.client.post(
        f"/api/v1/{path}.json",
        {"_tbxFile1": SimpleUploadedFile(name, content)},
        headers=depot.headers,
    )


# --- shapes -----------------------------------------------------------------------

SHERLOCK = {
    "name": "Sherlock Investigates Inc",
    "website": "https://sherlock.test",
    "telephone": "020 7946 0000",
    "tags": "detective, london,Detective",
    "line1": "221B Baker Street",
    "line2": "Marylebone",
    "city": "London",
    "district": "Greater London",
    "country": "United Kingdom",
    "postcode": "NW1 6XE",
    "customfields": '[{"Twitter": "@sherlock"}, {"title": "VAT", "value": "GB1"}]',
    "creditlimit": "5000",
    "notes": "Pays on time.",
}


def test_create_answers_201_with_the_id(depot):
    response = depot.post("companies", SHERLOCK)
    assert response.status_code == 201
    company = Company.objects.get()
    assert response.json() == {"error": False, "id": company.pk}


def test_read_back_in_the_spec_shape(depot):
    company_id = depot.post("companies", SHERLOCK).json()["id"]
    company = Company.objects.get(pk=company_id)
    response = depot.get(f"companies/{company_id}", {"hidetags": "false", "hidenotes": "false"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.json() == {
        "error": False,
        "rows": [
            {
                "id": company_id,
                "name": "Sherlock Investigates Inc",
                "website": "https://sherlock.test",
                "telephone": "020 7946 0000",
                "added": int(company.added.timestamp()),
                "image": None,
                "lastupdated": str(int(company.lastupdated.timestamp())),
                "accountsdata": {},
                "customfields": [{"Twitter": "@sherlock"}, {"VAT": "GB1"}],
                "creditlimit": 5000,
                "supplier": 0,
                "customer": 1,
                "tags": ["detective", "london"],
                "notes": "Pays on time.",
                "address": {
                    "id": company.address_id,
                    "line1": "221B Baker Street",
                    "line2": "Marylebone",
                    "line3": "",
                    "city": "London",
                    "district": "Greater London",
                    "country": "United Kingdom",
                    "postcode": "NW1 6XE",
                },
            }
        ],
    }
    assert len(company.address_id) == 13


def test_a_url_without_suffix_answers_json(depot):
    company = CompanyFactory(name="Plain")
    response = depot.get(f"companies/{company.pk}", fmt="")
    assert response.json()["rows"][0]["name"] == "Plain"


def test_xml_item_shape(depot):
    company = CompanyFactory(
        name="Company name",
        website="",
        city="City",
        line1="Address line 1",
        line2="Address line 2",
        district="County",
        country="Country",
        customfields=[{"title": "title", "value": "value"}],
    )
    response = depot.get(f"companies/{company.pk}", fmt="xml")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    added = int(company.added.timestamp())
    updated = int(company.lastupdated.timestamp())
    assert response.content.decode() == (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        "<response>\n"
        "   <error>false</error>\n"
        "   <rows>\n"
        "      <item>\n"
        "         <accountsdata />\n"
        f"         <added>{added}</added>\n"
        "         <address>\n"
        "            <city>City</city>\n"
        "            <country>Country</country>\n"
        "            <district>County</district>\n"
        f"            <id>{company.address_id}</id>\n"
        "            <line1>Address line 1</line1>\n"
        "            <line2>Address line 2</line2>\n"
        "            <line3 />\n"
        "            <postcode />\n"
        "         </address>\n"
        '         <creditlimit null="true" />\n'
        "         <customer>1</customer>\n"
        "         <customfields>\n"
        "            <item>\n"
        "               <title>value</title>\n"
        "            </item>\n"
        "         </customfields>\n"
        f"         <id>{company.pk}</id>\n"
        '         <image null="true" />\n'
        f"         <lastupdated>{updated}</lastupdated>\n"
        "         <name>Company name</name>\n"
        "         <supplier>0</supplier>\n"
        "         <telephone />\n"
        "         <website />\n"
        "      </item>\n"
        "   </rows>\n"
        "</response>\n"
    )


def test_xml_list_with_tags_and_total(depot):
    CompanyFactory(name="Acme", tags=["violin", "detective"])
    body = depot.get("companies", {"hidetags": "false"}, fmt="xml").content.decode()
    assert "<tags>\n            <item>detective</item>\n            <item>violin</item>\n" in body
    assert "<total>1</total>" in body
    assert body.count("<item>") == 3  # one row, two tags


def test_xml_write_answers(depot):
    response = depot.post("companies", {"name": "X"}, fmt="xml")
    assert response.status_code == 201
    company = Company.objects.get()
    assert response.content.decode() == (
        '<?xml version="1.0" encoding="UTF-8"?>\n<response>\n   <error>false</error>\n'
        f"   <id>{company.pk}</id>\n</response>\n"
    )
    error = depot.post("companies", {}, fmt="xml")
    assert error.status_code == 400
    assert error.content.decode() == (
        '<?xml version="1.0" encoding="UTF-8"?>\n<response>\n   <error>true</error>\n'
        "   <errors>\n      <item>name is required.</item>\n   </errors>\n"
        "   <fields>\n      <name>\n         <item>name is required.</item>\n      </name>\n"
        "   </fields>\n   <msg>Validation errors</msg>\n</response>\n"
    )


# --- lists ------------------------------------------------------------------------


def test_list_envelope_and_total_counts_every_match(depot):
    for index in range(12):
        CompanyFactory(name=f"Firm {index:02d}")
    body = depot.get("companies").json()
    assert body["error"] is False
    assert len(body["rows"]) == 10  # the default page
    assert body["total"] == 12
    assert [row["name"] for row in body["rows"]] == [f"Firm {i:02d}" for i in range(10)]
    second = depot.get("companies", {"start": 10}).json()
    assert [row["name"] for row in second["rows"]] == ["Firm 10", "Firm 11"]
    assert second["total"] == 12
    page = depot.get("companies", {"rows": 3, "start": 4}).json()
    assert [row["name"] for row in page["rows"]] == ["Firm 04", "Firm 05", "Firm 06"]
    assert page["total"] == 12
    assert depot.get("companies", {"start": 50}).json() == {
        "error": False,
        "rows": [],
        "total": 12,
    }
    assert len(depot.get("companies", {"rows": 5000}).json()["rows"]) == 12


def test_empty_list(depot):
    assert depot.get("companies").json() == {"error": False, "rows": [], "total": 0}
    assert depot.get("companies", fmt="xml").content.decode() == (
        '<?xml version="1.0" encoding="UTF-8"?>\n<response>\n   <error>false</error>\n'
        "   <rows />\n   <total>0</total>\n</response>\n"
    )


def test_search_matches_the_start_of_any_word_in_any_case(depot):
    CompanyFactory(name="Brew Co")
    CompanyFactory(name="Old Brewery")
    CompanyFactory(name="Paper Mill")
    assert names(depot, search="brew") == ["Brew Co", "Old Brewery"]
    assert names(depot, search="BREW CO") == ["Brew Co"]
    assert names(depot, search="  old   brew ") == ["Old Brewery"]
    assert names(depot, search="mill") == ["Paper Mill"]
    assert names(depot, search="ill") == []
    assert names(depot, search="100%") == []
    assert names(depot, search="_") == []
    body = depot.get("companies", {"search": "p", "rows": 1}).json()
    assert body["total"] == 1


def test_tag_filter_ignores_case(depot):
    CompanyFactory(name="Brew Co", tags=["Brewery", "local"])
    CompanyFactory(name="Paper Mill", tags=["local"])
    CompanyFactory(name="Untagged")
    assert names(depot, tag="brewery") == ["Brew Co"]
    assert names(depot, tag="LOCAL") == ["Brew Co", "Paper Mill"]
    assert names(depot, tag="nothing") == []


def test_lastupdated_returns_newer_changes_only(depot):
    old = CompanyFactory(name="Old")
    CompanyFactory(name="New")
    Company.objects.filter(pk=old.pk).update(lastupdated=timezone.now() - timedelta(days=10))
    since = int((timezone.now() - timedelta(days=1)).timestamp())
    assert names(depot, lastupdated=since) == ["New"]
    assert names(depot, lastupdated=0) == ["New", "Old"]
    assert names(depot, lastupdated=int(timezone.now().timestamp()) + 60) == []


def test_supplier_filter(depot):
    services.create_company(name="Paper Mill", is_supplier=True)
    services.create_company(name="Client")
    assert names(depot, supplier="true") == ["Paper Mill"]
    assert names(depot, supplier="0") == ["Client"]
    assert names(depot) == ["Client", "Paper Mill"]


def test_filters_combine(depot):
    services.create_company(name="Brew Co", tags="local", is_supplier=True)
    services.create_company(name="Brew Two", tags="local")
    services.create_company(name="Brewdog", tags="national", is_supplier=True)
    assert names(depot, search="brew", tag="local", supplier="yes") == ["Brew Co"]


def test_tags_and_notes_hidden_by_default(depot):
    company = services.create_company(name="Acme", tags="a,b", notes="secret")
    for response in (depot.get(f"companies/{company.pk}"), depot.get("companies")):
        row = response.json()["rows"][0]
        assert "tags" not in row and "notes" not in row
        assert "address" in row
    row = depot.get(f"companies/{company.pk}", {"hidetags": "false"}).json()["rows"][0]
    assert row["tags"] == ["a", "b"] and "notes" not in row
    row = depot.get("companies", {"hidenotes": "0"}).json()["rows"][0]
    assert row["notes"] == "secret" and "tags" not in row
    row = depot.get("companies", {"hidenotes": "no", "hidetags": "no"}).json()["rows"][0]
    assert row["notes"] == "secret" and row["tags"] == ["a", "b"]
    row = depot.get("companies", {"hidenotes": "true", "hidetags": "1"}).json()["rows"][0]
    assert "tags" not in row and "notes" not in row


def test_a_company_without_tags_shows_an_empty_list(depot):
    company = CompanyFactory()
    assert (
        depot.get(f"companies/{company.pk}", {"hidetags": "false"}).json()["rows"][0]["tags"] == []
    )


@pytest.fixture
def three(db):
    """Three companies whose sort keys disagree with each other."""
    first = CompanyFactory(name="Charlie", website="https://a.test")
    second = CompanyFactory(name="Alpha", website="https://c.test")
    third = CompanyFactory(name="Bravo", website="https://b.test")
    now = timezone.now()
    for offset, company in enumerate((second, third, first)):
        Company.objects.filter(pk=company.pk).update(
            added=now - timedelta(days=10 - offset), lastupdated=now - timedelta(days=5 - offset)
        )
    return first, second, third


@pytest.mark.parametrize(
    "order,expected",
    [
        ("name", ["Alpha", "Bravo", "Charlie"]),
        ("id", ["Charlie", "Alpha", "Bravo"]),
        ("added", ["Alpha", "Bravo", "Charlie"]),
        ("lastupdated", ["Alpha", "Bravo", "Charlie"]),
        ("website", ["Charlie", "Bravo", "Alpha"]),
    ],
)
def test_ordering(depot, three, order, expected):
    assert names(depot, order=order) == expected
    assert names(depot, order=order, orderasc="true") == expected
    assert names(depot, order=order, orderasc="false") == expected[::-1]


def test_default_order_is_by_name(depot, three):
    assert names(depot) == ["Alpha", "Bravo", "Charlie"]
    assert names(depot, orderasc="false") == ["Charlie", "Bravo", "Alpha"]


def test_ties_keep_pages_stable(depot):
    for _ in range(5):
        CompanyFactory(name="Same")
    ids = sorted(Company.objects.values_list("pk", flat=True))
    pages = [depot.get("companies", {"rows": 2, "start": s}).json()["rows"] for s in (0, 2, 4)]
    assert [row["id"] for page in pages for row in page] == ids


@pytest.mark.parametrize(
    "params,errors",
    [
        ({"order": "secret"}, ["order must be one of: added, id, lastupdated, name, website."]),
        ({"orderasc": "sideways"}, ["orderasc must be true or false."]),
        ({"rows": "0"}, ["rows must be a whole number between 1 and 1000."]),
        ({"rows": "ten"}, ["rows must be a whole number between 1 and 1000."]),
        ({"start": "-1"}, ["start must be a whole number of at least 0."]),
        ({"lastupdated": "yesterday"}, ["lastupdated must be a whole number."]),
        ({"lastupdated": "99999999999999999999"}, ["lastupdated is out of range."]),
        ({"hidetags": "maybe"}, ["hidetags must be true or false."]),
        ({"hidenotes": "maybe"}, ["hidenotes must be true or false."]),
        ({"supplier": "maybe"}, ["supplier must be true or false."]),
        ({"search": "a\x00b"}, ["search must not contain NUL characters."]),
        ({"tag": "a\x00b"}, ["tag must not contain NUL characters."]),
    ],
)
def test_bad_list_parameters_are_400(depot, params, errors):
    response = depot.get("companies", params)
    assert response.status_code == 400
    assert without_field_detail(response) == {
        "error": True,
        "msg": "Validation errors",
        "errors": errors,
    }


def test_a_huge_start_is_an_empty_page(depot):
    CompanyFactory()
    body = depot.get("companies", {"start": "99999999999999999999"}).json()
    assert body == {"error": False, "rows": [], "total": 1}


# --- writes -----------------------------------------------------------------------


def test_create_with_the_minimum(depot):
    company_id = depot.post("companies", {"name": "  Acme  "}).json()["id"]
    row = depot.get(f"companies/{company_id}", {"hidetags": "0", "hidenotes": "0"}).json()["rows"][
        0
    ]
    assert row["name"] == "Acme"
    assert row["website"] == "" and row["telephone"] == "" and row["notes"] == ""
    assert row["customfields"] == [] and row["tags"] == [] and row["creditlimit"] is None
    assert row["address"]["line1"] == "" and row["image"] is None


def test_create_with_a_json_body(depot):
    response = depot.post(
        "companies",
        {
            "name": "J",
            "tags": ["one", "Two", "one"],
            "customfields": [{"Twitter": "@x"}],
            "accountsdata": {"xero": "abc"},
            "creditlimit": 1500.5,
            "supplier": True,
        },
        as_json=True,
    )
    assert response.status_code == 201
    row = depot.get(f"companies/{response.json()['id']}", {"hidetags": "false"}).json()["rows"][0]
    assert row["customfields"] == [{"Twitter": "@x"}]
    assert row["accountsdata"] == {"xero": "abc"}
    assert row["tags"] == ["one", "Two"]
    assert row["creditlimit"] == 1500.5
    assert row["supplier"] == 1


def test_customfields_as_a_json_string_inside_a_json_body(depot):
    response = depot.post(
        "companies", {"name": "J", "customfields": '[{"Twitter":"@x"}]'}, as_json=True
    )
    row = depot.get(f"companies/{response.json()['id']}").json()["rows"][0]
    assert row["customfields"] == [{"Twitter": "@x"}]


def test_customfields_keep_their_order_and_nested_values_as_json(depot):
    response = depot.post(
        "companies",
        {
            "name": "J",
            "customfields": [{"Z": "last"}, {"A": {"b": 1}}, {"N": 5}, {"E": None}],
        },
        as_json=True,
    )
    row = depot.get(f"companies/{response.json()['id']}").json()["rows"][0]
    assert row["customfields"] == [{"Z": "last"}, {"A": '{"b": 1}'}, {"N": "5"}, {"E": ""}]


def test_tags_as_repeated_form_fields(depot):
    response = depot.post("companies", {"name": "T", "tags[]": ["x", "y"]})
    row = depot.get(f"companies/{response.json()['id']}", {"hidetags": "0"}).json()["rows"][0]
    assert row["tags"] == ["x", "y"]


def test_tags_are_shared_between_companies_whatever_their_case(depot):
    depot.post("companies", {"name": "A", "tags": "VIP"})
    depot.post("companies", {"name": "B", "tags": "vip"})
    assert names(depot, tag="Vip") == ["A", "B"]


@pytest.mark.parametrize(
    "data,errors",
    [
        ({}, ["name is required."]),
        ({"name": "   "}, ["name is required."]),
        ({"website": "x"}, ["name is required."]),
        ({"name": "A", "customfields": "{bad"}, ["customfields must be valid JSON."]),
        ({"name": "A", "customfields": "[1, 2]"}, ["customfields items must be objects."]),
        ({"name": "A", "customfields": "5"}, ["customfields must be a JSON array."]),
        ({"name": "A", "customfields": '[{"": "x"}]'}, ["customfields titles can't be blank."]),
        (
            {"name": "A", "customfields": '[{"a": 1, "b": 2}]'},
            ['customfields items must be {"title": "value"} pairs.'],
        ),
        ({"name": "A", "accountsdata": "[1]"}, ["accountsdata must be a JSON object."]),
        ({"name": "A", "accountsdata": "{"}, ["accountsdata must be valid JSON."]),
        ({"name": "A", "creditlimit": "-4"}, ["creditlimit must be at least 0."]),
        ({"name": "A", "creditlimit": "lots"}, ["creditlimit must be a number."]),
        ({"name": "A", "creditlimit": "1e30"}, ["creditlimit must be an amount of 0 or more."]),
        ({"name": "A", "supplier": "perhaps"}, ["supplier must be true or false (1/0, yes/no)."]),
        ({"name": "x" * 201}, ["name must be at most 200 characters."]),
        ({"name": "A", "postcode": "x" * 21}, ["postcode must be at most 20 characters."]),
        (
            {"name": "A", "tags": "ok," + "x" * 61},
            ["tags: 'xxxxxxxxxxxxxxxxxxxx…' is longer than 60 characters."],
        ),
        ({"name": "A\x00B"}, ["name must not contain NUL characters."]),
        ({"name": "A", "notes": "\x00"}, ["notes must not contain NUL characters."]),
        (
            {"name": "A", "customfields": '[{"a": "\\u0000"}]'},
            ["customfields must not contain NUL characters."],
        ),
        (
            {"website": "x" * 201, "creditlimit": "-1"},
            [
                "name is required.",
                "website must be at most 200 characters.",
                "creditlimit must be at least 0.",
            ],
        ),
    ],
)
def test_create_validation(depot, data, errors):
    response = depot.post("companies", data)
    assert response.status_code == 400
    assert without_field_detail(response) == {
        "error": True,
        "msg": "Validation errors",
        "errors": errors,
    }
    assert not Company.objects.exists()


def test_bad_json_body_is_400(depot):
    response = depot.client.post(
        "/api/v1/companies.json", "{nope", content_type="application/json", headers=depot.headers
    )
    assert response.status_code == 400
    assert response.json()["errors"] == ["The request body is not valid JSON."]


def test_update_changes_only_what_is_sent(depot):
    company = services.create_company(
        name="Before", website="https://before.test", tags="keep", city="Paris", line1="1 Rue"
    )
    response = depot.patch(f"companies/{company.pk}", {"name": "After", "city": "Lyon"})
    assert response.status_code == 200
    assert response.json() == {"error": False, "id": company.pk}
    company.refresh_from_db()
    assert (company.name, company.search_name) == ("After", "after")
    assert company.website == "https://before.test"
    assert (company.city, company.line1) == ("Lyon", "1 Rue")
    assert [t.name for t in company.tags.all()] == ["keep"]


def test_update_replaces_and_clears(depot):
    company = services.create_company(
        name="Acme", tags="a,b", customfields=[{"X": "1"}], creditlimit="10", notes="n"
    )
    depot.patch(
        f"companies/{company.pk}",
        {"tags": "c", "customfields": "[]", "creditlimit": "", "notes": ""},
    )
    company.refresh_from_db()
    assert [t.name for t in company.tags.all()] == ["c"]
    assert company.customfields == [] and company.creditlimit is None and company.notes == ""
    depot.patch(f"companies/{company.pk}", {"tags": ""})
    assert not company.tags.exists()


def test_update_bumps_lastupdated(depot):
    company = CompanyFactory()
    Company.objects.filter(pk=company.pk).update(lastupdated=timezone.now() - timedelta(days=3))
    since = int((timezone.now() - timedelta(days=1)).timestamp())
    assert names(depot, lastupdated=since) == []
    depot.patch(f"companies/{company.pk}", {"telephone": "1"})
    assert names(depot, lastupdated=since) == [company.name]


def test_update_with_a_json_body(depot):
    company = CompanyFactory()
    response = depot.patch(
        f"companies/{company.pk}", {"supplier": "yes", "customfields": {"A": "b"}}, as_json=True
    )
    assert response.status_code == 200
    company.refresh_from_db()
    assert company.is_supplier is True
    assert company.customfields == [{"title": "A", "value": "b"}]


@pytest.mark.parametrize(
    "data,errors",
    [
        ({"name": ""}, ["name is required."]),
        ({"creditlimit": "-1"}, ["creditlimit must be at least 0."]),
        ({"customfields": "{"}, ["customfields must be valid JSON."]),
    ],
)
def test_update_validation_changes_nothing(depot, data, errors):
    company = CompanyFactory(name="Same")
    response = depot.patch(f"companies/{company.pk}", data)
    assert response.status_code == 400
    assert response.json()["errors"] == errors
    company.refresh_from_db()
    assert company.name == "Same" and company.creditlimit is None


def test_delete(depot):
    company = CompanyFactory()
    response = depot.delete(f"companies/{company.pk}")
    assert response.status_code == 200
    assert response.json() == {"error": False, "id": company.pk}
    assert not Company.objects.exists()
    assert depot.get(f"companies/{company.pk}").status_code == 404


def test_unknown_company_is_404_saying_which_id(depot):
    CompanyFactory()
    for response in (
        depot.get("companies/999"),
        depot.patch("companies/999", {"name": "x"}),
        depot.delete("companies/999"),
        depot.post("companies/999/upload", {}),
    ):
        assert response.status_code == 404
        assert response.json() == {"error": True, "msg": "No company with id 999."}
    response = depot.get("companies/999", fmt="xml")
    assert response.status_code == 404
    assert b"<msg>No company with id 999.</msg>" in response.content
    response = depot.get("companies/99999999999999999999")
    assert response.status_code == 404
    assert response.json()["msg"] == "No company with id 99999999999999999999."


def test_delete_refused_while_people_belong(depot):
    company = CompanyFactory(name="Busy Ltd")
    ContactFactory(company=company)
    ContactFactory(company=company)
    ActivityFactory(about=company)
    response = depot.delete(f"companies/{company.pk}")
    assert response.status_code == 400
    assert without_field_detail(response) == {
        "error": True,
        "msg": "Validation errors",
        "errors": ["Busy Ltd can't be deleted while it has 2 people."],
    }
    assert Company.objects.filter(pk=company.pk).exists()
    assert Contact.objects.count() == 2
    assert Activity.objects.count() == 1


def test_delete_refused_names_a_single_person(depot):
    company = CompanyFactory(name="Solo Ltd")
    ContactFactory(company=company)
    response = depot.delete(f"companies/{company.pk}")
    assert response.json()["errors"] == ["Solo Ltd can't be deleted while it has 1 person."]


def test_delete_takes_the_company_journal_with_it(
    depot, admin_user, django_capture_on_commit_callbacks
):
    company = CompanyFactory()
    other = CompanyFactory()
    entry = services.create_activity(
        title="Hi", type="C", added_by=admin_user, for_code=company.code
    )
    services.create_activity(title="Re", type="C", added_by=admin_user, replyto=entry)
    attachment = services.attach_file(entry, SimpleUploadedFile("a.txt", b"hello"))
    kept = services.create_activity(
        title="Kept", type="C", added_by=admin_user, for_code=other.code
    )
    path = attachment.file.path
    with django_capture_on_commit_callbacks(execute=True):
        assert depot.delete(f"companies/{company.pk}").status_code == 200
    assert list(Activity.objects.all()) == [kept]
    assert not ActivityFile.objects.exists()
    assert admin_user.journal_entries.count() == 1
    import os

    assert not os.path.exists(path)


# --- images -----------------------------------------------------------------------


def test_image_upload(depot):
    company = CompanyFactory()
    response = upload(depot, f"companies/{company.pk}/upload", "brand.png", png_bytes())
    assert response.status_code == 200
    body = response.json()
    assert body["error"] is False and body["finish"] is True
    assert body["upload_name"].startswith("http://testserver/media/companies/brand")
    assert body["upload_name"].endswith(".png")
    row = depot.get(f"companies/{company.pk}").json()["rows"][0]
    assert row["image"] == body["upload_name"]
    company.refresh_from_db()
    assert company.image.read() == png_bytes()


def test_image_upload_replaces_the_old_file(depot, django_capture_on_commit_callbacks):
    company = CompanyFactory()
    upload(depot, f"companies/{company.pk}/upload", "one.png", png_bytes())
    company.refresh_from_db()
    old_path = company.image.path
    with django_capture_on_commit_callbacks(execute=True):
        upload(depot, f"companies/{company.pk}/upload", "two.png", png_bytes(color="blue"))
    company.refresh_from_db()
    import os

    assert "two" in company.image.name and not os.path.exists(old_path)


def test_chunked_image_upload(depot):
    company = CompanyFactory()
    content = png_bytes(size=(64, 64))
    pieces = [content[:50], content[50:]]
    answers = []
    for piece in pieces:
        answers.append(
            depot.client.post(
                f"/api/v1/companies/{company.pk}/upload.json",
                piece,
                content_type="application/octet-stream",
                headers={
                    **depot.headers,
                    "X-File-Id": "logo-1",
                    "X-File-Name": "logo.png",
                    "X-File-Size": str(len(content)),
                    "X-File-Resume": "false",
                },
            )
        )
    assert answers[0].json() == {"error": False, "id": "logo-1", "finish": False}
    final = answers[1].json()
    assert final["finish"] is True and final["error"] is False
    assert depot.get(f"companies/{company.pk}").json()["rows"][0]["image"] == final["upload_name"]
    company.refresh_from_db()
    assert company.image.read() == content


def test_upload_answers_in_xml(depot):
    company = CompanyFactory()
    response = depot.client.post(
        f"/api/v1/companies/{company.pk}/upload.xml",
        {"_tbxFile1": SimpleUploadedFile("brand.png", png_bytes())},
        headers=depot.headers,
    )
    company.refresh_from_db()
    assert response.content.decode() == (
        '<?xml version="1.0" encoding="UTF-8"?>\n<response>\n   <error>false</error>\n'
        "   <finish>true</finish>\n"
        f"   <upload_name>http://testserver{company.image.url}</upload_name>\n</response>\n"
    )


@pytest.mark.parametrize(
    "name,content,error",
    [
        (
            "doc.pdf",
            b"%PDF-1.4",
            "_tbxFile1 must be one of these file types: gif, jpeg, jpg, png, webp.",
        ),
        ("fake.png", b"MZ\x90\x00", "_tbxFile1 is not a valid .png file."),
        ("broken.png", b"\x89PNG\r\n\x1a\n garbage", "_tbxFile1 is not a readable image."),
        ("run.exe", b"MZ", "_tbxFile1 must be one of these file types: gif, jpeg, jpg, png, webp."),
    ],
)
def test_non_images_are_refused(depot, name, content, error):
    company = CompanyFactory()
    response = upload(depot, f"companies/{company.pk}/upload", name, content)
    assert response.status_code == 400
    assert without_field_detail(response) == {
        "error": True,
        "msg": "Validation errors",
        "errors": [error],
    }
    company.refresh_from_db()
    assert not company.image


def test_upload_without_a_file_is_400(depot):
    company = CompanyFactory()
    response = depot.post(f"companies/{company.pk}/upload", {"other": "x"})
    assert response.status_code == 400
    assert response.json()["errors"][0].startswith("_tbxFile1 is required")


# --- who may call -----------------------------------------------------------------


def test_collaborators_get_401(bearer_for):
    client = bearer_for(CollaboratorFactory())
    company = CompanyFactory()
    for response in (
        client.get("companies"),
        client.get(f"companies/{company.pk}"),
        client.post("companies", {"name": "x"}),
        client.patch(f"companies/{company.pk}", {"name": "x"}),
        client.delete(f"companies/{company.pk}"),
    ):
        assert response.status_code == 401
        assert response.json() == {
            "error": True,
            "msg": "You do not have permission to do this.",
        }
    assert Company.objects.get().name == company.name


def test_restricted_users_need_the_contacts_area(bearer_for, restricted_to):
    without = bearer_for(restricted_to("projects"))
    assert without.get("companies").status_code == 401
    assert without.post("companies", {"name": "x"}).status_code == 401
    allowed = bearer_for(restricted_to("contacts"))
    assert allowed.get("companies").status_code == 200
    assert allowed.post("companies", {"name": "x"}).status_code == 201


def test_no_or_wrong_credentials_get_403(depot, api_credential):
    from django.test import Client

    anonymous = Client()
    response = anonymous.get("/api/v1/companies.json")
    assert response.status_code == 403
    assert response.json() == {"error": True, "msg": "The credentials did not authenticate."}
    wrong = anonymous.get(
        "/api/v1/companies.json",
        headers={"X-DEPOT-TOKEN": api_credential.credential.token, "X-DEPOT-SECRET": "nope"},
    )
    assert wrong.status_code == 403


# --- never a 500 ------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        {"name": ["a", "b"]},
        {"name": {"x": 1}},
        {"name": "A", "creditlimit": True},
        {"name": "A", "creditlimit": "NaN"},
        {"name": "A", "customfields": {"x": {"y": [1]}}},
        {"name": "A", "accountsdata": "null"},
        {"name": "A", "tags": [None, 1, "x"]},
        {"name": "A", "supplier": None},
    ],
)
def test_odd_json_bodies_never_500(depot, data):
    response = depot.post("companies", data, as_json=True)
    assert response.status_code in (201, 400), response.content


# --- query counts -----------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 50])
def test_list_queries_stay_flat(depot, django_assert_max_num_queries, count):
    for index in range(count):
        CompanyFactory(name=f"Co {index:02d}", tags=["one", "two"])
    # credential, last used, the page's ids and rows, tags (a short page needs no count)
    with django_assert_max_num_queries(5):
        body = depot.get(
            "companies", {"rows": 100, "hidetags": "false", "hidenotes": "false"}
        ).json()
    assert len(body["rows"]) == count and body["total"] == count
    assert body["rows"][0]["tags"] == ["one", "two"]
    assert json.dumps(body)


def test_added_is_epoch_seconds(depot):
    company = CompanyFactory()
    moment = datetime(2014, 2, 11, 0, 1, 18, tzinfo=UTC)
    Company.objects.filter(pk=company.pk).update(added=moment, lastupdated=moment)
    row = depot.get(f"companies/{company.pk}").json()["rows"][0]
    assert row["added"] == 1392076878 and row["lastupdated"] == "1392076878"
