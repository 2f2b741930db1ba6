"""Users' notes and address and the account's settings have limits that name
themselves, and text PostgreSQL can't store is refused however it arrives."""

import json

import pytest
from django.core.exceptions import ValidationError

from accounts import services
from accounts.models import AccountSettings, User
from accounts.tests.factories import UserFactory
from config.limits import (
    DOCUMENT_TEXT_MAX_CHARS,
    REQUEST_LIST_MAX_ITEMS,
    USER_NOTE_CONTENT_MAX_CHARS,
    USER_NOTE_TITLE_MAX_CHARS,
    USER_NOTES_MAX_ITEMS,
)

pytestmark = pytest.mark.django_db


def notes(count=1, title_length=5, content_length=5) -> str:
    return json.dumps(
        [{"title": "t" * title_length, "content": "c" * content_length} for _ in range(count)]
    )


USER_LIMITS = [
    (
        "notes",
        notes(count=USER_NOTES_MAX_ITEMS),
        notes(count=USER_NOTES_MAX_ITEMS + 1),
        "notes can have at most 50 notes.",
    ),
    (
        "notes",
        notes(title_length=USER_NOTE_TITLE_MAX_CHARS),
        notes(title_length=USER_NOTE_TITLE_MAX_CHARS + 1),
        "notes.title must be at most 200 characters.",
    ),
    (
        "notes",
        notes(content_length=USER_NOTE_CONTENT_MAX_CHARS),
        notes(content_length=USER_NOTE_CONTENT_MAX_CHARS + 1),
        "notes.content must be at most 20000 characters.",
    ),
    (
        "address",
        json.dumps({"line1": "l" * 200}),
        json.dumps({"line1": "l" * 201}),
        "address.line1 must be at most 200 characters.",
    ),
    ("jobtitle", "j" * 150, "j" * 151, "jobtitle must be at most 150 characters."),
]


@pytest.mark.parametrize("field,at_limit,over,message", USER_LIMITS)
def test_user_limits_on_the_api(depot, admin_user, field, at_limit, over, message):
    accepted = depot.patch(f"users/{admin_user.email}", {field: at_limit})
    assert accepted.status_code == 200, accepted.content
    refused = depot.patch(f"users/{admin_user.email}", {field: over})
    assert refused.status_code == 400
    assert refused.json()["errors"] == [message]
    created = depot.post("users", {"email": "new@studio.test", "name": "New", field: over})
    assert created.status_code == 400 and created.json()["errors"] == [message]
    assert not User.objects.filter(email="new@studio.test").exists()


def test_an_id_list_is_bounded(depot):
    jobs = ",".join(str(number) for number in range(1, REQUEST_LIST_MAX_ITEMS + 2))
    response = depot.post(
        "users", {"email": "c@studio.test", "name": "C", "collaborator": "1", "jobs": jobs}
    )
    assert response.status_code == 400
    assert response.json()["errors"] == ["jobs must list at most 1000 ids."]


@pytest.mark.parametrize(
    "field,label", [("company_address", "Address"), ("bank_details", "Bank details")]
)
def test_document_text_settings_are_bounded_on_the_page(staff_client, field, label):
    base = {"company_name": "Studio", "currency": "GBP", "default_payment_terms": "30"}
    response = staff_client.post(
        "/settings/company/", {**base, field: "x" * (DOCUMENT_TEXT_MAX_CHARS + 1)}
    )
    assert response.status_code == 200
    assert "Ensure this value has at most 2000 characters (it has 2001)." in (
        response.content.decode()
    )
    assert getattr(AccountSettings.load(), field) == ""
    response = staff_client.post(
        "/settings/company/", {**base, field: "x" * DOCUMENT_TEXT_MAX_CHARS}
    )
    assert response.status_code == 302
    assert getattr(AccountSettings.load(), field) == "x" * DOCUMENT_TEXT_MAX_CHARS


def test_document_text_settings_are_bounded_in_the_service():
    with pytest.raises(ValidationError) as caught:
        services.update_account_settings(bank_details="x" * (DOCUMENT_TEXT_MAX_CHARS + 1))
    assert caught.value.message_dict == {
        "bank_details": ["bank_details must be at most 2000 characters."]
    }


def test_nul_is_refused_and_controls_dropped_by_the_user_service():
    user = UserFactory()
    with pytest.raises(ValidationError) as caught:
        services.update_user(user, name="Ada\x00")
    assert caught.value.message_dict == {"name": ["name must not contain NUL characters."]}
    services.update_user(user, name="Ada\x07 Lovelace", notes=[{"title": "A\x1b", "content": "b"}])
    user.refresh_from_db()
    assert user.name == "Ada Lovelace" and user.notes == [{"title": "A", "content": "b"}]


def test_nul_is_refused_by_the_settings_service():
    with pytest.raises(ValidationError) as caught:
        services.update_account_settings(company_address="1 Road\x00")
    assert caught.value.message_dict == {
        "company_address": ["company_address must not contain NUL characters."]
    }
