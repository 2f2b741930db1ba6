"""The Depot `jobitems` resource: the row's shape as in the spec's JSON and XML
examples (hours rolled up from time entries), filters, ordering, pages, writes,
errors naming fields, permissions by scope and query counts."""

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import Notification
from accounts.tests.factories import UserFactory
from conftest import as_php_form, credential_client, without_field_detail
from crm.tests.factories import CompanyFactory, ContactFactory
from projects.models import JobItem
from projects.tests.factories import (
    JobActionFactory,
    JobFactory,
    JobItemFactory,
    ProjectFactory,
    TimeEntryFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_api_rate_limit")]


def names(client, **params):
    response = client.get("jobitems", params)
    assert response.status_code == 200, response.content
    return [row["name"] for row in response.json()["rows"]]


@pytest.fixture
def acme():
    return CompanyFactory(name="Joe Bloggs Inc")


@pytest.fixture
def job(acme):
    return JobFactory(project=ProjectFactory(client_company=acme))


def payload(job, **fields):
    return {
        "title": "Quoted Work",
        "status": "O",
        "job": str(job.pk),
        "type": "hourly",
        "hours": "21",
        "rate": "50",
        "addedby": "admin@studio.test",
        **fields,
    }


def epoch(day: date) -> str:
    return str(int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()))


# --- shapes -----------------------------------------------------------------------


def test_a_row_has_the_spec_shape(admin_api, admin_user, acme, job):
    item = JobItemFactory(
        title="Quoted Work",
        status="F",
        job=job,
        hours=21,
        rate=50,
        start=date(2012, 1, 26),
        deadline=date(2012, 1, 26),
        added_by=admin_user,
    )
    TimeEntryFactory(item=item, hours=Decimal("1.25"))
    action = JobActionFactory(item=item, title="Check", assigned_to=admin_user)
    TimeEntryFactory(item=item, action=action, hours=Decimal("0.5"))
    TimeEntryFactory(item=JobItemFactory(job=job), hours=3)  # another item's
    body = admin_api.get("jobitems", {"job": job.pk, "search": "quoted"}).json()
    assert body == {
        "error": False,
        "rows": [
            {
                "id": item.pk,
                "name": "Quoted Work",
                "description": "",
                "status": "F",
                "project": str(job.project_id),
                "job": str(job.pk),
                "hours": {"allocated": 21, "logged": 1.75, "remaining": 19.25},
                "client": {"type": "C", "id": str(acme.pk), "name": "Joe Bloggs Inc"},
                "added": str(int(item.added.timestamp())),
                "start": epoch(date(2012, 1, 26)),
                "deadline": epoch(date(2012, 1, 26)),
                "team": [],
                "type": "hourly",
                "actions": [admin_api.get(f"jobactions/{action.pk}").json()["rows"][0]],
                "hasactions": True,
                "order": "1",
                "category": None,
                "rate": 50,
                "taxcode": None,
                "actioncount": 1,
            }
        ],
        "total": 1,
    }
    assert admin_api.get(f"jobitems/{item.pk}").json() == {"error": False, "rows": body["rows"]}


def test_fixed_items_allocate_no_hours(admin_api, job):
    item = JobItemFactory(job=job, type="fixed", hours=3, ledger="4000", taxcode="S")
    row = admin_api.get(f"jobitems/{item.pk}").json()["rows"][0]
    assert row["hours"] == {"allocated": 0, "logged": 0, "remaining": 0}
    assert (row["category"], row["taxcode"]) == ("4000", "S")


def test_xml_has_the_spec_shape(admin_api, job):
    JobItemFactory(title="Quoted Work", job=job, hours=21)
    response = admin_api.get("jobitems", fmt="xml")
    assert response.status_code == 200
    text = re.sub(r">\s+<", "><", response.content.decode())
    assert "<actioncount>0</actioncount><actions /><added>" in text
    assert '<category null="true" /><client>' in text
    assert "<description /><hasactions>false</hasactions>" in text
    assert (
        "<hours><allocated>21</allocated><logged>0</logged><remaining>21</remaining></hours>"
        in text
    )
    assert '<taxcode null="true" /><team /><type>hourly</type>' in text


