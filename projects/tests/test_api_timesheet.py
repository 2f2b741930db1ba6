"""The Depot `timesheet` resource: the row's shape as in the spec's JSON and XML
examples, filters, ordering, pages, writes, errors naming fields, who sees whose
time (401), rounding, the 24-hour day and query counts."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from accounts.models import AccountSettings
from accounts.tests.factories import CollaboratorFactory, UserFactory
from conftest import credential_client, without_field_detail
from crm.tests.factories import CompanyFactory
from projects.models import JobItem, TimeEntry
from projects.tests.factories import ActivityTypeFactory, JobFactory, ProjectFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_api_rate_limit")]

DAY = date(2014, 2, 12)


def epoch(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


@pytest.fixture
def job():
    project = ProjectFactory(
        title="Project Title", client_company=CompanyFactory(name="Joe Bloggs Inc")
    )
    return JobFactory(title="Job title", project=project)


@pytest.fixture
def item(job):
    return JobItem.objects.create(job=job, title="Job item title", added_by=job.added_by)


def entry(user, target, day=DAY, hours="2.5", **fields):
    if isinstance(target, JobItem):
        columns = {
            "project_id": target.job.project_id,
            "job_id": target.job_id,
            "item_id": target.pk,
        }
    elif hasattr(target, "number"):
        columns = {"project_id": target.project_id, "job_id": target.pk}
    else:
        columns = {"project_id": target.pk}
    return TimeEntry.objects.create(
        user=user, date=day, hours=Decimal(hours), hours_entered=Decimal(hours), **columns, **fields
    )


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["rows"]]


# --- shapes ---------------------------------------------------------------------------


def test_a_row_has_the_spec_shape(admin_api, job, item):
    depot_user = UserFactory(email="hello@depothq.com", name="Depot")
    row = entry(depot_user, item)
    body = admin_api.get("timesheet").json()
    assert body == {
        "error": False,
        "rows": [
            {
                "id": row.pk,
                "notes": "",
                "user": {"email": "hello@depothq.com", "name": "Depot"},
                "date": epoch(DAY),
                "hours": 2.5,
                "isinternal": False,
                "activitytype": "",
                "activitytitle": "",
                "added": int(row.added.timestamp()),
                "jobitem": {"id": str(item.pk), "title": "Job item title"},
                "job": {"id": str(job.pk), "title": "Job title"},
                "project": {"id": str(job.project_id), "title": "Project Title"},
                "client": {
                    "type": "C",
                    "id": str(job.project.client_company_id),
                    "name": "Joe Bloggs Inc",
                },
            }
        ],
        "total": 1,
    }


def test_activity_type_and_a_project_level_entry(admin_api, job):
    kind = ActivityTypeFactory(name="Design")
    entry(UserFactory(), job.project, activity_type=kind, is_internal=True)
    (row,) = admin_api.get("timesheet").json()["rows"]
    assert (row["activitytype"], row["activitytitle"], row["isinternal"]) == (
        str(kind.pk),
        "Design",
        True,
    )
    assert row["jobitem"] is None and row["job"] is None


def test_xml(admin_api, job, item):
    row = entry(UserFactory(email="hello@depothq.com", name="Depot"), item)
    xml = admin_api.get(f"timesheet/{row.pk}", fmt="xml").content.decode()
    client_id = job.project.client_company_id
    assert xml == (
        '<?xml version="1.0" encoding="UTF-8"?>\n<response>\n   <error>false</error>\n'
        "   <rows>\n      <item>\n"
        "         <activitytitle />\n"
        "         <activitytype />\n"
        f"         <added>{int(row.added.timestamp())}</added>\n"
        f"         <client>\n            <id>{client_id}</id>\n"
        "            <name>Joe Bloggs Inc</name>\n            <type>C</type>\n         </client>\n"
        f"         <date>{epoch(DAY)}</date>\n"
        "         <hours>2.5</hours>\n"
        f"         <id>{row.pk}</id>\n"
        "         <isinternal>false</isinternal>\n"
        f"         <job>\n            <id>{job.pk}</id>\n            <title>Job title</title>\n"
        "         </job>\n"
        f"         <jobitem>\n            <id>{item.pk}</id>\n"
        "            <title>Job item title</title>\n         </jobitem>\n"
        "         <notes />\n"
        f"         <project>\n            <id>{job.project_id}</id>\n"
        "            <title>Project Title</title>\n         </project>\n"
        "         <user>\n            <email>hello@depothq.com</email>\n"
        "            <name>Depot</name>\n         </user>\n"
        "      </item>\n   </rows>\n</response>\n"
    )


# --- filters, order, pages --------------------------------------------------------------


def test_filters(admin_api, job, item):
    other_job = JobFactory()
    ann, bo = UserFactory(email="ann@studio.test"), UserFactory(email="bo@studio.test")
    kind = ActivityTypeFactory()
    on_item = entry(ann, item, day=date(2014, 2, 1), activity_type=kind)
    on_job = entry(bo, job, day=date(2014, 2, 10))
    elsewhere = entry(ann, other_job, day=date(2014, 3, 1))
    assert ids(admin_api.get("timesheet", {"project": job.project_id})) == [on_item.pk, on_job.pk]
    assert ids(admin_api.get("timesheet", {"job": job.pk})) == [on_item.pk, on_job.pk]
    assert ids(admin_api.get("timesheet", {"item": item.pk})) == [on_item.pk]
    assert ids(admin_api.get("timesheet", {"user": "ANN@studio.test"})) == [
        on_item.pk,
        elsewhere.pk,
    ]
    assert ids(admin_api.get("timesheet", {"type": kind.pk})) == [on_item.pk]
    window = {"from": epoch(date(2014, 2, 5)), "to": epoch(date(2014, 3, 1))}
    assert ids(admin_api.get("timesheet", window)) == [on_job.pk, elsewhere.pk]
    assert ids(admin_api.get("timesheet", {"job": 99999999999999999999})) == []


@pytest.mark.parametrize(
    ("params", "sentence"),
    [
        ({"user": "not an email"}, "user must be a valid email address."),
        ({"from": "yesterday"}, "from must be a whole number."),
        ({"job": "J3"}, "job must be a whole number."),
        ({"order": "colour"}, None),
        ({"rows": "0"}, "rows must be a whole number between 1 and 1000."),
    ],
)
def test_bad_filters_are_400s(admin_api, params, sentence):
    response = admin_api.get("timesheet", params)
    assert response.status_code == 400
    if sentence:
        assert without_field_detail(response)["errors"] == [sentence]


def test_order_and_pages(admin_api, job):
    alice, zed = UserFactory(name="Alice"), UserFactory(name="Zed")
    first = entry(zed, job, day=date(2014, 1, 1), hours="3")
    second = entry(alice, job, day=date(2014, 1, 2), hours="1")
    third = entry(alice, job, day=date(2014, 1, 3), hours="2")
    assert ids(admin_api.get("timesheet")) == [first.pk, second.pk, third.pk]
    assert ids(admin_api.get("timesheet", {"orderasc": "false"})) == [third.pk, second.pk, first.pk]
    assert ids(admin_api.get("timesheet", {"order": "hours"})) == [second.pk, third.pk, first.pk]
    assert ids(admin_api.get("timesheet", {"order": "name"})) == [second.pk, third.pk, first.pk]
    page = admin_api.get("timesheet", {"rows": 2, "start": 1}).json()
    assert [row["id"] for row in page["rows"]] == [second.pk, third.pk]
    assert page["total"] == 3


@pytest.mark.parametrize("count", [1, 50])
def test_the_list_reads_in_a_fixed_number_of_queries(
    admin_api, item, count, django_assert_max_num_queries
):
    kind = ActivityTypeFactory()
    for _ in range(count):
        entry(UserFactory(), item, activity_type=kind)
    # Authentication (token and user, last used), the page, and the total.
    with django_assert_max_num_queries(5):
        response = admin_api.get("timesheet", {"rows": 100})
    assert len(response.json()["rows"]) == count


# --- one, writes ------------------------------------------------------------------------


def test_get_one_and_404(admin_api, job):
    row = entry(UserFactory(), job)
    assert ids(admin_api.get(f"timesheet/{row.pk}")) == [row.pk]
    assert admin_api.get("timesheet/999999").status_code == 404
    assert admin_api.patch("timesheet/999999", {"hours": "1"}).status_code == 404
    assert admin_api.delete("timesheet/999999").status_code == 404


def test_post_patch_delete(admin_api, admin_user, item):
    kind = ActivityTypeFactory()
    response = admin_api.post(
        "timesheet",
        {
            "date": epoch(DAY),
            "hours": "1.25",
            "userid": admin_user.email,
            "job": f"T{item.pk}",
            "notes": "Wireframes",
            "type": str(kind.pk),
        },
    )
    assert response.status_code == 201, response.content
    created = TimeEntry.objects.get(pk=response.json()["id"])
    assert (created.date, created.hours, created.item, created.activity_type) == (
        DAY,
        Decimal("1.25"),
        item,
        kind,
    )
    response = admin_api.patch(
        f"timesheet/{created.pk}", {"hours": "2", "job": f"p{item.job.project_id}"}
    )
    assert response.json() == {"error": False, "id": created.pk}
    created.refresh_from_db()
    assert (created.hours, created.item, created.job) == (Decimal(2), None, None)
    assert admin_api.delete(f"timesheet/{created.pk}").json() == {"error": False, "id": created.pk}
    assert not TimeEntry.objects.exists()


def test_a_row_sent_back_as_read_changes_nothing(admin_api, item):
    row = entry(UserFactory(), item, notes="As it was")
    read = admin_api.get(f"timesheet/{row.pk}").json()["rows"][0]
    response = admin_api.patch(f"timesheet/{row.pk}", read, as_json=True)
    assert response.status_code == 200, response.content
    row.refresh_from_db()
    assert (row.item, row.hours, row.notes) == (item, Decimal("2.50"), "As it was")


def test_validation_errors_name_their_fields(admin_api, job):
    response = admin_api.post(
        "timesheet",
        {"date": "someday", "hours": "-1", "userid": "ghost@studio.test", "job": "Q1", "type": "9"},
    )
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"date"}
    response = admin_api.post(
        "timesheet",
        {
            "date": "2014-02-12",
            "hours": "-1",
            "userid": "ghost@studio.test",
            "job": "Q1",
            "type": "9",
        },
    )
    assert set(response.json()["fields"]) == {"hours", "userid", "job", "type"}
    response = admin_api.post("timesheet", {})
    assert set(response.json()["fields"]) == {"date", "hours", "userid", "job"}


def test_rounding_and_the_24_hour_day(admin_api, admin_user, job):
    account = AccountSettings.load()
    account.timeround = 15
    account.save()
    body = {"date": "2014-02-12", "userid": admin_user.email, "job": f"J{job.pk}"}
    response = admin_api.post("timesheet", {**body, "hours": "1.1"})
    (row,) = admin_api.get(f"timesheet/{response.json()['id']}").json()["rows"]
    assert row["hours"] == 1.25
    response = admin_api.post("timesheet", {**body, "hours": "23"})
    assert response.status_code == 400
    assert without_field_detail(response)["errors"] == [
        "hours: 1.25 hours are already logged on 2014-02-12, and a day has 24; at most "
        "22.75 more can be logged."
    ]


# --- who ------------------------------------------------------------------------------


def test_people_without_the_timesheets_area_see_and_log_their_own(restricted_to, bearer_for, job):
    mine = restricted_to("projects", email="own@studio.test")
    api = bearer_for(mine)
    own = entry(mine, job)
    theirs = entry(UserFactory(email="other@studio.test"), job)
    assert ids(api.get("timesheet")) == [own.pk]
    assert api.get("timesheet", {"user": "other@studio.test"}).status_code == 401
    assert api.get(f"timesheet/{theirs.pk}").status_code == 401
    assert api.patch(f"timesheet/{theirs.pk}", {"hours": "1"}).status_code == 401
    assert api.delete(f"timesheet/{theirs.pk}").status_code == 401
    body = {"date": "2014-02-12", "hours": "1", "job": f"J{job.pk}"}
    assert api.post("timesheet", {**body, "userid": "other@studio.test"}).status_code == 401
    assert api.post("timesheet", {**body, "userid": mine.email}).status_code == 201


def test_collaborators_only_on_their_jobs(bearer_for, job):
    other = JobFactory()
    cole = CollaboratorFactory(email="cole@freelance.test", collaborator_jobs=[job.pk])
    api = bearer_for(cole)
    mine = entry(cole, job)
    entry(cole, other)
    assert ids(api.get("timesheet")) == [mine.pk]
    assert ids(api.get("timesheet", {"job": job.pk})) == [mine.pk]
    assert api.get("timesheet", {"job": other.pk}).status_code == 401
    body = {"date": "2014-02-12", "hours": "1", "userid": cole.email}
    assert api.post("timesheet", {**body, "job": f"J{other.pk}"}).status_code == 401
    assert api.post("timesheet", {**body, "job": f"J{job.pk}"}).status_code == 201


def test_credentials_need_the_timesheets_scope(outsider, job):
    entry(UserFactory(), job)
    assert credential_client(["projects:write"]).get("timesheet").status_code == 401
    reader = credential_client(["timesheets:read"])
    assert len(ids(reader.get("timesheet"))) == 1
    body = {"date": "2014-02-12", "hours": "1", "userid": UserFactory().email, "job": f"J{job.pk}"}
    assert reader.post("timesheet", body).status_code == 401
    assert credential_client(["timesheets:write"]).post("timesheet", body).status_code == 201
    assert outsider.get("timesheet").status_code == 403


# --- the users API checks a collaborator's jobs -----------------------------------------


def test_a_collaborators_jobs_must_exist(depot, job):
    response = depot.post(
        "users",
        {"email": "c@freelance.test", "name": "C", "collaborator": "1", "jobs": f"{job.pk},987654"},
    )
    assert response.status_code == 400
    assert without_field_detail(response)["errors"] == ["jobs: there is no job 987654."]
    response = depot.post(
        "users",
        {"email": "c@freelance.test", "name": "C", "collaborator": "1", "jobs": str(job.pk)},
    )
    assert response.status_code == 201


# --- time holds its project and job -----------------------------------------------------


def test_a_project_or_job_with_time_is_not_deleted(admin_api, job):
    entry(UserFactory(), job)
    response = admin_api.delete(f"jobs/{job.pk}")
    assert response.status_code == 400
    assert without_field_detail(response)["errors"] == [
        "Job title can't be deleted while it has 1 time entry."
    ]
    project = ProjectFactory(title="Solo")
    entry(UserFactory(), project)
    entry(UserFactory(), project)
    response = admin_api.delete(f"projects/{project.pk}")
    assert without_field_detail(response)["errors"] == [
        "Solo can't be deleted while it has 2 time entries."
    ]
