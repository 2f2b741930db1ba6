import re

import pytest
from django.core import mail

from accounts.models import User
from accounts.tests.factories import CollaboratorFactory, UserFactory
from conftest import without_field_detail
from projects.tests.factories import JobFactory

pytestmark = pytest.mark.django_db


def test_list_shape_matches_the_spec(depot, admin_user):
    body = depot.get("users").json()
    assert body == {
        "error": False,
        "rows": [
            {
                "id": "admin@studio.test",
                "name": "Alex Admin",
                "active": 1,
                "restricted": 0,
                "type": "standard",
                "image": "",
                "jobtitle": "Designer",
            }
        ],
        "total": 1,
    }


def test_filter_by_type(depot, admin_user):
    CollaboratorFactory(email="freelancer@studio.test")
    standard = depot.get("users", {"type": "standard"}).json()
    collaborators = depot.get("users", {"type": "collaborator"}).json()
    assert [row["id"] for row in standard["rows"]] == ["admin@studio.test"]
    assert [row["id"] for row in collaborators["rows"]] == ["freelancer@studio.test"]
    assert collaborators["total"] == 1


def test_get_one_user_in_detail(depot, db):
    UserFactory(
        email="hello@depothq.com",
        name="Depot",
        jobtitle="",
        address_line1="Unit B1.10 Portview",
        address_city="Belfast",
        address_district="Antrim",
        address_country="Northern Ireland",
        address_postcode="BT4 1HE",
        notes=[{"title": "Birthday", "content": "28th February 2014"}],
    )
    row = depot.get("users/hello@depothq.com").json()["rows"][0]
    assert row == {
        "id": "hello@depothq.com",
        "name": "Depot",
        "active": 1,
        "restricted": 0,
        "type": "standard",
        "image": "",
        "jobtitle": "",
        "address": {
            "line1": "Unit B1.10 Portview",
            "line2": "",
            "line3": "",
            "city": "Belfast",
            "district": "Antrim",
            "country": "Northern Ireland",
            "postcode": "BT4 1HE",
        },
        "telephone": "",
        "notes": [{"title": "Birthday", "content": "28th February 2014"}],
        "permissions": [],
    }


