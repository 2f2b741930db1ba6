"""Who a journal entry may be posted as (`addedby`), and who may read entries about
users: a credential limited to contacts must not learn users' names, probe which
emails are users, or post as someone else."""

import pytest
from django.test import Client

from accounts.services import create_access_token, create_api_credential
from accounts.tests.factories import UserFactory
from conftest import DepotClient, credential_client
from crm.models import Activity
from crm.tests.factories import CompanyFactory

# The rate limit has tests of its own; here it would only add a statement to
# the query counts and refuse the longer request runs.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_api_rate_limit")]


def bearer(user) -> DepotClient:
    return DepotClient({"Authorization": f"Bearer {create_access_token(user, 't').token}"})


@pytest.fixture
def company(db):
    return CompanyFactory(name="Depot")


@pytest.fixture
def contacts_only(db):
    return credential_client(["contacts:write"])


def entry(client, company, **fields):
    return client.post(
        "activity", {"title": "Called", "type": "C", "for": f"C{company.pk}", **fields}
    )


def not_yours(email: str) -> list[str]:
    return [f"addedby {email} is not a user these credentials may act for."]


# --- for=U… needs the users area ----------------------------------------------------------


def test_a_contacts_credential_cannot_read_entries_about_users(contacts_only, admin_user, depot):
    about_user = depot.post(
        "activity",
        {"title": "Review", "type": "C", "addedby": admin_user.email, "for": f"U{admin_user.pk}"},
    ).json()["id"]
    response = contacts_only.get("activity", {"for": f"U{admin_user.pk}"})
    assert response.status_code == 401
    assert response.json()["msg"] == "for U… needs the users:read scope."
    # Not by another way round either: the list leaves them out, one by one is 404.
    rows = contacts_only.get("activity").json()["rows"]
    assert rows == []
    assert contacts_only.get(f"activity/{about_user}").status_code == 404
    assert "Alex Admin" not in contacts_only.get("activity").content.decode()
    # A credential that may read users sees them.
    readers = credential_client(["contacts:read", "users:read"])
    assert readers.get("activity", {"for": f"U{admin_user.pk}"}).json()["total"] == 1


@pytest.mark.parametrize("user_id", ["existing", 999999])
def test_a_contacts_credential_cannot_file_entries_about_users(contacts_only, admin_user, user_id):
    code = f"U{admin_user.pk if user_id == 'existing' else user_id}"
    response = contacts_only.post(
        "activity", {"title": "t", "type": "C", "addedby": admin_user.email, "for": code}
    )
    # The same answer whether the user exists or not.
    assert response.status_code == 401
    assert response.json()["msg"] == "for U… needs the users:read scope."
    assert not Activity.objects.exists()


# --- addedby from an account credential -------------------------------------------------------


def test_a_contacts_credential_cannot_post_as_a_user_or_probe_emails(
    contacts_only, admin_user, company
):
    known = entry(contacts_only, company, addedby=admin_user.email)
    unknown = entry(contacts_only, company, addedby="ghost@studio.test")
    assert known.status_code == unknown.status_code == 400
    assert known.json()["errors"] == not_yours(admin_user.email)
    assert unknown.json()["errors"] == not_yours("ghost@studio.test")
    assert not Activity.objects.exists()


def test_a_credential_may_post_as_its_creator(admin_user, company, restricted_to):
    creator = restricted_to("contacts", email="sync@studio.test")
    client = credential_client(["contacts:write"], created_by=creator)
    assert entry(client, company, addedby=creator.email).status_code == 201
    assert Activity.objects.get().added_by == creator
    assert entry(client, company, addedby=admin_user.email).json()["errors"] == not_yours(
        admin_user.email
    )


def test_a_credential_that_may_read_users_may_post_as_any(admin_user, company):
    client = credential_client(["contacts:write", "users:read"])
    colleague = UserFactory(email="colleague@studio.test")
    assert entry(client, company, addedby=colleague.email).status_code == 201
    assert entry(client, company, addedby="ghost@studio.test").json()["errors"] == not_yours(
        "ghost@studio.test"
    )


def test_the_users_scope_counts_only_within_the_creators_access(admin_user, company, restricted_to):
    creator = restricted_to("contacts", email="sync@studio.test")
    issued = create_api_credential(
        "Old", scopes=["contacts:write", "users:read"], created_by=UserFactory()
    )
    issued.credential.created_by = creator  # its creator can't read users (any more)
    issued.credential.save()
    client = DepotClient(
        {"X-DEPOT-TOKEN": issued.credential.token, "X-DEPOT-SECRET": issued.secret}
    )
    assert entry(client, company, addedby=admin_user.email).json()["errors"] == not_yours(
        admin_user.email
    )


def test_changing_the_author_follows_the_same_rule(contacts_only, admin_user, company, depot):
    entry_id = entry(depot, company, addedby=admin_user.email).json()["id"]
    other = UserFactory(email="other@studio.test")
    response = contacts_only.patch(f"activity/{entry_id}", {"addedby": other.email})
    assert response.status_code == 400
    assert response.json()["errors"] == not_yours(other.email)
    assert Activity.objects.get(pk=entry_id).added_by == admin_user


# --- a user posts as themselves ------------------------------------------------------------


def test_a_bearer_token_posts_only_as_its_own_user(admin_user, company, restricted_to):
    clerk = restricted_to("contacts", email="clerk@studio.test")
    client = bearer(clerk)
    response = entry(client, company, addedby=admin_user.email)
    assert response.status_code == 400
    assert response.json()["errors"] == [
        "addedby must be your own email (clerk@studio.test): you post as yourself."
    ]
    assert entry(client, company, addedby="CLERK@studio.test").status_code == 201
    assert Activity.objects.get().added_by == clerk
    entry_id = Activity.objects.get().pk
    assert client.patch(f"activity/{entry_id}", {"addedby": admin_user.email}).status_code == 400


def test_the_browser_session_posts_only_as_its_own_user(admin_user, company):
    other = UserFactory(email="other@studio.test")
    browser = Client()
    browser.force_login(admin_user)
    response = browser.post(
        "/api/v1/activity.json",
        {"title": "t", "type": "C", "for": f"C{company.pk}", "addedby": other.email},
    )
    assert response.status_code == 400
    assert not Activity.objects.exists()
