"""Nobody grants more than they hold: a user or credential adds and changes only users
whose access is within its own, before and after the change, and only an
administrator touches an administrator. The same rule for the API and the pages."""

import pytest
from django.core import mail

from accounts.models import User, all_api_scopes
from accounts.tests.factories import CollaboratorFactory, UserFactory
from conftest import credential_client, signed_in_client
from projects.tests.factories import JobFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def users_only():
    """A credential that may only manage users."""
    return credential_client(["users:write"])


@pytest.fixture
def user_manager(restricted_to):
    """A person restricted to the users area."""
    return restricted_to("users", email="manager@studio.test")


# --- API: a credential with users:write only --------------------------------------------


def test_a_users_credential_cannot_take_over_an_administrators_email(users_only, admin_user):
    response = users_only.patch(f"users/{admin_user.email}", {"email": "attacker@evil.test"})
    assert response.status_code == 401
    assert response.json()["error"] is True
    assert "administrator" in response.json()["msg"]
    admin_user.refresh_from_db()
    assert admin_user.email == "admin@studio.test"


@pytest.mark.parametrize(
    "change",
    [{"name": "Renamed"}, {"active": "0"}, {"restrictions": '["users"]'}],
)
def test_a_users_credential_cannot_change_an_administrator_at_all(users_only, admin_user, change):
    UserFactory(email="other-admin@studio.test")  # so "last administrator" isn't the reason
    response = users_only.patch(f"users/{admin_user.email}", change)
    assert response.status_code == 401
    admin_user.refresh_from_db()
    assert (admin_user.name, admin_user.is_active, admin_user.restricted) == (
        "Alex Admin",
        True,
        False,
    )


def test_a_users_credential_cannot_delete_an_administrator(users_only, admin_user):
    UserFactory(email="other-admin@studio.test")
    response = users_only.delete(f"users/{admin_user.email}")
    assert response.status_code == 401
    assert User.objects.filter(pk=admin_user.pk).exists()


def test_a_users_credential_cannot_create_an_unrestricted_user(users_only, admin_user):
    response = users_only.post("users", {"email": "boss@evil.test", "name": "Boss"})
    assert response.status_code == 400
    body = response.json()
    assert body["fields"]["restrictions"] == [
        "restrictions must stay within your own access: you can't give "
        "contacts, projects, timesheets, proposals, invoices, reports, settings."
    ]
    assert not User.objects.filter(email="boss@evil.test").exists()
    assert mail.outbox == []


def test_a_users_credential_cannot_widen_a_users_access(users_only, admin_user, restricted_to):
    clerk = restricted_to("users", email="clerk@studio.test")
    response = users_only.patch(f"users/{clerk.email}", {"restrictions": '["users", "invoices"]'})
    assert response.status_code == 400
    assert response.json()["fields"]["restrictions"] == [
        "restrictions must stay within your own access: you can't give invoices."
    ]
    response = users_only.patch(f"users/{clerk.email}", {"restrictions": "[]"})
    assert response.status_code == 400
    clerk.refresh_from_db()
    assert clerk.permissions == ["users"]


def test_a_users_credential_manages_users_within_its_reach(users_only, admin_user):
    created = users_only.post(
        "users", {"email": "clerk@studio.test", "name": "Clerk", "restrictions": '["users"]'}
    )
    assert created.status_code == 201
    changed = users_only.patch("users/clerk@studio.test", {"name": "Clerk Two"})
    assert changed.status_code == 200
    assert users_only.delete("users/clerk@studio.test").status_code == 200


def test_a_users_credential_cannot_give_a_collaborator_jobs(users_only, admin_user):
    JobFactory(id=4)
    response = users_only.post(
        "users", {"email": "c@studio.test", "name": "C", "collaborator": "1", "jobs": "4"}
    )
    assert response.status_code == 400
    assert response.json()["fields"]["jobs"] == [
        "jobs can only be given by someone who can use the projects area."
    ]


def test_a_credential_reaches_no_further_than_its_creator(admin_user, restricted_to):
    creator = restricted_to("users", "contacts", email="creator@studio.test")
    credential = credential_client(["users:write", "contacts:write"], created_by=creator)
    # Its creator loses the contacts area: the credential can't hand it out either.
    creator.permissions = ["users"]
    creator.save()
    response = credential.post(
        "users", {"email": "c@studio.test", "name": "C", "restrictions": '["contacts"]'}
    )
    assert response.status_code == 400
    assert "you can't give contacts" in response.json()["errors"][0]


