"""A user's JSON-encoded fields (address, notes, restrictions) round-trip whether the
client sends them JSON-encoded in a form body, as the PHP kit does, or as values in
a JSON body; a shape Docket can't read is a 400 that names the field."""

import json

import pytest

from conftest import without_field_detail

pytestmark = pytest.mark.django_db

ADDRESS = {
    "line1": "Unit B1.10 Portview",
    "line2": "",
    "line3": "",
    "city": "Belfast",
    "district": "Antrim",
    "country": "Northern Ireland",
    "postcode": "BT4 1HE",
}
NOTES = [{"title": "Birthday", "content": "28th February"}]


@pytest.mark.parametrize("as_json", [False, True], ids=["multipart", "json"])
def test_user_address_notes_and_restrictions_round_trip(depot, admin_user, as_json):
    encode = (lambda value: value) if as_json else json.dumps
    response = depot.post(
        "users",
        {
            "email": "kit@studio.test",
            "name": "Kit User",
            "address": encode(ADDRESS),
            "notes": encode(NOTES),
            "restrictions": encode(["contacts"]),
        },
        as_json=as_json,
    )
    assert response.status_code == 201, response.content
    row = depot.get("users/kit@studio.test").json()["rows"][0]
    assert (row["address"], row["notes"], row["restricted"]) == (ADDRESS, NOTES, 1)
    assert row["permissions"] == ["contacts"]

    # What was read goes back unchanged.
    again = depot.patch(
        "users/kit@studio.test",
        {"address": encode(row["address"]), "notes": encode(row["notes"])},
        as_json=as_json,
    )
    assert again.status_code == 200
    reread = depot.get("users/kit@studio.test").json()["rows"][0]
    assert (reread["address"], reread["notes"]) == (ADDRESS, NOTES)


@pytest.mark.parametrize(
    "field,value,expected",
    [
        ("address", "Array", "address must be valid JSON."),
        ("address", '{"street": "x"}', "address must be an object with keys"),
        ("notes", '{"title": "x"}', "notes must be a list of {title, content} objects."),
        ("restrictions", '"contacts"', "restrictions must be a list of areas"),
    ],
)
def test_user_fields_docket_cannot_read_are_a_400(depot, admin_user, field, value, expected):
    response = depot.post("users", {"email": "bad@studio.test", "name": "Bad", field: value})
    assert response.status_code == 400
    assert without_field_detail(response)["errors"][0].startswith(expected)
