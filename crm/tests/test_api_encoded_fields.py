"""Fields the spec calls "JSON encoded" (and the nested `address` a client reads):
sent as a JSON string in a form body the way the PHP kit does, or as the value itself
in a JSON body, they round-trip; in a shape Docket can't read they are a 400 naming
the field. Never a 201 that quietly left the field out."""

import json

import pytest

from conftest import without_field_detail
from crm.models import Company, Contact
from crm.tests.factories import CompanyFactory

# The rate limit has tests of its own; here it would only add a statement to
# the query counts and refuse the longer request runs.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_api_rate_limit")]

ADDRESS = {
    "line1": "221B Baker Street",
    "line2": "Marylebone",
    "line3": "",
    "city": "London",
    "district": "Westminster",
    "country": "United Kingdom",
    "postcode": "NW1 6XE",
}


def address_lines(row: dict) -> dict:
    return {key: value for key, value in row["address"].items() if key != "id"}


def read(depot, resource: str, pk: int) -> dict:
    response = depot.get(f"{resource}/{pk}", {"hidenotes": "false"})
    assert response.status_code == 200, response.content
    return response.json()["rows"][0]


@pytest.mark.parametrize("resource", ["companies", "contacts"])
@pytest.mark.parametrize("as_json", [False, True], ids=["multipart", "json"])
def test_address_as_sent_by_the_kit_or_in_json_is_saved(depot, resource, as_json):
    address = ADDRESS if as_json else json.dumps(ADDRESS)
    response = depot.post(resource, {"name": "Baker & Co", "address": address}, as_json=as_json)
    assert response.status_code == 201, response.content
    assert address_lines(read(depot, resource, response.json()["id"])) == ADDRESS


@pytest.mark.parametrize("resource", ["companies", "contacts"])
def test_an_address_read_from_the_api_can_be_sent_back(depot, resource):
    source = depot.post(resource, {"name": "Source", "address": ADDRESS}, as_json=True)
    read_back = read(depot, resource, source.json()["id"])["address"]
    assert "id" in read_back  # Depot's address id comes along; it is not a line

    copy = depot.post(resource, {"name": "Copy", "address": json.dumps(read_back)})
    assert copy.status_code == 201, copy.content
    copied = read(depot, resource, copy.json()["id"])
    assert address_lines(copied) == ADDRESS
    assert copied["address"]["id"] != read_back["id"]


@pytest.mark.parametrize("resource", ["companies", "contacts"])
def test_patching_the_address_changes_only_the_lines_sent(depot, resource):
    pk = depot.post(resource, {"name": "Mover", "address": ADDRESS}, as_json=True).json()["id"]
    moved = {"line1": "1 New Road", "postcode": "LS1 1AA"}
    response = depot.patch(f"{resource}/{pk}", {"address": json.dumps(moved)})
    assert response.status_code == 200, response.content
    assert address_lines(read(depot, resource, pk)) == {**ADDRESS, **moved}


def test_a_flat_address_line_beats_the_same_line_in_address(depot):
    response = depot.post(
        "companies", {"name": "Both", "address": json.dumps(ADDRESS), "line1": "Flat wins"}
    )
    assert response.status_code == 201
    row = read(depot, "companies", response.json()["id"])
    assert row["address"]["line1"] == "Flat wins"
    assert row["address"]["city"] == "London"


@pytest.mark.parametrize(
    "address,expected",
    [
        (
            "not json",
            "address must be an object with line1, line2, line3, city, district, country, "
            "postcode (or that object JSON-encoded).",
        ),
        # PHP's curl sends a nested array as the word "Array".
        (
            "Array",
            "address must be an object with line1, line2, line3, city, district, country, "
            "postcode (or that object JSON-encoded).",
        ),
        (
            '["221B Baker Street"]',
            "address must be an object with line1, line2, line3, city, district, country, "
            "postcode (or that object JSON-encoded).",
        ),
        (
            '{"street": "221B Baker Street", "town": "London"}',
            "address has keys Docket doesn't know: street, town "
            "(known: line1, line2, line3, city, district, country, postcode).",
        ),
        ('{"line1": {"number": 221}}', "line1 must be text, not a list or an object."),
    ],
)
@pytest.mark.parametrize("resource", ["companies", "contacts"])
def test_an_address_docket_cannot_read_is_a_400(depot, resource, address, expected):
    response = depot.post(resource, {"name": "Unreadable", "address": address})
    assert response.status_code == 400
    assert without_field_detail(response) == {
        "error": True,
        "msg": "Validation errors",
        "errors": [expected],
    }
    assert not Company.objects.filter(name="Unreadable").exists()
    assert not Contact.objects.filter(fullname="Unreadable").exists()


@pytest.mark.parametrize("empty", ["", None])
def test_an_empty_address_leaves_the_address_as_it_is(depot, empty):
    pk = depot.post("companies", {"name": "Kept", "address": ADDRESS}, as_json=True).json()["id"]
    response = depot.patch(f"companies/{pk}", {"address": empty}, as_json=empty is None)
    assert response.status_code == 200
    assert address_lines(read(depot, "companies", pk)) == ADDRESS


