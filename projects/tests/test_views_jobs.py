"""A project's jobs on its page: edited in place (team included), deleted or refused
in place, reordered by drag and by the ↑ ↓ buttons, the timer started and stopped
from an item's row; who may do it, and the page's queries as jobs grow."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest

from accounts.tests.factories import CollaboratorFactory, UserFactory
from conftest import signed_in_client
from projects.models import Job, RunningTimer, TimeEntry
from projects.tests.factories import (
    JobActionFactory,
    JobFactory,
    JobItemFactory,
    ProjectFactory,
)

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def _order(project) -> list[str]:
    return list(project.jobs.order_by("order", "pk").values_list("title", flat=True))


def test_the_job_edit_form_comes_filled_with_the_team_as_checkboxes(staff_client):
    ada, bo = UserFactory(name="Ada"), UserFactory(name="Bo")
    job = JobFactory(title="Design", team=[ada], brief="Three concepts")
    page = staff_client.get(f"/projects/jobs/{job.pk}/edit/", **HTMX).content.decode()
    assert "<html" not in page
    assert f'id="job-{job.pk}-edit"' in page and 'value="Design"' in page
    assert f'type="checkbox" name="team" value="{ada.pk}"' in page
    # Where each sits depends on everyone's names (the factories invent some).
    assert re.search(rf'value="{ada.pk}" id="id_jobedit{job.pk}_team_\d+" checked', page)
    assert re.search(rf'value="{bo.pk}" id="id_jobedit{job.pk}_team_\d+">', page)
    assert "Three concepts" in page


def test_editing_a_job_saves_it_through_the_service_and_answers_its_section(staff_client):
    ada = UserFactory(name="Ada")
    job = JobFactory(title="Design")
    deadline = date.today() + timedelta(days=30)
    data = {
        "title": "Design system",
        "status": "H",
        "deadline": deadline.isoformat(),
        "team": [ada.pk],
        "brief": "Tokens first",
    }
    response = staff_client.post(f"/projects/jobs/{job.pk}/edit/", data, **HTMX)
    page = response.content.decode()
    job.refresh_from_db()
    assert (job.title, job.status, job.deadline, job.brief) == (
        "Design system",
        "H",
        deadline,
        "Tokens first",
    )
    assert list(job.team.all()) == [ada]
    assert page.lstrip().startswith(f'<li class="job-block" id="job-{job.pk}"')
    assert "Design system" in page and "Ada" in page and "Tokens first" in page
    # The keyboard goes back to the job's Edit button.
    assert 'aria-label="Edit Design system" autofocus' in page


def test_a_refused_job_edit_shows_on_its_field(staff_client):
    job = JobFactory(title="Design")
    data = {"title": "x" * 300, "status": "O", "deadline": "2031-01-01"}
    page = staff_client.post(f"/projects/jobs/{job.pk}/edit/", data, **HTMX).content.decode()
    assert "Job title" in page and "at most" in page
    assert f'id="job-{job.pk}-edit"' in page
    job.refresh_from_db()
    assert job.title == "Design"
    # An emptied deadline is asked for, not quietly kept.
    data = {"title": "Design", "status": "O", "deadline": ""}
    page = staff_client.post(f"/projects/jobs/{job.pk}/edit/", data, **HTMX).content.decode()
    assert "This field is required." in page


def test_cancel_answers_the_section_as_it_is(staff_client):
    job = JobFactory(title="Design")
    page = staff_client.get(f"/projects/jobs/{job.pk}/section/", **HTMX).content.decode()
    assert f'id="job-{job.pk}-items"' in page and 'aria-label="Edit Design"' in page


def test_deleting_a_job_answers_the_list_without_it(staff_client):
    kept = JobFactory(title="Kept")
    gone = JobFactory(title="Gone", project=kept.project)
    response = staff_client.post(f"/projects/jobs/{gone.pk}/delete/", **HTMX)
    page = response.content.decode()
    assert not Job.objects.filter(pk=gone.pk).exists()
    assert page.lstrip().startswith('<div id="job-list">')
    assert "Kept" in page and "Gone" not in page
    assert "was deleted" in response["HX-Trigger"]


def test_a_job_with_items_is_refused_in_place(staff_client):
    job = JobFactory(title="Held")
    JobItemFactory(job=job)
    JobItemFactory(job=job)
    page = staff_client.post(f"/projects/jobs/{job.pk}/delete/", **HTMX).content.decode()
    assert Job.objects.filter(pk=job.pk).exists()
    assert "can&#x27;t be deleted while it has 2 job items" in page
    assert 'role="alert" tabindex="-1" autofocus' in page


def test_the_arrows_move_a_job_and_keep_the_focus_on_it(staff_client):
    first = JobFactory(title="First")
    project = first.project
    second = JobFactory(title="Second", project=project)
    page = staff_client.post(
        f"/projects/jobs/{second.pk}/move/", {"direction": "up"}, **HTMX
    ).content.decode()
    assert _order(project) == ["Second", "First"]
    # Now first, its ↑ is disabled: the focus stays on its ↓.
    assert 'aria-label="Move Second up" disabled' in page
    assert 'aria-label="Move Second down" autofocus' in page
    staff_client.post(f"/projects/jobs/{second.pk}/move/", {"direction": "down"}, **HTMX)
    assert _order(project) == ["First", "Second"]


def test_dragging_posts_the_jobs_order(staff_client):
    project = ProjectFactory()
    a, b, c = (JobFactory(project=project, title=title) for title in "ABC")
    url = f"/projects/{project.pk}/jobs/reorder/"
    page = staff_client.post(url, {"jobs": [c.pk, a.pk, b.pk]}, **HTMX).content.decode()
    assert _order(project) == ["C", "A", "B"]
    assert page.index(f'id="job-{c.pk}"') < page.index(f'id="job-{a.pk}"')
    # A list read before a job was added is refused, not half applied.
    page = staff_client.post(url, {"jobs": [a.pk, b.pk]}, **HTMX).content.decode()
    assert "Jobs must list each of the project&#x27;s jobs once; reload the page" in page
    assert _order(project) == ["C", "A", "B"]


def test_the_project_page_has_the_job_tools(staff_client):
    job = JobFactory(title="Design")
    page = staff_client.get(f"/projects/{job.project_id}/").content.decode()
    assert f'data-reorder-url="/projects/{job.project_id}/jobs/reorder/"' in page
    assert 'aria-label="Move Design up" disabled' in page
    assert f'hx-get="/projects/jobs/{job.pk}/edit/"' in page
    assert 'hx-confirm="Delete the job Design?"' in page


def test_only_the_projects_area_edits_jobs(restricted_client, collaborator_client):
    job = JobFactory()
    other = JobFactory(project=job.project)
    for client in (restricted_client, collaborator_client):
        assert client.get(f"/projects/jobs/{job.pk}/edit/", **HTMX).status_code == 403
        assert client.post(f"/projects/jobs/{job.pk}/edit/", {"title": "X"}).status_code == 403
        assert client.get(f"/projects/jobs/{job.pk}/section/").status_code == 403
        assert client.post(f"/projects/jobs/{job.pk}/delete/").status_code == 403
        assert client.post(f"/projects/jobs/{job.pk}/move/").status_code == 403
        url = f"/projects/{job.project_id}/jobs/reorder/"
        assert client.post(url, {"jobs": [other.pk, job.pk]}).status_code == 403
    assert Job.objects.count() == 2
    assert _order(job.project) == [job.title, other.title]


def test_a_collaborator_sees_no_job_tools_but_can_time_an_item(theirs_job_and_client):
    job, client = theirs_job_and_client
    item = JobItemFactory(job=job, title="Sketches")
    page = client.get(f"/projects/jobs/{job.pk}/").content.decode()
    assert "/edit/" not in page and "/delete/" not in page and "/move/" not in page
    assert "data-reorder-url" not in page
    assert 'aria-label="Start the timer on Sketches"' in page
    assert f'name="next" value="/projects/jobs/{job.pk}/#item-{item.pk}"' in page
    assert "js/timer.js" in page
    back_to = f"/projects/jobs/{job.pk}/#item-{item.pk}"
    response = client.post("/timesheet/timer/start/", {"target": f"T{item.pk}", "next": back_to})
    assert response["Location"] == back_to
    page = client.get(f"/projects/jobs/{job.pk}/").content.decode()
    assert 'aria-label="Timer running on Sketches"' in page


@pytest.fixture
def theirs_job_and_client():
    job = JobFactory(title="Their job")
    cole = CollaboratorFactory(collaborator_jobs=[job.pk])
    return job, signed_in_client(cole)


def test_the_timer_starts_from_an_item_row_and_comes_back_running(staff_client, admin_user):
    item = JobItemFactory(title="Sketches", type="hourly")
    JobItemFactory(job=item.job, title="Print run", type="fixed")
    project_url = f"/projects/{item.job.project_id}/"
    page = staff_client.get(project_url).content.decode()
    # Only hourly items are timed.
    assert 'aria-label="Start the timer on Sketches"' in page
    assert 'aria-label="Start the timer on Print run"' not in page
    back_to = f"{project_url}#item-{item.pk}"
    assert f'name="next" value="{back_to}"' in page
    response = staff_client.post(
        "/timesheet/timer/start/", {"target": f"T{item.pk}", "next": back_to}
    )
    assert response.status_code == 302 and response["Location"] == back_to
    assert RunningTimer.objects.get(user=admin_user).item_id == item.pk
    page = staff_client.get(project_url).content.decode()
    assert 'aria-label="Timer running on Sketches"' in page and "data-timer-elapsed" in page
    assert 'aria-label="Stop the timer on Sketches and log the time"' in page
    assert 'aria-label="Start the timer on Sketches"' not in page
    assert "js/timer.js" in page
    response = staff_client.post("/timesheet/timer/stop/", {"next": back_to}, follow=True)
    assert not RunningTimer.objects.exists()
    assert TimeEntry.objects.get().item_id == item.pk
    assert "hours logged" in response.content.decode()


def test_a_refused_timer_comes_back_with_the_reason(staff_client):
    item = JobItemFactory(title="Sketches")
    back_to = f"/projects/{item.job.project_id}/#item-{item.pk}"
    response = staff_client.post("/timesheet/timer/stop/", {"next": back_to}, follow=True)
    assert response.redirect_chain[-1][0] == back_to
    assert 'class="flash flash-error" role="alert"' in response.content.decode()
    # Somewhere else than this site is not followed: the timesheet answers as ever.
    response = staff_client.post(
        "/timesheet/timer/start/", {"target": f"T{item.pk}", "next": "https://evil.test/"}
    )
    assert response.status_code == 200


@pytest.mark.parametrize("count", [1, 50])
def test_the_project_page_stays_flat_with_teams_items_and_a_timer(
    staff_client, admin_user, django_assert_max_num_queries, count
):
    project = ProjectFactory()
    team = [UserFactory(), UserFactory()]
    for _ in range(count):
        job = JobFactory(project=project, team=team)
        item = JobItemFactory(job=job, team=team, hours=Decimal(3))
        JobActionFactory(item=item, assigned_to=team[0])
    RunningTimer.objects.create(user=admin_user, item=item, job=item.job, project=project)
    # The same at 1 and 50 jobs: each level (jobs, their teams, items, their teams,
    # actions) one query, the running timer one; billing's panel four (its invoices,
    # their sums, unbilled time and items).
    with django_assert_max_num_queries(16 + 4):
        page = staff_client.get(f"/projects/{project.pk}/").content.decode()
    assert page.count('aria-label="Timer running on') == 1


@pytest.mark.parametrize("count", [1, 50])
def test_the_job_list_answer_stays_flat(staff_client, django_assert_max_num_queries, count):
    project = ProjectFactory()
    jobs = [JobFactory(project=project, team=[UserFactory()]) for _ in range(count)]
    for job in jobs:
        JobItemFactory(job=job)
    with django_assert_max_num_queries(17):
        response = staff_client.post(
            f"/projects/jobs/{jobs[-1].pk}/move/", {"direction": "up"}, **HTMX
        )
    assert response.status_code == 200