def test_create_standard_user_sends_an_invitation(depot, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = depot.post(
            "users",
            {
                "email": "New.Person@Studio.test",
                "name": "New Person",
                "restrictions": '["contacts"]',
            },
        )
    assert response.status_code == 201
    assert response.json() == {"error": False, "id": "new.person@studio.test"}
    user = User.objects.get(email="new.person@studio.test")
    assert user.restricted and user.permissions == ["contacts"]
    assert not user.has_usable_password()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new.person@studio.test"]
    link = re.search(r"http://\S+/accounts/invite/\S+/", mail.outbox[0].body).group(0)
    assert link.startswith("http://127.0.0.1:8000/accounts/invite/")
    user.refresh_from_db()
    assert user.invitation_sent is not None


def test_invitation_link_sets_a_password_and_signs_in(
    depot, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        depot.post("users", {"email": "invitee@studio.test", "name": "Invitee"})
    path = re.search(r"/accounts/invite/\S+/", mail.outbox[0].body).group(0)
    form_page = client.get(path, follow=True)
    assert b"Choose a password" in form_page.content
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a-very-good-password-9", "new_password2": "a-very-good-password-9"},
    )
    assert response.status_code == 302
    assert User.objects.get(email="invitee@studio.test").check_password("a-very-good-password-9")


def test_create_collaborator_with_jobs(depot):
    JobFactory(id=2), JobFactory(id=4)
    response = depot.post(
        "users",
        {"email": "sam@freelance.test", "name": "Sam", "collaborator": "1", "jobs": "4, 2,4"},
    )
    assert response.status_code == 201
    row = depot.get("users/sam@freelance.test").json()["rows"][0]
    assert row["type"] == "collaborator"
    assert row["restricted"] == 1
    assert row["jobs"] == [2, 4]


@pytest.mark.parametrize(
    "data,errors",
    [
        ({}, ["email is required.", "name is required."]),
        ({"email": "not-an-email", "name": "X"}, ["email must be a valid email address."]),
        ({"email": "a@studio.test", "name": "  "}, ["name is required."]),
        (
            {"email": "a@studio.test", "name": "A", "collaborator": "1"},
            ["jobs is required for a collaborator."],
        ),
        (
            {"email": "a@studio.test", "name": "A", "collaborator": "1", "jobs": "x,y"},
            ["jobs must be a whole number."],
        ),
        (
            {"email": "a@studio.test", "name": "A", "restrictions": '["spaceship"]'},
            [
                "restrictions has unknown areas: spaceship (known: contacts, projects, "
                "timesheets, proposals, invoices, reports, users, settings)."
            ],
        ),
        (
            {"email": "a@studio.test", "name": "A", "restrictions": "{oops"},
            ["restrictions must be valid JSON."],
        ),
    ],
)
def test_create_validation_errors(depot, data, errors):
    response = depot.post("users", data)
    assert response.status_code == 400
    assert without_field_detail(response) == {
        "error": True,
        "msg": "Validation errors",
        "errors": errors,
    }
    assert not User.objects.filter(email="a@studio.test").exists()


def test_duplicate_email_is_400(depot, admin_user):
    response = depot.post("users", {"email": "ADMIN@studio.test", "name": "Again"})
    assert response.status_code == 400
    assert response.json()["errors"] == ["email admin@studio.test is already used by another user."]


def test_update_partially_and_change_email(depot, db):
    UserFactory(email="old@studio.test", name="Old Name", telephone="0123")
    response = depot.patch(
        "users/old@studio.test", {"email": "new@studio.test", "jobtitle": "Lead"}
    )
    assert response.status_code == 200
    assert response.json() == {"error": False, "id": "new@studio.test"}
    row = depot.get("users/new@studio.test").json()["rows"][0]
    assert (row["name"], row["jobtitle"], row["telephone"]) == ("Old Name", "Lead", "0123")
    assert depot.get("users/old@studio.test").status_code == 404


def test_update_validation_error(depot, admin_user):
    response = depot.patch("users/admin@studio.test", {"email": "nope"})
    assert response.status_code == 400
    assert response.json()["errors"] == ["email must be a valid email address."]


def test_delete_user_without_records(depot, admin_user):
    UserFactory(email="leaver@studio.test")
    response = depot.delete("users/leaver@studio.test")
    assert response.status_code == 200
    assert response.json() == {"error": False, "id": "leaver@studio.test"}
    assert not User.objects.filter(email="leaver@studio.test").exists()


def test_delete_yourself_is_refused(bearer_for, admin_user):
    response = bearer_for(admin_user).delete("users/admin@studio.test")
    assert response.status_code == 400
    assert response.json()["errors"] == ["You cannot delete your own user."]
    assert User.objects.filter(pk=admin_user.pk).exists()


@pytest.mark.parametrize("count", [1, 50])
def test_list_queries_stay_flat(depot, django_assert_max_num_queries, count):
    for index in range(count):
        UserFactory(email=f"q{index}@studio.test")
    # credential, last_used touch, the rate-limit bucket in the database cache
    # (read, then a write that checks and culls), count, page
    with django_assert_max_num_queries(10):
        response = depot.get("users", {"rows": 100})
    assert len(response.json()["rows"]) == count


# --- keeping someone in charge ------------------------------------------------------------


def test_the_last_user_with_full_access_cannot_be_removed_or_restricted(depot, admin_user):
    reason = (
        f"{admin_user.email} is the last user with full access; "
        "give someone else full access first."
    )
    response = depot.delete(f"users/{admin_user.email}")
    assert response.status_code == 400
    assert response.json()["errors"] == [reason]
    response = depot.patch(f"users/{admin_user.email}", {"active": "0"})
    assert response.status_code == 400
    assert response.json()["errors"] == [f"active can't be changed: {reason}"]
    admin_user.refresh_from_db()
    assert admin_user.is_active


def test_a_second_admin_makes_removal_possible(depot, admin_user):
    UserFactory(email="deputy@studio.test")
    assert depot.delete(f"users/{admin_user.email}").status_code == 200


def test_restricting_the_only_unrestricted_user_is_refused(depot, db):
    owner = UserFactory(email="owner@studio.test")
    response = depot.patch(f"users/{owner.email}", {"restrictions": '["contacts"]'})
    assert response.status_code == 400
    assert response.json()["errors"] == [
        f"restrictions can't be changed: {owner.email} is the last user with full access; "
        "give someone else full access first."
    ]
    owner.refresh_from_db()
    assert not owner.restricted


def test_users_cannot_change_their_own_access(bearer_for, admin_user, restricted_to):
    manager = restricted_to("users", email="ru@studio.test")
    as_manager = bearer_for(manager)
    response = as_manager.patch(f"users/{manager.email}", {"restrictions": "[]"})
    assert response.status_code == 400
    assert response.json()["errors"] == [
        "restrictions can't be changed on your own user; ask another admin."
    ]
    manager.refresh_from_db()
    assert manager.restricted and manager.permissions == ["users"]
    # Their own name is fine, and so is sending their access back unchanged.
    same = as_manager.patch(f"users/{manager.email}", {"name": "Rui", "restrictions": '["users"]'})
    assert same.status_code == 200


def test_text_fields_of_a_user_refuse_objects_and_overlong_values(depot, admin_user):
    response = depot.patch(
        f"users/{admin_user.email}", {"address": {"postcode": "x" * 50}}, as_json=True
    )
    assert response.status_code == 400
    assert response.json()["errors"] == ["address.postcode must be at most 20 characters."]
    response = depot.patch(f"users/{admin_user.email}", {"name": ["a", 1]}, as_json=True)
    assert response.status_code == 400
    assert response.json()["errors"] == ["name must be text, not a list or an object."]


@pytest.mark.parametrize("jobs", ["", "0", "99999999999999999999"])
def test_a_collaborator_needs_real_job_ids(depot, admin_user, jobs):
    response = depot.post(
        "users", {"email": "c@studio.test", "name": "C", "collaborator": "1", "jobs": jobs}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0].startswith("jobs ")


def test_becoming_a_collaborator_needs_jobs(depot, admin_user):
    UserFactory(email="std@studio.test")
    JobFactory(id=4), JobFactory(id=5)
    response = depot.patch("users/std@studio.test", {"collaborator": "1"})
    assert response.status_code == 400
    assert response.json()["errors"] == ["jobs is required for a collaborator."]
    assert (
        depot.patch("users/std@studio.test", {"collaborator": "1", "jobs": "4,5"}).status_code
        == 200
    )


def test_restricted_without_any_area_is_refused_by_the_service(admin_user):
    from django.core.exceptions import ValidationError

    from accounts import services

    with pytest.raises(ValidationError, match="at least one area"):
        services.create_user(email="r@studio.test", name="R", restricted=True)


def test_a_collaborators_jobs_cannot_be_emptied(depot, admin_user):
    JobFactory(id=4)
    depot.post("users", {"email": "c@studio.test", "name": "C", "collaborator": "1", "jobs": "4"})
    response = depot.patch("users/c@studio.test", {"jobs": ""})
    assert response.status_code == 400
    assert response.json()["errors"] == ["jobs is required for a collaborator."]


def test_sending_back_your_own_areas_in_another_order_is_no_change(
    bearer_for, admin_user, restricted_to
):
    manager = restricted_to("users", "contacts", email="m@studio.test")
    response = bearer_for(manager).patch(
        f"users/{manager.email}", {"name": "M", "restrictions": '["contacts", "users"]'}
    )
    assert response.status_code == 200
