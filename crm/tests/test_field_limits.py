"""Every free-form field of companies, people and the journal has a limit, the same
for the API, the pages and the CSV import, and an answer that names it; and text
that PostgreSQL can't store (NUL) is refused on every path instead of a 500."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from config.limits import (
    ACCOUNTSDATA_MAX_BYTES,
    CUSTOMFIELD_TITLE_MAX_CHARS,
    CUSTOMFIELD_VALUE_MAX_CHARS,
    CUSTOMFIELDS_MAX_ITEMS,
    JOURNAL_CONTENT_MAX_CHARS,
    NOTES_MAX_CHARS,
    TAGS_MAX_ITEMS,
)
from crm import importing
from crm.models import Activity, Company, Contact, Tag
from crm.tests.factories import CompanyFactory

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true", "HX-Target": "journal"}


def accountsdata_of_size(size: int) -> dict:
    """An object whose stored JSON is exactly `size` bytes."""
    return {"xero": "x" * (size - len(json.dumps({"xero": ""}, separators=(",", ":"))))}


def customfields(count: int, title_length: int = 5, value_length: int = 5) -> str:
    return json.dumps([{f"{index:0{title_length}d}": "v" * value_length} for index in range(count)])


def tags(count: int, length: int = 6) -> str:
    return ",".join(f"{index:0{length}d}" for index in range(count))


# (field, value at the limit, value one past it, the error sentence)
CONNECTION_LIMITS = [
    (
        "notes",
        "n" * NOTES_MAX_CHARS,
        "n" * (NOTES_MAX_CHARS + 1),
        "notes must be at most 20000 characters.",
    ),
    (
        "customfields",
        customfields(CUSTOMFIELDS_MAX_ITEMS),
        customfields(CUSTOMFIELDS_MAX_ITEMS + 1),
        "customfields can have at most 50 fields.",
    ),
    (
        "customfields",
        customfields(1, title_length=CUSTOMFIELD_TITLE_MAX_CHARS),
        customfields(1, title_length=CUSTOMFIELD_TITLE_MAX_CHARS + 1),
        "customfields title “000000000000000000000000000000…” is longer than 100 characters.",
    ),
    (
        "customfields",
        customfields(1, value_length=CUSTOMFIELD_VALUE_MAX_CHARS),
        customfields(1, value_length=CUSTOMFIELD_VALUE_MAX_CHARS + 1),
        "customfields value of “00000” is longer than 2000 characters.",
    ),
    (
        "tags",
        tags(TAGS_MAX_ITEMS),
        tags(TAGS_MAX_ITEMS + 1),
        "tags can list at most 50 tags.",
    ),
    ("tags", "t" * 60, "t" * 61, "tags: 'tttttttttttttttttttt…' is longer than 60 characters."),
    (
        "accountsdata",
        json.dumps(accountsdata_of_size(ACCOUNTSDATA_MAX_BYTES)),
        json.dumps(accountsdata_of_size(ACCOUNTSDATA_MAX_BYTES + 1)),
        "accountsdata must be at most 64 KB written as JSON.",
    ),
    ("telephone", "1" * 50, "1" * 51, "telephone must be at most 50 characters."),
    ("line1", "l" * 200, "l" * 201, "line1 must be at most 200 characters."),
    ("postcode", "p" * 20, "p" * 21, "postcode must be at most 20 characters."),
]


@pytest.mark.parametrize("resource", ["companies", "contacts"])
@pytest.mark.parametrize("field,at_limit,over,message", CONNECTION_LIMITS)
def test_connection_limits_on_the_api(depot, resource, field, at_limit, over, message):
    accepted = depot.post(resource, {"name": "At the limit", field: at_limit})
    assert accepted.status_code == 201, accepted.content
    refused = depot.post(resource, {"name": "One over", field: over})
    assert refused.status_code == 400
    assert refused.json()["errors"] == [message]
    assert refused.json()["fields"] == {field: [message]}
    # The same on an update.
    refused = depot.patch(f"{resource}/{accepted.json()['id']}", {field: over})
    assert refused.status_code == 400 and refused.json()["errors"] == [message]


@pytest.mark.parametrize(
    "field,at_limit,over,message",
    [
        (
            "content",
            "c" * JOURNAL_CONTENT_MAX_CHARS,
            "c" * (JOURNAL_CONTENT_MAX_CHARS + 1),
            "content must be at most 100000 characters.",
        ),
        ("title", "t" * 250, "t" * 251, "title must be at most 250 characters."),
    ],
)
def test_journal_limits_on_the_api(depot, admin_user, field, at_limit, over, message):
    base = {"title": "Call", "type": "C", "addedby": admin_user.email, "for": "C1"}
    CompanyFactory(pk=1)
    assert depot.post("activity", {**base, field: at_limit}).status_code == 201
    refused = depot.post("activity", {**base, field: over})
    assert refused.status_code == 400
    assert refused.json()["errors"] == [message]


def test_the_api_docs_state_the_limits(depot):
    schema = depot.client.get("/api/v1/openapi.json", headers=depot.headers).json()
    body = schema["paths"]["/api/v1/companies"]["post"]["requestBody"]["content"]
    properties = body["application/json"]["schema"]["properties"]
    assert properties["notes"]["maxLength"] == NOTES_MAX_CHARS
    assert properties["name"]["maxLength"] == Company._meta.get_field("name").max_length
    assert "at most 50" in properties["customfields"]["description"]
    assert "at most 50" in properties["tags"]["description"]
    assert "64 KB" in properties["accountsdata"]["description"]


def test_any_list_in_a_request_is_bounded(depot):
    response = depot.post(
        "companies", {"name": "Listy"}, as_json=True
    )  # warm: a plain create works
    assert response.status_code == 201
    response = depot.post("companies", {"name": "Listy", "tags": ["t"] * 1001}, as_json=True)
    assert response.status_code == 400
    assert response.json()["errors"] == ["tags must have at most 1000 items."]


# --- pages ----------------------------------------------------------------------------


def company_form(**extra) -> dict:
    return {"name": "Form Co", **extra}


def test_notes_over_the_limit_on_the_company_page(staff_client):
    response = staff_client.post(
        "/connections/companies/add/", company_form(notes="n" * (NOTES_MAX_CHARS + 1))
    )
    assert "Ensure this value has at most 20000 characters (it has 20001)." in (
        response.content.decode()
    )
    assert not Company.objects.exists()
    staff_client.post("/connections/companies/add/", company_form(notes="n" * NOTES_MAX_CHARS))
    assert Company.objects.get().notes == "n" * NOTES_MAX_CHARS


def test_too_many_custom_fields_on_the_company_page(staff_client):
    count = CUSTOMFIELDS_MAX_ITEMS + 1
    response = staff_client.post(
        "/connections/companies/add/",
        company_form(
            customfields_title=[f"T{i}" for i in range(count)],
            customfields_value=["v"] * count,
        ),
    )
    assert "Keep to 50 custom fields or fewer" in response.content.decode()
    assert not Company.objects.exists()


def test_a_long_custom_field_value_on_the_company_page(staff_client):
    response = staff_client.post(
        "/connections/companies/add/",
        company_form(
            customfields_title=["VAT"], customfields_value=["v" * (CUSTOMFIELD_VALUE_MAX_CHARS + 1)]
        ),
    )
    assert "A value can be at most 2000 characters." in response.content.decode()
    assert not Company.objects.exists()


def test_too_many_tags_on_the_person_page(staff_client):
    response = staff_client.post(
        "/connections/people/add/", {"name": "Tag Person", "tags": tags(TAGS_MAX_ITEMS + 1)}
    )
    assert "Tags can list at most 50 tags." in response.content.decode()
    assert not Contact.objects.exists() and not Tag.objects.exists()


def test_journal_content_over_the_limit_on_the_page(staff_client):
    company = CompanyFactory()
    response = staff_client.post(
        f"/connections/journal/{company.code}/add/",
        {"kind": "comment", "title": "Long", "content": "c" * (JOURNAL_CONTENT_MAX_CHARS + 1)},
        headers=HTMX,
    )
    assert "Ensure this value has at most 100000 characters" in response.content.decode()
    assert not Activity.objects.exists()


# --- the CSV import ---------------------------------------------------------------------


def test_the_csv_import_keeps_to_the_same_limits():
    many_tags = ";".join(f"tag{i}" for i in range(TAGS_MAX_ITEMS + 1))
    text = (
        "name,tags,notes\n"
        f'Fine Co,"{";".join(f"tag{i}" for i in range(TAGS_MAX_ITEMS))}",{"n" * NOTES_MAX_CHARS}\n'
        f'Tagged Co,"{many_tags}",\n'
        f"Wordy Co,,{'n' * (NOTES_MAX_CHARS + 1)}\n"
    )
    preview = importing.preview_import("companies", text)
    assert [row.errors for row in preview.rows] == [
        [],
        ["tags can list at most 50 tags."],
        ["notes must be at most 20000 characters."],
    ]
    assert not Company.objects.exists()


# --- NUL and other control characters (item 10) ----------------------------------------


def test_nul_in_a_custom_field_on_the_page_is_an_inline_error(staff_client):
    response = staff_client.post(
        "/connections/companies/add/",
        company_form(customfields_title=["VAT"], customfields_value=["GB\x00123"]),
    )
    assert response.status_code == 200
    assert "Custom fields must not contain NUL characters." in response.content.decode()
    assert not Company.objects.exists()


def test_nul_in_tags_on_the_page_is_an_inline_error(staff_client):
    response = staff_client.post(
        "/connections/people/add/", {"name": "Nul Tag", "tags": "good, b\x00d"}
    )
    assert response.status_code == 200
    assert "Null characters are not allowed." in response.content.decode()
    assert not Contact.objects.exists()


def test_nul_in_the_journal_on_the_page_is_an_inline_error(staff_client):
    company = CompanyFactory()
    response = staff_client.post(
        f"/connections/journal/{company.code}/add/",
        {"kind": "comment", "title": "Call", "content": "said \x00 this"},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert "Null characters are not allowed." in response.content.decode()
    assert not Activity.objects.exists()


def test_control_characters_are_dropped_from_page_input(staff_client):
    staff_client.post(
        "/connections/companies/add/",
        company_form(
            name="Bell\x07 & Co",
            notes="line one\r\nline\ttwo\x0b",
            customfields_title=["VAT\x1b"],
            customfields_value=["GB\x01 123"],
        ),
    )
    company = Company.objects.get()
    assert company.name == "Bell & Co"
    assert company.notes == "line one\r\nline\ttwo"
    assert company.customfields == [{"title": "VAT", "value": "GB 123"}]


def csv_with_nul_after_the_sniffed_start() -> bytes:
    # The first 4 KB decide whether the file is binary; a NUL further on is data.
    rows = "".join(f"Company {index},{'fine ' * 50}\n" for index in range(20))
    return f"name,notes\n{rows}Broken Co,bad\x00note\n".encode()


def test_nul_in_a_csv_cell_is_a_row_error_not_a_500(staff_client):
    response = staff_client.post(
        "/connections/import/",
        {
            "kind": "companies",
            "file": SimpleUploadedFile("c.csv", csv_with_nul_after_the_sniffed_start()),
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "1 row needs fixing" in html
    assert "Notes must not contain NUL characters." in html
    assert not Company.objects.exists()


def test_control_characters_are_dropped_from_csv_cells():
    importing.run_import("people", "name,position\nAda\x07 Lovelace,Count\x0bess\n")
    ada = Contact.objects.get()
    assert (ada.fullname, ada.position) == ("Ada Lovelace", "Countess")


def test_nul_sent_to_the_api_inside_json_is_refused(depot):
    response = depot.post(
        "companies",
        {"name": "Json Nul", "accountsdata": {"xero": "a\u0000b"}, "customfields": [{"a": "b"}]},
        as_json=True,
    )
    assert response.status_code == 400
    assert response.json()["errors"] == ["accountsdata must not contain NUL characters."]
