"""The Depot `jobactions` resource: the spec's shape in JSON and XML, filters,
ordering, pages, writes with their notifications, errors naming fields, permissions
and query counts."""

import re
from datetime import UTC, date, datetime

import pytest

from accounts.models import Notification
from accounts.tests.factories import UserFactory
from conftest import credential_client
from crm.tests.factories import CompanyFactory
from projects.models import JobAction
from projects.tests.factories import (
    JobActionFactory,
    JobFactory,
    JobItemFactory,
    ProjectFactory,
    TimeEntryFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_api_rate_limit")]


def names(client, **params):
    response = client.get("jobactions", params)
    assert response.status_code == 200, response.content
    return [row["name"] for row in response.json()["rows"]]


@pytest.fixture
def acme():
    return CompanyFactory(name="Joe Bloggs Inc")


@pytest.fixture
def item(acme):
    return JobItemFactory(job=JobFactory(project=ProjectFactory(client_company=acme)))


def test_a_row_has_the_spec_shape(admin_api, admin_user, acme, item):
    action = JobActionFactory(
        title="Title of action",
        status="C",
        item=item,
        deadline=date(2013, 3, 8),
        assigned_to=admin_user,
        added_by=admin_user,
    )
    body = admin_api.get("jobactions").json()
    depot = {"email": "admin@studio.test", "name": "Alex Admin"}
    assert body == {
        "error": False,
        "rows": [
            {
                "id": action.pk,
                "name": "Title of action",
                "status": "C",
                "project": str(item.job.project_id),
                "job": str(item.job_id),
                "client": {"type": "C", "id": str(acme.pk), "name": "Joe Bloggs Inc"},
                "added": str(int(action.added.timestamp())),
                "deadline": str(int(datetime(2013, 3, 8, tzinfo=UTC).timestamp())),
                "assignedto": [depot],
                "addedby": depot,
            }
        ],
        "total": 1,
    }
    assert admin_api.get(f"jobactions/{action.pk}").json()["rows"] == body["rows"]
    unassigned = JobActionFactory()
    assert admin_api.get(f"jobactions/{unassigned.pk}").json()["rows"][0]["assignedto"] == []


def test_xml_has_the_spec_shape(admin_api, admin_user, item):
    JobActionFactory(item=item, assigned_to=admin_user)
    text = re.sub(r">\s+<", "><", admin_api.get("jobactions", fmt="xml").content.decode())
    assert (
        "<assignedto><item><email>admin@studio.test</email><name>Alex Admin</name></item>"
        "</assignedto><client>" in text
    )


def test_filters(admin_api, acme, item):
    dee = UserFactory(email="dee@studio.test")
    JobActionFactory(title="Alpha", item=item, assigned_to=dee)
    JobActionFactory(title="Bravo", item=JobItemFactory(job=item.job), status="C")
    JobActionFactory(title="Charlie", item=JobItemFactory(job=JobFactory(project=item.job.project)))
    JobActionFactory(title="Delta")
    assert names(admin_api) == ["Alpha", "Bravo", "Charlie", "Delta"]
    assert names(admin_api, search="ALP") == ["Alpha"]
    assert names(admin_api, item=item.pk) == ["Alpha"]
    assert names(admin_api, job=item.job_id) == ["Alpha", "Bravo"]
    assert names(admin_api, project=item.job.project_id) == ["Alpha", "Bravo", "Charlie"]
    assert names(admin_api, **{"for": f"C{acme.pk}"}) == ["Alpha", "Bravo", "Charlie"]
    assert names(admin_api, status="c") == ["Bravo"]
    assert names(admin_api, status="U") == ["Alpha", "Charlie", "Delta"]
    assert names(admin_api, assigned="dee@STUDIO.test") == ["Alpha"]
    assert names(admin_api, order="id", orderasc="false") == ["Delta", "Charlie", "Bravo", "Alpha"]
    body = admin_api.get("jobactions", {"rows": 1, "start": 2}).json()
    assert [row["name"] for row in body["rows"]] == ["Charlie"] and body["total"] == 4


@pytest.mark.parametrize(
    "params, field",
    [
        ({"status": "O"}, "status"),
        ({"item": "x"}, "item"),
        ({"job": "x"}, "job"),
        ({"project": "x"}, "project"),
        ({"for": "J1"}, "for"),
        ({"assigned": "nobody"}, "assigned"),
        ({"order": "colour"}, "order"),
    ],
)
def test_a_bad_filter_is_a_400_naming_it(admin_api, params, field):
    response = admin_api.get("jobactions", params)
    assert response.status_code == 400
    assert list(response.json()["fields"]) == [field]


def test_create_assigns_and_tells_the_assignee(admin_api, admin_user, item):
    dee = UserFactory(email="dee@studio.test")
    response = admin_api.post(
        "jobactions",
        {
            "title": "Call the client",
            "status": "U",
            "item": str(item.pk),
            "addedby": "admin@studio.test",
            "assignedto": "dee@studio.test",
            "deadline": "2030-05-01",
        },
    )
    assert response.status_code == 201, response.content
    action = JobAction.objects.get()
    assert response.json() == {"error": False, "id": action.pk}
    assert (action.item, action.assigned_to, action.added_by) == (item, dee, admin_user)
    assert action.deadline == date(2030, 5, 1)
    (notification,) = Notification.objects.filter(type="actionassigned")
    assert list(notification.users.all()) == [dee]


def test_the_item_may_be_the_object_itself(admin_api, item):
    # Relations come as an id or, in JSON, as the object {"id": N, ...} (DESIGN §8).
    body = {"title": "Call", "status": "U", "item": {"id": item.pk}, "addedby": "admin@studio.test"}
    response = admin_api.post("jobactions", body, as_json=True)
    assert response.status_code == 201, response.content
    assert JobAction.objects.get().item == item


def test_completing_tells_the_owner_not_the_caller(admin_api, admin_user):
    owner = UserFactory(email="owner@studio.test")
    action = JobActionFactory(added_by=owner, assigned_to=admin_user)
    response = admin_api.patch(f"jobactions/{action.pk}", {"status": "C"})
    assert response.status_code == 200
    action.refresh_from_db()
    assert action.status == "C" and action.completed is not None
    (notification,) = Notification.objects.filter(type="actioncompleted")
    assert list(notification.users.all()) == [owner]
    mine = JobActionFactory(added_by=admin_user)
    admin_api.patch(f"jobactions/{mine.pk}", {"status": "C"})
    assert Notification.objects.filter(type="actioncompleted").count() == 1


def test_required_fields_are_named(admin_api):
    response = admin_api.post("jobactions", {})
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"title", "status", "item", "addedby"}


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"status": "O"}, "status"),
        ({"item": "99999"}, "item"),
        ({"assignedto": "ghost@nowhere.test"}, "assignedto"),
        ({"deadline": "soon"}, "deadline"),
        ({"title": ""}, "title"),
    ],
)
def test_an_invalid_value_is_a_400_naming_its_field(admin_api, fields, field):
    action = JobActionFactory(title="Kept")
    response = admin_api.patch(f"jobactions/{action.pk}", fields)
    assert response.status_code == 400, response.content
    assert list(response.json()["fields"]) == [field]


