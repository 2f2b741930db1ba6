"""A job's page and My jobs: a collaborator sees the jobs they are given (items with
their hours, actions to tick and add, a way to log time) and nothing else; people
with the projects area see any job; notification links lead each to a page they can
open."""

from decimal import Decimal

import pytest

from accounts import services as account_services
from accounts.models import Notification
from accounts.tests.factories import CollaboratorFactory, UserFactory
from conftest import signed_in_client
from projects.models import JobAction
from projects.tests.factories import (
    JobActionFactory,
    JobFactory,
    JobItemFactory,
    TimeEntryFactory,
)

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def theirs():
    return JobFactory(title="Their job")


@pytest.fixture
def other(theirs):
    return JobFactory(title="Another job", project=theirs.project)


@pytest.fixture
def cole(theirs):
    return CollaboratorFactory(email="cole@freelance.test", collaborator_jobs=[theirs.pk])


@pytest.fixture
def cole_client(cole):
    return signed_in_client(cole)


def test_a_collaborator_sees_their_job_with_items_hours_and_actions(cole_client, theirs):
    item = JobItemFactory(job=theirs, title="Sketches", hours=4)
    TimeEntryFactory(item=item, hours=Decimal("1.5"))
    JobActionFactory(item=item, title="Send drafts")
    page = cole_client.get(f"/projects/jobs/{theirs.pk}/").content.decode()
    assert "Their job" in page and "Sketches" in page and "Send drafts" in page
    assert "1.5 / 4 h · 2.5 h left" in page
    assert f'href="/timesheet/?rows=J{theirs.pk}"' in page
    assert f'href="/timesheet/?rows=T{item.pk}"' in page
    # Items are reworked only with the projects area: no add, edit, move or delete.
    assert "items/add/" not in page and "Delete" not in page and 'draggable="true"' not in page
    assert f'href="/projects/{theirs.project_id}/' not in page
    assert "My jobs" in page


def test_other_jobs_and_the_project_are_refused(cole_client, theirs, other):
    assert cole_client.get(f"/projects/jobs/{other.pk}/").status_code == 403
    assert cole_client.get(f"/projects/{theirs.project_id}/").status_code == 403
    assert cole_client.get("/projects/").status_code == 403
    assert cole_client.get("/projects/jobs/987654/").status_code == 403


def test_standard_users_see_any_job_and_a_missing_one_is_404(
    member_client, restricted_client, theirs
):
    page = member_client.get(f"/projects/jobs/{theirs.pk}/").content.decode()
    assert "Their job" in page and f"/projects/jobs/{theirs.pk}/items/add/" in page
    assert f'href="/projects/{theirs.project_id}/#job-{theirs.pk}"' in page
    assert member_client.get("/projects/jobs/987654/").status_code == 404
    assert restricted_client.get(f"/projects/jobs/{theirs.pk}/").status_code == 403


def test_a_collaborator_ticks_an_action_on_the_job_page(cole_client, theirs, other):
    action = JobActionFactory(item=JobItemFactory(job=theirs), title="Send drafts")
    response = cole_client.post(
        f"/projects/actions/{action.pk}/toggle/", {"done": "on", "on": "job"}, **HTMX
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert f'id="job-{theirs.pk}-items"' in body and "<html" not in body
    # The job page's block: no project hours swapped in beside it.
    assert "project-hours" not in body
    action.refresh_from_db()
    assert action.status == JobAction.Status.COMPLETED
    elsewhere = JobActionFactory(item=JobItemFactory(job=other))
    assert (
        cole_client.post(f"/projects/actions/{elsewhere.pk}/toggle/", {"done": "on"}).status_code
        == 403
    )
    elsewhere.refresh_from_db()
    assert elsewhere.status == JobAction.Status.UNFINISHED


def test_a_collaborator_adds_an_action_to_their_items_only(cole_client, cole, theirs, other):
    item = JobItemFactory(job=theirs)
    response = cole_client.post(
        f"/projects/items/{item.pk}/actions/add/",
        {"title": "Ask for fonts", "assigned_to": str(cole.pk), "on": "job"},
        **HTMX,
    )
    assert response.status_code == 200
    assert JobAction.objects.get(title="Ask for fonts").added_by == cole
    elsewhere = JobItemFactory(job=other)
    refused = cole_client.post(f"/projects/items/{elsewhere.pk}/actions/add/", {"title": "Sneak"})
    assert refused.status_code == 403
    assert not JobAction.objects.filter(title="Sneak").exists()


def test_the_project_page_still_answers_with_its_own_block(staff_client, theirs):
    action = JobActionFactory(item=JobItemFactory(job=theirs))
    response = staff_client.post(f"/projects/actions/{action.pk}/toggle/", {"done": "on"}, **HTMX)
    assert 'id="project-hours" hx-swap-oob="true"' in response.content.decode()


def test_my_actions_lead_a_collaborator_to_the_job_page(cole, cole_client, theirs):
    action = JobActionFactory(item=JobItemFactory(job=theirs), assigned_to=cole)
    page = cole_client.get("/projects/actions/").content.decode()
    assert f'href="/projects/jobs/{theirs.pk}/#item-{action.item_id}"' in page


def test_my_jobs(cole_client, member_client, member, theirs, other):
    page = cole_client.get("/projects/jobs/mine/").content.decode()
    assert f'href="/projects/jobs/{theirs.pk}/"' in page and "Another job" not in page
    other.team.add(member)
    page = member_client.get("/projects/jobs/mine/").content.decode()
    assert "Another job" in page and "Their job" not in page


def test_notification_links_lead_a_collaborator_to_the_job_page(cole, cole_client, theirs, other):
    item = JobItemFactory(job=theirs)
    for link in (f"job/{theirs.pk}", f"item/{item.pk}", f"job/{other.pk}"):
        account_services.notify(Notification.Type.TEAM_ADD, title=link, users=[cole], link=link)
    opened = {
        note.title: signed_in_client(cole).get(f"/notifications/{note.pk}/open/")["Location"]
        for note in Notification.objects.all()
    }
    assert opened[f"job/{theirs.pk}"] == f"/projects/jobs/{theirs.pk}/"
    assert opened[f"item/{item.pk}"] == f"/projects/jobs/{theirs.pk}/#item-{item.pk}"
    assert opened[f"job/{other.pk}"] == "/notifications/"
    page = cole_client.get("/notifications/").content.decode()
    assert page.count("/open/") == 2


@pytest.mark.parametrize("count", [1, 20])
def test_the_job_page_queries_stay_flat(cole_client, theirs, django_assert_max_num_queries, count):
    team = [UserFactory()]
    for _ in range(count):
        JobActionFactory(item=JobItemFactory(job=theirs, team=team), assigned_to=team[0])
    with django_assert_max_num_queries(12):
        assert cole_client.get(f"/projects/jobs/{theirs.pk}/").status_code == 200
    with django_assert_max_num_queries(10):
        assert cole_client.get("/projects/jobs/mine/").status_code == 200