@pytest.mark.parametrize("resource", ["companies", "contacts"])
@pytest.mark.parametrize("as_json", [False, True], ids=["multipart", "json"])
def test_customfields_and_accountsdata_round_trip(depot, resource, as_json):
    customfields = [{"Twitter": "@baker"}, {"Account manager": "Mrs Hudson"}]
    accountsdata = {"xero": "abc-123", "freeagent": 42}
    encode = (lambda value: value) if as_json else json.dumps
    response = depot.post(
        resource,
        {
            "name": "Encoded",
            "customfields": encode(customfields),
            "accountsdata": encode(accountsdata),
        },
        as_json=as_json,
    )
    assert response.status_code == 201, response.content
    row = read(depot, resource, response.json()["id"])
    assert row["customfields"] == customfields
    assert row["accountsdata"] == accountsdata

    # What was read goes back unchanged.
    again = depot.patch(
        f"{resource}/{row['id']}",
        {
            "customfields": encode(row["customfields"]),
            "accountsdata": encode(row["accountsdata"]),
        },
        as_json=as_json,
    )
    assert again.status_code == 200
    reread = read(depot, resource, row["id"])
    assert (reread["customfields"], reread["accountsdata"]) == (customfields, accountsdata)


@pytest.mark.parametrize(
    "field,value,expected",
    [
        ("customfields", "not json", "customfields must be valid JSON."),
        ("customfields", '"text"', "customfields must be a JSON array."),
        ("accountsdata", "not json", "accountsdata must be valid JSON."),
        ("accountsdata", '["x"]', "accountsdata must be a JSON object."),
    ],
)
def test_encoded_fields_docket_cannot_read_are_a_400(depot, field, value, expected):
    response = depot.post("companies", {"name": "Unreadable", field: value})
    assert response.status_code == 400
    assert without_field_detail(response)["errors"] == [expected]


@pytest.mark.parametrize("as_json", [False, True], ids=["multipart", "json"])
def test_a_contacts_company_read_from_the_api_can_be_sent_back(depot, as_json):
    company = CompanyFactory(name="Baker Street Irregulars")
    sent = {"id": company.pk, "name": company.name, "position": "Detective"}
    response = depot.post(
        "contacts",
        {"name": "Wiggins", "company": sent if as_json else json.dumps(sent)},
        as_json=as_json,
    )
    assert response.status_code == 201, response.content
    row = read(depot, "contacts", response.json()["id"])
    assert row["company"] == {"id": company.pk, "name": company.name, "position": "Detective"}


def test_a_company_object_without_an_id_is_a_400(depot):
    response = depot.post("contacts", {"name": "Wiggins", "company": '{"name": "Somewhere"}'})
    assert response.status_code == 400
    assert "companyid" in without_field_detail(response)["errors"][0]


def test_php_bracket_fields_in_a_form_body_are_read_as_the_object_they_spell(depot):
    # http_build_query() of a nested PHP array, as a kit user may post it.
    body = (
        "name=Brackets+Ltd"
        "&address%5Bline1%5D=221B+Baker+Street&address%5Bcity%5D=London"
        "&tags%5B0%5D=detective&tags%5B1%5D=consulting"
        "&customfields%5B0%5D%5BTwitter%5D=%40baker"
        "&customfields%5B1%5D%5BAccount+manager%5D=Mrs+Hudson"
        "&accountsdata%5Bxero%5D=abc-123"
    )
    response = depot.client.post(
        depot.url("companies"),
        body,
        content_type="application/x-www-form-urlencoded",
        headers=depot.headers,
    )
    assert response.status_code == 201, response.content
    row = depot.get(f"companies/{response.json()['id']}", {"hidetags": "false"}).json()["rows"][0]
    assert (row["address"]["line1"], row["address"]["city"]) == ("221B Baker Street", "London")
    assert row["tags"] == ["consulting", "detective"]
    assert row["customfields"] == [{"Twitter": "@baker"}, {"Account manager": "Mrs Hudson"}]
    assert row["accountsdata"] == {"xero": "abc-123"}


@pytest.mark.parametrize(
    "body,expected",
    [
        (
            "name=X&address=%7B%7D&address%5Bline1%5D=1",
            "address is sent both as a value and as address[...] fields.",
        ),
        ("name=X&tags%5Ba%5D=1&tags%5Ba%5D%5Bb%5D=2", "tags[a][b] is sent both as a value"),
        ("name=X&notes" + "%5Bx%5D" * 40 + "=deep", "notes is nested too deeply."),
    ],
)
def test_bracket_fields_that_contradict_themselves_are_a_400(depot, body, expected):
    response = depot.client.post(
        depot.url("companies"),
        body,
        content_type="application/x-www-form-urlencoded",
        headers=depot.headers,
    )
    assert response.status_code == 400
    assert without_field_detail(response)["errors"][0].startswith(expected)
