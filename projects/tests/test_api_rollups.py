"""Hours rolled up item → job → project in the projects and jobs resources, and
their filters and switches on items and actions (`items`, `itemstatus`, `hasitems`,
`hasactions`, `actionassignedto`, `itemsearch`), with query counts."""

from decimal import Decimal

import pytest

from accounts.tests.factories import UserFactory
from projects.tests.factories import (
    JobActionFactory,
    JobFactory,
    JobItemFactory,
    ProjectFactory,
    TimeEntryFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_api_rate_limit")]


@pytest.fixture
def project():
    """Two jobs: Design (hourly 6 + 4, a fixed item of 100, time on items, on an
    action and on the job itself) and Build (nothing logged); and time on the
    project directly."""
    project = ProjectFactory(title="Site")
    design = JobFactory(title="Design", project=project)
    build = JobFactory(title="Build", project=project)
    sketch = JobItemFactory(title="Sketch", job=design, hours=6, status="O")
    polish = JobItemFactory(title="Polish", job=design, hours=4, status="F")
    JobItemFactory(title="Print", job=design, type="fixed", hours=100, status="O")
    action = JobActionFactory(item=sketch)
    TimeEntryFactory(item=sketch, hours=Decimal("2.5"))
    TimeEntryFactory(item=sketch, action=action, hours=Decimal("1"))
    TimeEntryFactory(item=polish, hours=Decimal("0.25"))
    TimeEntryFactory(item=None, job=design, hours=Decimal("1"))
    TimeEntryFactory(item=None, job=None, project=project, hours=Decimal("2"))
    JobItemFactory(title="Code", job=build, hours=Decimal("0.5"))
    return project


def test_hours_roll_up_from_items_to_jobs_to_the_project(admin_api, project):
    row = admin_api.get(f"projects/{project.pk}").json()["rows"][0]
    assert row["hours"] == {"allocated": 10.5, "logged": 6.75, "remaining": 3.75}
    assert (row["hasitems"], row["hasactions"]) == (1, 1)
    jobs = admin_api.get("jobs", {"project": project.pk}).json()["rows"]
    hours = {job["name"]: job["hours"] for job in jobs}
    assert hours == {
        "Build": {"allocated": 0.5, "logged": 0, "remaining": 0.5},
        "Design": {"allocated": 10, "logged": 4.75, "remaining": 5.25},
    }
    items = admin_api.get("jobitems", {"project": project.pk, "order": "id"}).json()["rows"]
    assert [item["hours"]["logged"] for item in items] == [3.5, 0.25, 0, 0]
    empty = ProjectFactory()
    row = admin_api.get(f"projects/{empty.pk}").json()["rows"][0]
    assert row["hours"] == {"allocated": 0, "logged": 0, "remaining": 0}
    assert (row["hasitems"], row["hasactions"]) == (0, 0)


def test_jobs_embed_their_items_as_the_spec_shows(admin_api, project):
    job = admin_api.get("jobs", {"search": "design"}).json()["rows"][0]
    sketch = job["items"][0]
    assert [item["name"] for item in job["items"]] == ["Sketch", "Polish", "Print"]
    assert sketch == {
        "id": sketch["id"],
        "name": "Sketch",
        "start": sketch["start"],
        "deadline": sketch["deadline"],
        "hours": {"allocated": 6, "logged": 3.5},
        "brief": "",
        "type": "hourly",
        "actions": sketch["actions"],
        "team": [],
        "category": None,
        "timecategory": "",
        "rate": "50.00000",
        "taxcode": None,
    }
    assert isinstance(sketch["id"], str) and len(sketch["actions"]) == 1
    job = admin_api.get("jobs", {"search": "design", "itemstatus": "f"}).json()["rows"][0]
    assert [item["name"] for item in job["items"]] == ["Polish"]


def test_itemsearch_keeps_jobs_with_a_matching_item(admin_api, project):
    jobs = admin_api.get("jobs", {"itemsearch": "SKET"}).json()
    assert [job["name"] for job in jobs["rows"]] == ["Design"] and jobs["total"] == 1


def test_project_switches_pick_jobs_items_and_actions(admin_api, project):
    dee = UserFactory(email="dee@studio.test")
    JobFactory(title="Empty", project=project)
    JobActionFactory(item=project.jobs.get(title="Build").items.get(), assigned_to=dee)

    def shown(**params):
        params = {"jobs": "true", "items": "true", **params}
        row = admin_api.get(f"projects/{project.pk}", params).json()["rows"][0]
        return {job["name"]: [item["name"] for item in job["items"]] for job in row["jobs"]}

    assert shown() == {
        "Design": ["Sketch", "Polish", "Print"],
        "Build": ["Code"],
        "Empty": [],
    }
    assert shown(hasitems="true") == {"Design": ["Sketch", "Polish", "Print"], "Build": ["Code"]}
    assert shown(hasitems="false") == {"Empty": []}
    assert shown(itemstatus="F") == {"Design": ["Polish"], "Build": [], "Empty": []}
    assert shown(hasactions="true") == {"Design": ["Sketch"], "Build": ["Code"], "Empty": []}
    assert shown(hasactions="false")["Design"] == ["Polish", "Print"]
    assert shown(actionassignedto="dee@studio.test") == {
        "Design": [],
        "Build": ["Code"],
        "Empty": [],
    }
    listed = admin_api.get("projects", {"jobs": "true", "items": "true", "itemstatus": "F"})
    assert listed.json()["rows"][0]["jobs"][0]["items"][0]["name"] == "Polish"


@pytest.mark.parametrize(
    "params, field",
    [
        ({"items": "maybe"}, "items"),
        ({"itemstatus": "X"}, "itemstatus"),
        ({"hasitems": "maybe"}, "hasitems"),
        ({"hasactions": "maybe"}, "hasactions"),
        ({"actionassignedto": "nobody"}, "actionassignedto"),
    ],
)
def test_a_bad_switch_is_a_400_naming_it(admin_api, params, field):
    response = admin_api.get("projects", {"jobs": "true", **params})
    assert response.status_code == 400
    assert list(response.json()["fields"]) == [field]


def test_a_bad_itemstatus_on_jobs_is_a_400(admin_api):
    response = admin_api.get("jobs", {"itemstatus": "X"})
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["itemstatus"]


@pytest.mark.parametrize("count", [1, 50])
def test_projects_with_jobs_and_items_stay_flat(admin_api, django_assert_max_num_queries, count):
    team = [UserFactory()]
    for _ in range(count):
        job = JobFactory(project=ProjectFactory(team=team), team=team)
        item = JobItemFactory(job=job, team=team)
        JobActionFactory(item=item)
        TimeEntryFactory(item=item)
    # token, its last use, the page (hours inside), its team, its contacts, and the
    # jobs, their teams, their contacts, their items, the items' teams, their actions,
    # and one more for the embedded rows read by id
    with django_assert_max_num_queries(12):
        body = admin_api.get("projects", {"rows": 100, "jobs": "true", "items": "true"}).json()
    assert len(body["rows"]) == count
    assert all(row["hours"]["logged"] == 1.5 for row in body["rows"])
    assert all(len(row["jobs"][0]["items"][0]["actions"]) == 1 for row in body["rows"])


@pytest.mark.parametrize("count", [1, 50])
def test_jobs_with_items_stay_flat(admin_api, django_assert_max_num_queries, count):
    team = [UserFactory()]
    project = ProjectFactory()
    for _ in range(count):
        item = JobItemFactory(job=JobFactory(project=project, team=team), team=team)
        JobActionFactory(item=item)
    # token, its last use, the page, its team, its contacts, its items, their teams,
    # their actions, the count
    with django_assert_max_num_queries(9):
        body = admin_api.get("jobs", {"rows": 100}).json()
    assert len(body["rows"]) == count
    assert all(len(row["items"]) == 1 for row in body["rows"])