# --- filters, ordering and pages --------------------------------------------------


def test_filters(admin_api, acme, job):
    dee = UserFactory(email="dee@studio.test")
    a = JobItemFactory(title="Alpha", job=job, status="O")
    JobActionFactory(item=a, assigned_to=dee)
    JobItemFactory(title="Bravo", job=JobFactory(project=job.project), status="H")
    JobItemFactory(title="Charlie", status="H")
    assert names(admin_api) == ["Alpha", "Bravo", "Charlie"]
    assert names(admin_api, search="RAV") == ["Bravo"]
    assert names(admin_api, job=job.pk) == ["Alpha"]
    assert names(admin_api, project=job.project_id) == ["Alpha", "Bravo"]
    assert names(admin_api, **{"for": f"C{acme.pk}"}) == ["Alpha", "Bravo"]
    assert names(admin_api, status="h") == ["Bravo", "Charlie"]
    assert names(admin_api, actionassignedto="DEE@studio.test") == ["Alpha"]
    assert names(admin_api, hasactions="true") == ["Alpha"]
    assert names(admin_api, hasactions="false") == ["Bravo", "Charlie"]
    assert names(admin_api, job=99999999999999999999) == []


def test_ordering_and_pages(admin_api, job):
    for title, days in (("Bravo", 3), ("alpha", 1), ("Charlie", 2)):
        JobItemFactory(title=title, job=job, deadline=timezone.localdate() + timedelta(days))
    assert names(admin_api) == ["alpha", "Bravo", "Charlie"]
    assert names(admin_api, order="deadline") == ["alpha", "Charlie", "Bravo"]
    assert names(admin_api, order="order", orderasc="false") == ["Charlie", "alpha", "Bravo"]
    body = admin_api.get("jobitems", {"order": "deadline", "rows": 1, "start": 1}).json()
    assert [row["name"] for row in body["rows"]] == ["Charlie"] and body["total"] == 3


@pytest.mark.parametrize(
    "params, field",
    [
        ({"status": "X"}, "status"),
        ({"for": "P1"}, "for"),
        ({"job": "abc"}, "job"),
        ({"project": "abc"}, "project"),
        ({"actionassignedto": "nobody"}, "actionassignedto"),
        ({"hasactions": "maybe"}, "hasactions"),
        ({"order": "colour"}, "order"),
        ({"rows": "0"}, "rows"),
    ],
)
def test_a_bad_filter_is_a_400_naming_it(admin_api, params, field):
    response = admin_api.get("jobitems", params)
    assert response.status_code == 400
    assert list(response.json()["fields"]) == [field]


# --- writes -----------------------------------------------------------------------


def test_create_answers_201_and_tells_the_team(admin_api, admin_user, job):
    dee = UserFactory(email="dee@studio.test")
    JobItemFactory(job=job)
    response = admin_api.post(
        "jobitems",
        payload(
            job,
            description="Words",
            team=f"dee@studio.test,{admin_user.pk}",
            start="2014-01-01",
            deadline="1391133600",
        ),
    )
    assert response.status_code == 201, response.content
    item = JobItem.objects.get(title="Quoted Work")
    assert response.json() == {"error": False, "id": item.pk}
    assert (item.job, item.order, item.hours, item.rate) == (job, 2, 21, 50)
    assert (item.start, item.deadline) == (date(2014, 1, 1), date(2014, 1, 31))
    assert set(item.team.all()) == {dee, admin_user}
    (notification,) = Notification.objects.filter(type="teamadd")
    assert list(notification.users.all()) == [dee]  # not the caller