def test_what_a_get_returns_can_be_sent_back(admin_api, admin_user):
    action = JobActionFactory(added_by=admin_user, assigned_to=admin_user)
    row = admin_api.get(f"jobactions/{action.pk}").json()["rows"][0]
    row["name"] = "Renamed"
    response = admin_api.patch(f"jobactions/{action.pk}", row, as_json=True)
    assert response.status_code == 200, response.content
    assert admin_api.get(f"jobactions/{action.pk}").json()["rows"][0] == row
    row["assignedto"] = []
    admin_api.patch(f"jobactions/{action.pk}", row, as_json=True)
    action.refresh_from_db()
    assert action.assigned_to is None


def test_delete_and_what_holds_an_action(admin_api):
    action = JobActionFactory(title="Logged")
    TimeEntryFactory(item=action.item, action=action)
    response = admin_api.delete(f"jobactions/{action.pk}")
    assert response.status_code == 400
    assert response.json()["errors"] == ["Logged can't be deleted while it has 1 time entry."]
    free = JobActionFactory()
    assert admin_api.delete(f"jobactions/{free.pk}").json() == {"error": False, "id": free.pk}
    for response in (
        admin_api.get(f"jobactions/{free.pk}"),
        admin_api.patch(f"jobactions/{free.pk}", {"title": "x"}),
        admin_api.delete(f"jobactions/{free.pk}"),
    ):
        assert response.status_code == 404
        assert response.json() == {"error": True, "msg": f"No job action with id {free.pk}."}


def test_permissions(restricted_api, collaborator_api, outsider, item):
    action = JobActionFactory()
    reader = credential_client(["projects:read"])
    assert reader.get("jobactions").status_code == 200
    assert reader.patch(f"jobactions/{action.pk}", {"status": "C"}).status_code == 401
    assert restricted_api.get("jobactions").status_code == 401
    # A collaborator's answers are their jobs' (test_api_collaborators.py).
    assert collaborator_api.get(f"jobactions/{action.pk}").status_code == 401
    assert collaborator_api.patch(f"jobactions/{action.pk}", {"status": "C"}).status_code == 401
    assert outsider.get("jobactions").status_code == 403


@pytest.mark.parametrize("count", [1, 50])
def test_list_queries_stay_flat(admin_api, django_assert_max_num_queries, count):
    dee = UserFactory()
    items = [JobItemFactory(), JobItemFactory()]
    for index in range(count):
        JobActionFactory(item=items[index % 2], assigned_to=dee if index % 3 else None)
    # token, its last use, the page, the count
    with django_assert_max_num_queries(4):
        body = admin_api.get("jobactions", {"rows": 100}).json()
    assert len(body["rows"]) == count and body["total"] == count
