"""A collaborator in the projects API: the jobs they are given, with their items and
actions, to read; those actions to add, change and tick off; nothing else (the spec's
401), whether through a bearer token or a signed-in session."""

import pytest

from accounts.tests.factories import CollaboratorFactory, UserFactory
from conftest import credential_client
from projects.models import Job, JobAction, JobItem
from projects.tests.factories import (
    JobActionFactory,
    JobFactory,
    JobItemFactory,
    ProjectFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_api_rate_limit")]


@pytest.fixture
def theirs():
    return JobFactory(title="Their job")


@pytest.fixture
def other():
    """A job of the same project that isn't theirs."""
    return JobFactory(title="Another job")


@pytest.fixture
def cole(theirs):
    return CollaboratorFactory(email="cole@freelance.test", collaborator_jobs=[theirs.pk])


@pytest.fixture
def cole_api(cole, bearer_for):
    return bearer_for(cole)


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return sorted(int(row["id"]) for row in response.json()["rows"])


# --- reading ------------------------------------------------------------------------


def test_lists_show_only_their_jobs_rows(cole_api, theirs, other):
    their_item = JobItemFactory(job=theirs, title="Theirs")
    other_item = JobItemFactory(job=other, title="Not theirs")
    their_action = JobActionFactory(item=their_item)
    JobActionFactory(item=other_item)

    body = cole_api.get("jobs").json()
    assert [row["id"] for row in body["rows"]] == [theirs.pk] and body["total"] == 1
    assert [item["id"] for item in body["rows"][0]["items"]] == [str(their_item.pk)]
    assert ids(cole_api.get("jobitems")) == [their_item.pk]
    assert ids(cole_api.get("jobactions")) == [their_action.pk]
    # A filter naming the other job finds nothing of it.
    assert ids(cole_api.get("jobs", {"project": other.project_id})) == []
    assert ids(cole_api.get("jobitems", {"job": other.pk})) == []
    assert ids(cole_api.get("jobactions", {"job": other.pk})) == []


def test_one_by_one_theirs_is_read_and_the_rest_refused(cole_api, theirs, other):
    their_item = JobItemFactory(job=theirs)
    other_item = JobItemFactory(job=other)
    their_action = JobActionFactory(item=their_item)
    other_action = JobActionFactory(item=other_item)

    assert cole_api.get(f"jobs/{theirs.pk}").json()["rows"][0]["name"] == "Their job"
    assert ids(cole_api.get(f"jobitems/{their_item.pk}")) == [their_item.pk]
    assert ids(cole_api.get(f"jobactions/{their_action.pk}")) == [their_action.pk]
    for path in (f"jobs/{other.pk}", f"jobitems/{other_item.pk}", f"jobactions/{other_action.pk}"):
        response = cole_api.get(path)
        assert response.status_code == 401, path
        assert response.json()["msg"] == "Collaborators can only see the jobs they are given."
    # What doesn't exist is still a 404.
    assert cole_api.get("jobs/987654").status_code == 404
    assert cole_api.get("jobitems/987654").status_code == 404
    assert cole_api.get("jobactions/987654").status_code == 404


def test_projects_stay_closed(cole_api, theirs):
    assert cole_api.get("projects").status_code == 401
    assert cole_api.get(f"projects/{theirs.project_id}").status_code == 401


def test_a_signed_in_session_is_kept_to_the_same_jobs(cole, theirs, other):
    from conftest import signed_in_client

    client = signed_in_client(cole)
    JobItemFactory(job=other)
    item = JobItemFactory(job=theirs)
    response = client.get("/api/v1/jobitems.json")
    assert [int(row["id"]) for row in response.json()["rows"]] == [item.pk]
    assert client.get(f"/api/v1/jobs/{other.pk}.json").status_code == 401


def test_a_collaborator_without_jobs_sees_none(bearer_for, theirs):
    JobItemFactory(job=theirs)
    nobody = bearer_for(CollaboratorFactory(collaborator_jobs=[]))
    assert ids(nobody.get("jobs")) == []
    assert ids(nobody.get("jobitems")) == []


def test_an_inactive_collaborator_is_refused(cole, cole_api):
    cole.is_active = False
    cole.save(update_fields=["is_active"])
    # A deactivated user's token no longer authenticates at all: the spec's 403.
    assert cole_api.get("jobs").status_code in (401, 403)


# --- writing ------------------------------------------------------------------------


def test_they_add_change_and_tick_off_actions_on_their_jobs(cole_api, cole, theirs):
    item = JobItemFactory(job=theirs)
    response = cole_api.post(
        "jobactions",
        {
            "title": "Send the drafts",
            "status": "U",
            "item": str(item.pk),
            "assignedto": cole.email,
            "addedby": cole.email,
        },
    )
    assert response.status_code == 201, response.content
    action = JobAction.objects.get(pk=response.json()["id"])
    assert action.added_by == cole and action.assigned_to == cole

    assert cole_api.patch(f"jobactions/{action.pk}", {"status": "C"}).status_code == 200
    action.refresh_from_db()
    assert action.status == "C" and action.completed is not None
    response = cole_api.patch(f"jobactions/{action.pk}", {"title": "Send the final drafts"})
    assert response.status_code == 200
    action.refresh_from_db()
    assert action.title == "Send the final drafts"


def test_actions_beyond_their_jobs_are_refused(cole_api, cole, theirs, other):
    their_item = JobItemFactory(job=theirs)
    other_item = JobItemFactory(job=other)
    other_action = JobActionFactory(item=other_item, title="Kept")
    their_action = JobActionFactory(item=their_item, title="Theirs")

    response = cole_api.post(
        "jobactions",
        {"title": "Sneak", "status": "U", "item": str(other_item.pk), "addedby": cole.email},
    )
    assert response.status_code == 401
    assert response.json()["msg"] == "Collaborators can only work on the jobs they are given."
    assert not JobAction.objects.filter(title="Sneak").exists()
    assert cole_api.patch(f"jobactions/{other_action.pk}", {"status": "C"}).status_code == 401
    # Nor may one of theirs move out to another job.
    moved = cole_api.patch(f"jobactions/{their_action.pk}", {"item": str(other_item.pk)})
    assert moved.status_code == 401
    other_action.refresh_from_db()
    their_action.refresh_from_db()
    assert other_action.status == "U" and their_action.item_id == their_item.pk


def test_every_other_write_is_refused(cole_api, theirs):
    item = JobItemFactory(job=theirs, title="Kept")
    action = JobActionFactory(item=item)
    refused = [
        cole_api.post("projects", {"title": "New"}),
        cole_api.patch(f"projects/{theirs.project_id}", {"title": "Mine"}),
        cole_api.delete(f"projects/{theirs.project_id}"),
        cole_api.post("jobs", {"title": "New", "project": str(theirs.project_id)}),
        cole_api.patch(f"jobs/{theirs.pk}", {"title": "Mine"}),
        cole_api.delete(f"jobs/{theirs.pk}"),
        cole_api.post("jobitems", {"title": "New", "job": str(theirs.pk)}),
        cole_api.patch(f"jobitems/{item.pk}", {"title": "Mine"}),
        cole_api.delete(f"jobitems/{item.pk}"),
        cole_api.delete(f"jobactions/{action.pk}"),
    ]
    assert [response.status_code for response in refused] == [401] * len(refused)
    assert Job.objects.get(pk=theirs.pk).title == "Their job"
    assert JobItem.objects.get(pk=item.pk).title == "Kept"
    assert JobAction.objects.filter(pk=action.pk).exists()


def test_others_are_unchanged(member_api, restricted_api, theirs, other):
    """Standard users see every job; a restricted user without the area none; an
    account credential by its scopes."""
    assert ids(member_api.get("jobs")) == sorted([theirs.pk, other.pk])
    assert restricted_api.get("jobs").status_code == 401
    assert ids(credential_client(["projects:read"]).get("jobs")) == sorted([theirs.pk, other.pk])


# --- query counts -------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 50])
def test_their_lists_stay_flat(bearer_for, django_assert_max_num_queries, count):
    project = ProjectFactory()
    team = [UserFactory()]
    jobs = [JobFactory(project=project, team=team) for _ in range(count)]
    JobFactory(project=project)  # not theirs
    for job in jobs:
        JobActionFactory(item=JobItemFactory(job=job, team=team))
    client = bearer_for(CollaboratorFactory(collaborator_jobs=[job.pk for job in jobs]))
    # token, its last use, the page, its team, its contacts, the count; its items,
    # their team, their actions
    with django_assert_max_num_queries(9):
        assert len(client.get("jobs", {"rows": 100}).json()["rows"]) == count
    # token, its last use, the page, its team, its actions, the count
    with django_assert_max_num_queries(6):
        assert len(client.get("jobitems", {"rows": 100}).json()["rows"]) == count
    # token, its last use, the page, the count
    with django_assert_max_num_queries(4):
        assert len(client.get("jobactions", {"rows": 100}).json()["rows"]) == count