def test_only_a_superuser_changes_a_superuser(admin_user):
    # Full access in the app, but not a Django superuser: /admin/ is out of reach,
    # so the superuser's sign-in must be too.
    manager = UserFactory(email="manager@studio.test")
    as_manager = credential_client(all_api_scopes(), created_by=manager)
    response = as_manager.patch(f"users/{admin_user.email}", {"email": "mine@evil.test"})
    assert response.status_code == 401
    # A full-access credential made by the operator (manage.py apikey) may.
    operator = credential_client(None)
    assert operator.patch(f"users/{admin_user.email}", {"name": "Alex A"}).status_code == 200


# --- API: the bearer token of a restricted user --------------------------------------------


def test_a_restricted_bearer_cannot_take_over_an_administrator(bearer_for, user_manager):
    admin = UserFactory(email="admin@studio.test", name="Alex Admin", is_superuser=True)
    as_manager = bearer_for(user_manager)
    response = as_manager.patch(f"users/{admin.email}", {"email": "attacker@evil.test"})
    assert response.status_code == 401
    response = as_manager.post("users", {"email": "boss@evil.test", "name": "Boss"})
    assert response.status_code == 400
    assert "restrictions must stay within your own access" in response.json()["errors"][0]
    admin.refresh_from_db()
    assert admin.email == "admin@studio.test"
    assert not User.objects.filter(email="boss@evil.test").exists()


def test_a_restricted_bearer_cannot_change_someone_with_more_access(
    bearer_for, user_manager, restricted_to
):
    UserFactory(email="admin@studio.test", is_superuser=True)
    bookkeeper = restricted_to("users", "invoices", email="books@studio.test")
    response = bearer_for(user_manager).patch(f"users/{bookkeeper.email}", {"name": "X"})
    assert response.status_code == 401
    assert "invoices" in response.json()["msg"]


# --- pages --------------------------------------------------------------------------------


def test_a_restricted_user_cannot_take_over_an_administrator_on_the_page(user_manager):
    admin = UserFactory(email="admin@studio.test", name="Alex Admin", is_superuser=True)
    client = signed_in_client(user_manager)
    page = client.get(f"/accounts/users/{admin.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Only an administrator can change Alex Admin." in html
    assert "Save changes" not in html and "Delete user" not in html
    response = client.post(
        f"/accounts/users/{admin.pk}/",
        {"name": admin.name, "email": "attacker@evil.test", "jobtitle": "", "telephone": ""},
    )
    assert response.status_code == 403
    for action in ("active", "delete", "invite"):
        assert client.post(f"/accounts/users/{admin.pk}/{action}/").status_code == 403
    admin.refresh_from_db()
    assert admin.email == "admin@studio.test" and admin.is_active


def test_a_restricted_user_cannot_add_an_unrestricted_user_on_the_page(user_manager):
    client = signed_in_client(user_manager)
    response = client.post(
        "/accounts/users/add/standard/", {"name": "Boss", "email": "boss@evil.test"}
    )
    assert response.status_code == 200
    assert "Areas must stay within your own access" in response.content.decode()
    assert not User.objects.filter(email="boss@evil.test").exists()


def test_a_restricted_user_adds_a_user_within_their_own_access(
    user_manager, django_capture_on_commit_callbacks
):
    client = signed_in_client(user_manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/accounts/users/add/standard/",
            {
                "name": "Clerk",
                "email": "clerk@studio.test",
                "restricted": "on",
                "permissions": ["users"],
            },
        )
    assert response.status_code == 302
    assert User.objects.get(email="clerk@studio.test").permissions == ["users"]
    assert len(mail.outbox) == 1


def test_a_restricted_user_cannot_give_a_collaborator_jobs_on_the_page(user_manager):
    collaborator = CollaboratorFactory(email="c@studio.test", collaborator_jobs=[4])
    client = signed_in_client(user_manager)
    response = client.post(
        f"/accounts/users/{collaborator.pk}/",
        {"name": "C", "email": collaborator.email, "jobs": "4, 5"},
    )
    assert response.status_code == 403