def test_create_in_json_and_xml(admin_api, job):
    assert admin_api.post("jobitems", payload(job), as_json=True).status_code == 201
    response = admin_api.post("jobitems", payload(job), fmt="xml")
    assert response.status_code == 201
    assert f"<id>{JobItem.objects.order_by('-id')[0].pk}</id>" in response.content.decode()


def test_the_job_may_be_the_object_itself(admin_api, job):
    # Relations come as an id or, in JSON, as the object {"id": N, ...} (DESIGN §8).
    response = admin_api.post("jobitems", {**payload(job), "job": {"id": job.pk}}, as_json=True)
    assert response.status_code == 201, response.content
    assert JobItem.objects.get(pk=response.json()["id"]).job == job


def test_required_fields_are_named(admin_api):
    response = admin_api.post("jobitems", {})
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {
        "title",
        "status",
        "job",
        "type",
        "hours",
        "rate",
        "addedby",
    }


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"status": "Z"}, "status"),
        ({"type": "daily"}, "type"),
        ({"job": "99999"}, "job"),
        ({"hours": "-1"}, "hours"),
        ({"hours": "1e9"}, "hours"),
        ({"rate": "-5"}, "rate"),
        ({"team": "ghost@nowhere.test"}, "team"),
        ({"order": "-1"}, "order"),
        ({"deadline": "someday"}, "deadline"),
        ({"title": "x" * 201}, "title"),
        ({"taxcode": "x" * 21}, "taxcode"),
    ],
)
def test_an_invalid_value_is_a_400_naming_its_field(admin_api, fields, field):
    item = JobItemFactory(title="Kept")
    response = admin_api.patch(f"jobitems/{item.pk}", fields)
    assert response.status_code == 400, response.content
    assert list(response.json()["fields"]) == [field]
    item.refresh_from_db()
    assert item.title == "Kept"


def test_an_unknown_tax_code_is_a_400_naming_it(admin_api):
    item = JobItemFactory()
    response = admin_api.patch(f"jobitems/{item.pk}", {"taxcode": "NOPE"})
    assert response.status_code == 400
    assert response.json()["errors"] == ["taxcode: no tax code with the code NOPE."]


def test_an_unknown_field_is_a_400_naming_it(admin_api, job):
    response = admin_api.post("jobitems", payload(job, colour="red"))
    assert response.status_code == 400
    assert without_field_detail(response)["errors"][0].startswith("colour is not a field")


def test_what_a_get_returns_can_be_sent_back(admin_api, admin_user):
    item = JobItemFactory(added_by=admin_user, team=[admin_user], hours="2.5")
    JobActionFactory(item=item)
    row = admin_api.get(f"jobitems/{item.pk}").json()["rows"][0]
    row["name"] = "Renamed"
    response = admin_api.patch(f"jobitems/{item.pk}", row, as_json=True)
    assert response.status_code == 200, response.content
    after = admin_api.get(f"jobitems/{item.pk}").json()["rows"][0]
    assert after == {**row, "name": "Renamed"}


def test_what_a_get_returns_can_be_sent_back_in_a_form_body(admin_api, admin_user):
    item = JobItemFactory(added_by=admin_user, team=[admin_user], hours="2.5")
    JobActionFactory(item=item)
    row = admin_api.get(f"jobitems/{item.pk}").json()["rows"][0]
    response = admin_api.patch(f"jobitems/{item.pk}", as_php_form(row))
    assert response.status_code == 200, response.content
    assert admin_api.get(f"jobitems/{item.pk}").json()["rows"][0] == row


def test_a_fixed_items_row_sent_back_keeps_its_quantity(admin_api, admin_user):
    # Its row's hours read 0 allocated (only hourly items allocate hours), which is
    # not its quantity: sent back, the row must not set the quantity to 0.
    item = JobItemFactory(type="fixed", added_by=admin_user, hours="3")
    row = admin_api.get(f"jobitems/{item.pk}").json()["rows"][0]
    assert admin_api.patch(f"jobitems/{item.pk}", row, as_json=True).status_code == 200
    assert admin_api.patch(f"jobitems/{item.pk}", as_php_form(row)).status_code == 200
    item.refresh_from_db()
    assert item.hours == 3
    # Turned hourly, the hours it reads are its hours.
    response = admin_api.patch(
        f"jobitems/{item.pk}", {"type": "hourly", "hours": {"allocated": 5}}, as_json=True
    )
    assert response.status_code == 200
    item.refresh_from_db()
    assert (item.type, item.hours) == ("hourly", 5)
    response = admin_api.post(
        "jobitems",
        {**payload(item.job), "type": "external", "hours": {"allocated": 0}},
        as_json=True,
    )
    assert response.json()["fields"] == {"hours": ["hours is required."]}


def test_delete_and_what_holds_an_item(admin_api):
    item = JobItemFactory(title="Held")
    TimeEntryFactory(item=item)
    response = admin_api.delete(f"jobitems/{item.pk}")
    assert response.status_code == 400
    assert response.json()["errors"] == ["Held can't be deleted while it has 1 time entry."]
    free = JobItemFactory()
    assert admin_api.delete(f"jobitems/{free.pk}").json() == {"error": False, "id": free.pk}
    assert admin_api.get(f"jobitems/{free.pk}").status_code == 404


def test_an_unknown_item_is_404_saying_which_id(admin_api):
    for response in (
        admin_api.get("jobitems/99999"),
        admin_api.patch("jobitems/99999", {"title": "x"}),
        admin_api.delete("jobitems/99999"),
    ):
        assert response.status_code == 404
        assert response.json() == {"error": True, "msg": "No job item with id 99999."}


# --- who may call -----------------------------------------------------------------


def test_credentials_need_the_projects_scopes(job):
    item = JobItemFactory()
    author = UserFactory(email="author@studio.test")
    reader = credential_client(["projects:read"])
    assert reader.get("jobitems").status_code == 200
    assert reader.get(f"jobitems/{item.pk}").status_code == 200
    assert reader.post("jobitems", payload(job, addedby=author.email)).status_code == 401
    assert reader.delete(f"jobitems/{item.pk}").status_code == 401
    assert credential_client(["contacts:write"]).get("jobitems").status_code == 401
    writer = credential_client(["projects:write", "users:read"])
    assert writer.post("jobitems", payload(job, addedby=author.email)).status_code == 201


def test_users_need_the_projects_area(restricted_api, collaborator_api):
    item = JobItemFactory()
    assert restricted_api.get("jobitems").status_code == 401
    # Collaborators read their own jobs' items (test_api_collaborators.py), change none.
    for client in (restricted_api, collaborator_api):
        assert client.get(f"jobitems/{item.pk}").status_code == 401
        assert client.patch(f"jobitems/{item.pk}", {"title": "x"}).status_code == 401


def test_no_credentials_get_403(outsider):
    assert outsider.get("jobitems").status_code == 403


# --- query counts -----------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 50])
def test_list_queries_stay_flat(admin_api, django_assert_max_num_queries, count):
    team = [UserFactory(), UserFactory()]
    jobs = [
        JobFactory(),
        JobFactory(project=ProjectFactory(client_contact=ContactFactory(), client_company=None)),
    ]
    for index in range(count):
        item = JobItemFactory(job=jobs[index % 2], team=team)
        JobActionFactory(item=item, assigned_to=team[0])
        TimeEntryFactory(item=item)
    # token, its last use, the page (hours and action counts inside), its team, its
    # actions, the count
    with django_assert_max_num_queries(6):
        body = admin_api.get("jobitems", {"rows": 100}).json()
    assert len(body["rows"]) == count and body["total"] == count
    assert all(row["hours"]["logged"] == 1.5 and len(row["actions"]) == 1 for row in body["rows"])
