"""The Depot `jobs` resource: the row's shape as in the spec's JSON and XML examples,
filters, ordering, pages, writes, errors naming fields, permissions by scope and
query counts; and a project with jobs refusing deletion through the API."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from conftest import as_php_form, credential_client, without_field_detail
from crm.models import Activity
from crm.tests.factories import ActivityFactory, CompanyFactory, ContactFactory
from projects.models import Job, Project
from projects.tests.factories import JobFactory, ProjectFactory

# The rate limit has tests of its own; here it would only add a statement to
# the query counts.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_api_rate_limit")]


def names(client, **params):
    response = client.get("jobs", params)
    assert response.status_code == 200, response.content
    return [row["name"] for row in response.json()["rows"]]


@pytest.fixture
def acme():
    return CompanyFactory(name="Joe Bloggs Inc")


@pytest.fixture
def project(acme):
    return ProjectFactory(title="Project name", client_company=acme)


def payload(project, **fields):
    return {"title": "Job name", "status": "O", "project": str(project.pk), **fields}


# --- shapes -----------------------------------------------------------------------


def test_a_row_has_the_spec_shape(admin_api, admin_user, acme, project):
    designer = UserFactory(email="dee@studio.test", name="Dee Designer")
    person = ContactFactory(fullname="Pat Client")
    job = JobFactory(
        title="Job name",
        status="F",
        project=project,
        added_by=admin_user,
        deadline=date(2014, 1, 31),
        discount=0,
        team=[designer, admin_user],
        contacts=[person],
    )
    body = admin_api.get("jobs").json()
    assert body == {
        "error": False,
        "rows": [
            {
                "id": job.pk,
                "idinproject": 1,
                "name": "Job name",
                "status": "F",
                "project": str(project.pk),
                "projecttitle": "Project name",
                "hours": {"allocated": 0, "logged": 0, "remaining": 0},
                "client": {"type": "C", "id": str(acme.pk), "name": "Joe Bloggs Inc"},
                "start": str(int(job.added.timestamp())),
                "deadline": str(int(datetime(2014, 1, 31, tzinfo=UTC).timestamp())),
                "items": [],
                "team": [
                    {"email": "admin@studio.test", "name": "Alex Admin"},
                    {"email": "dee@studio.test", "name": "Dee Designer"},
                ],
                "contacts": [{"id": person.pk, "name": "Pat Client"}],
                "order": "1",
                "discount": 0,
                "addedby": {"email": "admin@studio.test", "name": "Alex Admin"},
            }
        ],
        "total": 1,
    }
    assert admin_api.get(f"jobs/{job.pk}").json() == {"error": False, "rows": body["rows"]}


def test_a_person_as_client_a_discount_and_the_brief_on_request(admin_api):
    person = ContactFactory(fullname="Sam Solo")
    project = ProjectFactory(client_company=None, client_contact=person)
    job = JobFactory(project=project, brief="Make it pop", discount="12.50")
    row = admin_api.get(f"jobs/{job.pk}").json()["rows"][0]
    assert row["client"] == {"type": "I", "id": str(person.pk), "name": "Sam Solo"}
    assert row["discount"] == 12.5
    assert "brief" not in row
    row = admin_api.get(f"jobs/{job.pk}", {"brief": "true"}).json()["rows"][0]
    assert row["brief"] == "Make it pop"


def test_xml_has_the_spec_shape(admin_api, admin_user, acme, project):
    job = JobFactory(title="Job name", project=project, team=[admin_user])
    response = admin_api.get("jobs", fmt="xml")
    assert response.status_code == 200
    text = re.sub(r">\s+<", "><", response.content.decode())
    assert f"<client><id>{acme.pk}</id><name>Joe Bloggs Inc</name><type>C</type></client>" in text
    assert "<contacts /><deadline>" in text
    assert (
        "<discount>0</discount><hours><allocated>0</allocated><logged>0</logged>"
        "<remaining>0</remaining></hours>" in text
    )
    assert f"<id>{job.pk}</id><idinproject>1</idinproject><items />" in text
    assert (
        f"<name>Job name</name><order>1</order><project>{project.pk}</project>"
        "<projecttitle>Project name</projecttitle><start>" in text
    )
    assert (
        "<team><item><email>admin@studio.test</email><name>Alex Admin</name></item></team>" in text
    )
    assert "</rows><total>1</total></response>" in text


# --- filters, ordering and pages --------------------------------------------------


def test_search_matches_the_title(admin_api):
    JobFactory(title="Homepage design")
    JobFactory(title="Print run")
    assert names(admin_api, search="DESIGN") == ["Homepage design"]


def test_project_filter(admin_api, project):
    JobFactory(title="In it", project=project)
    JobFactory(title="Elsewhere")
    assert names(admin_api, project=project.pk) == ["In it"]
    assert names(admin_api, project=99999) == []
    assert names(admin_api, project="99999999999999999999") == []


def test_for_picks_the_client_of_the_jobs_project(admin_api, acme, project):
    person = ContactFactory()
    JobFactory(title="For the company", project=project)
    JobFactory(
        title="For the person", project=ProjectFactory(client_company=None, client_contact=person)
    )
    JobFactory(title="Someone else's")
    assert names(admin_api, **{"for": f"C{acme.pk}"}) == ["For the company"]
    assert names(admin_api, **{"for": f"i{person.pk}"}) == ["For the person"]
    assert names(admin_api, **{"for": "C99999999999999999999"}) == []


def test_status_filters_one_or_several(admin_api):
    for status in "OHPCF":
        JobFactory(title=f"Status {status}", status=status)
    assert len(names(admin_api)) == 5
    assert names(admin_api, status="f") == ["Status F"]
    assert names(admin_api, status="O,H") == ["Status H", "Status O"]


def test_ordering_and_pages(admin_api, project):
    for title, days, order in (("Bravo", 3, 2), ("alpha", 1, 3), ("Charlie", 2, 1)):
        JobFactory(
            title=title,
            project=project,
            order=order,
            deadline=timezone.localdate() + timedelta(days=days),
        )
    assert names(admin_api) == ["alpha", "Bravo", "Charlie"]  # by name, whatever the case
    assert names(admin_api, order="deadline") == ["alpha", "Charlie", "Bravo"]
    assert names(admin_api, order="deadline", orderasc="false") == ["Bravo", "Charlie", "alpha"]
    assert names(admin_api, order="order") == ["Charlie", "Bravo", "alpha"]
    body = admin_api.get("jobs", {"order": "deadline", "rows": 1, "start": 1}).json()
    assert [row["name"] for row in body["rows"]] == ["Charlie"]
    assert body["total"] == 3
    ids = [row["id"] for row in admin_api.get("jobs", {"order": "id"}).json()["rows"]]
    assert ids == sorted(ids)


@pytest.mark.parametrize(
    "params, field",
    [
        ({"status": "X"}, "status"),
        ({"for": "P1"}, "for"),
        ({"project": "abc"}, "project"),
        ({"order": "colour"}, "order"),
        ({"rows": "0"}, "rows"),
        ({"brief": "maybe"}, "brief"),
    ],
)
def test_a_bad_filter_is_a_400_naming_it(admin_api, params, field):
    response = admin_api.get("jobs", params)
    assert response.status_code == 400
    body = response.json()
    assert body["error"] is True and body["msg"] == "Validation errors"
    assert list(body["fields"]) == [field]
    assert body["errors"][0].startswith(field)


# --- writes -----------------------------------------------------------------------


def test_create_answers_201_with_the_id(admin_api, admin_user, project):
    dee = UserFactory(email="dee@studio.test")
    person = ContactFactory()
    JobFactory(project=project)
    response = admin_api.post(
        "jobs",
        payload(
            project,
            addedby="admin@studio.test",
            brief="The brief",
            deadline="1391133600",
            discount="5.5",
            team=f"dee@studio.test,{admin_user.pk}",
            contacts=str(person.pk),
        ),
    )
    assert response.status_code == 201, response.content
    job = Job.objects.get(title="Job name")
    assert response.json() == {"error": False, "id": job.pk}
    assert (job.project, job.status, job.number, job.order) == (project, "O", 2, 2)
    assert job.added_by == admin_user and job.deadline == date(2014, 1, 31)
    assert str(job.discount) == "5.50" and job.brief == "The brief"
    assert set(job.team.all()) == {dee, admin_user}
    assert list(job.contacts.all()) == [person]


def test_create_in_json_and_xml(admin_api, project):
    response = admin_api.post("jobs", payload(project, addedby="admin@studio.test"), as_json=True)
    assert response.status_code == 201
    response = admin_api.post("jobs", payload(project, addedby="admin@studio.test"), fmt="xml")
    assert response.status_code == 201
    assert f"<id>{Job.objects.order_by('-id')[0].pk}</id>" in response.content.decode()


def test_the_project_may_be_the_object_itself(admin_api, project):
    # Relations come as an id or, in JSON, as the object {"id": N, ...} (DESIGN §8).
    body = {**payload(project, addedby="admin@studio.test"), "project": {"id": project.pk}}
    response = admin_api.post("jobs", body, as_json=True)
    assert response.status_code == 201, response.content
    assert Job.objects.get(pk=response.json()["id"]).project == project


def test_required_fields_are_named(admin_api):
    response = admin_api.post("jobs", {})
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"title", "status", "project", "addedby"}
    assert not Job.objects.exists()


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"status": "Z"}, "status"),
        ({"project": "99999"}, "project"),
        ({"project": "abc"}, "project"),
        ({"team": "99999"}, "team"),
        ({"team": "ghost@nowhere.test"}, "team"),
        ({"contacts": "99999"}, "contacts"),
        ({"contacts": "x"}, "contacts"),
        ({"discount": "150"}, "discount"),
        ({"order": "-1"}, "order"),
        ({"order": "first"}, "order"),
        ({"deadline": "someday"}, "deadline"),
        ({"title": "x" * 201}, "title"),
        ({"title": ""}, "title"),
    ],
)
def test_an_invalid_value_is_a_400_naming_its_field(admin_api, fields, field):
    job = JobFactory(title="Kept")
    response = admin_api.patch(f"jobs/{job.pk}", fields)
    assert response.status_code == 400, response.content
    body = response.json()
    assert list(body["fields"]) == [field]
    assert field in body["errors"][0]
    job.refresh_from_db()
    assert job.title == "Kept"


def test_an_unknown_field_is_a_400_naming_it(admin_api, project):
    response = admin_api.post("jobs", payload(project, addedby="admin@studio.test", colour="red"))
    assert response.status_code == 400
    assert without_field_detail(response)["errors"][0].startswith(
        "colour is not a field Docket knows here"
    )
    assert not Job.objects.exists()


def test_addedby_must_be_the_caller_for_a_user(admin_api, project):
    UserFactory(email="other@studio.test")
    response = admin_api.post("jobs", payload(project, addedby="other@studio.test"))
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["addedby"]


def test_update_changes_only_what_is_sent(admin_api):
    job = JobFactory(title="Old", discount=10, team=[UserFactory()])
    other = ProjectFactory()
    response = admin_api.patch(
        f"jobs/{job.pk}", {"title": "New", "status": "H", "project": str(other.pk)}
    )
    assert response.status_code == 200
    assert response.json() == {"error": False, "id": job.pk}
    job.refresh_from_db()
    assert (job.title, job.status, job.project, job.number) == ("New", "H", other, 1)
    assert job.discount == 10 and job.team.count() == 1
    admin_api.patch(f"jobs/{job.pk}", {"team": ""})
    assert not job.team.exists()


def test_what_a_get_returns_can_be_sent_back(admin_api, admin_user):
    job = JobFactory(added_by=admin_user, team=[admin_user], contacts=[ContactFactory()])
    row = admin_api.get(f"jobs/{job.pk}", {"brief": "true"}).json()["rows"][0]
    row["name"] = "Renamed"
    response = admin_api.patch(f"jobs/{job.pk}", row, as_json=True)
    assert response.status_code == 200, response.content
    after = admin_api.get(f"jobs/{job.pk}", {"brief": "true"}).json()["rows"][0]
    assert after == {**row, "name": "Renamed"}


def test_what_a_get_returns_can_be_sent_back_in_a_form_body(admin_api, admin_user):
    job = JobFactory(added_by=admin_user, team=[admin_user], contacts=[ContactFactory()])
    row = admin_api.get(f"jobs/{job.pk}", {"brief": "true"}).json()["rows"][0]
    response = admin_api.patch(f"jobs/{job.pk}", as_php_form(row))
    assert response.status_code == 200, response.content
    assert admin_api.get(f"jobs/{job.pk}", {"brief": "true"}).json()["rows"][0] == row


def test_delete_takes_the_job_and_its_journal(admin_api):
    job = JobFactory()
    ActivityFactory(about=job)
    response = admin_api.delete(f"jobs/{job.pk}")
    assert response.status_code == 200
    assert response.json() == {"error": False, "id": job.pk}
    assert not Job.objects.exists() and not Activity.objects.exists()
    assert admin_api.get(f"jobs/{job.pk}").status_code == 404


def test_a_project_with_jobs_is_not_deleted(admin_api, project):
    JobFactory(project=project)
    response = admin_api.delete(f"projects/{project.pk}")
    assert response.status_code == 400
    assert response.json()["errors"] == ["Project name can't be deleted while it has 1 job."]
    assert Project.objects.filter(pk=project.pk).exists()


def test_an_unknown_job_is_404_saying_which_id(admin_api):
    JobFactory()
    for response in (
        admin_api.get("jobs/99999"),
        admin_api.patch("jobs/99999", {"title": "x"}),
        admin_api.delete("jobs/99999"),
    ):
        assert response.status_code == 404
        assert response.json() == {"error": True, "msg": "No job with id 99999."}
    assert admin_api.get("jobs/99999999999999999999").status_code == 404


# --- who may call -----------------------------------------------------------------


def test_credentials_need_the_projects_scopes(project):
    job = JobFactory()
    author = UserFactory(email="author@studio.test")
    reader = credential_client(["projects:read"])
    assert reader.get("jobs").status_code == 200
    assert reader.get(f"jobs/{job.pk}").status_code == 200
    assert reader.post("jobs", payload(project, addedby=author.email)).status_code == 401
    assert reader.patch(f"jobs/{job.pk}", {"title": "x"}).status_code == 401
    assert reader.delete(f"jobs/{job.pk}").status_code == 401
    contacts_only = credential_client(["contacts:write"])
    assert contacts_only.get("jobs").status_code == 401
    writer = credential_client(["projects:write", "users:read"])
    assert writer.post("jobs", payload(project, addedby=author.email)).status_code == 201
    assert Job.objects.filter(added_by=author).exists()


def test_users_need_the_projects_area(restricted_api, collaborator_api, bearer_for, restricted_to):
    """Collaborators read their own jobs (test_api_collaborators.py) but write none."""
    job = JobFactory(title="Kept")
    for client in (restricted_api, collaborator_api):
        assert client.get(f"jobs/{job.pk}").status_code == 401
        assert client.post("jobs", payload(job.project)).status_code == 401
        assert client.delete(f"jobs/{job.pk}").status_code == 401
    assert Job.objects.filter(pk=job.pk).exists()
    allowed = bearer_for(restricted_to("projects", email="pia@studio.test"))
    assert allowed.get("jobs").status_code == 200
    response = allowed.post("jobs", payload(job.project, addedby="pia@studio.test"))
    assert response.status_code == 201


def test_no_credentials_get_403(outsider):
    assert outsider.get("jobs").status_code == 403


# --- query counts -----------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 50])
def test_list_queries_stay_flat(admin_api, django_assert_max_num_queries, count):
    team = [UserFactory(), UserFactory()]
    person = ContactFactory()
    projects = [ProjectFactory(), ProjectFactory(client_company=None, client_contact=person)]
    for index in range(count):
        JobFactory(project=projects[index % 2], team=team, contacts=[person])
    # token, its last use, the page's ids and rows, its team, its contacts (a short page
    # needs no count)
    with django_assert_max_num_queries(6):
        body = admin_api.get("jobs", {"rows": 100, "brief": "true"}).json()
    assert len(body["rows"]) == count and body["total"] == count
    assert all(len(row["team"]) == 2 and len(row["contacts"]) == 1 for row in body["rows"])


# --- a project's jobs -------------------------------------------------------------


def test_projects_embed_their_jobs_on_request(admin_api, project):
    JobFactory(title="Second", project=project, order=2, brief="Hidden")
    JobFactory(title="First", project=project, order=1, status="F")
    empty = ProjectFactory(title="Empty")
    assert "jobs" not in admin_api.get(f"projects/{project.pk}").json()["rows"][0]
    row = admin_api.get(f"projects/{project.pk}", {"jobs": "true"}).json()["rows"][0]
    assert [job["name"] for job in row["jobs"]] == ["First", "Second"]
    assert "items" not in row["jobs"][0]  # only with items=true
    row = admin_api.get(f"projects/{project.pk}", {"jobs": "true", "items": "true"}).json()
    row = row["rows"][0]
    assert row["jobs"][0] == admin_api.get(f"jobs/{row['jobs'][0]['id']}").json()["rows"][0]
    assert "brief" not in row["jobs"][1]
    rows = admin_api.get("projects", {"jobs": "true", "brief": "true", "order": "id"}).json()
    by_id = {row["id"]: row["jobs"] for row in rows["rows"]}
    assert [job["brief"] for job in by_id[project.pk]] == ["", "Hidden"]
    assert by_id[empty.pk] == []
    rows = admin_api.get("projects", {"jobs": "true", "jobstatus": "o"}).json()["rows"]
    assert {row["id"]: [job["name"] for job in row["jobs"]] for row in rows} == {
        project.pk: ["Second"],
        empty.pk: [],
    }


@pytest.mark.parametrize(
    "params, field", [({"jobs": "maybe"}, "jobs"), ({"jobstatus": "X"}, "jobstatus")]
)
def test_a_bad_jobs_switch_is_a_400_naming_it(admin_api, params, field):
    response = admin_api.get("projects", params)
    assert response.status_code == 400
    assert list(response.json()["fields"]) == [field]


@pytest.mark.parametrize("count", [1, 50])
def test_projects_with_their_jobs_stay_flat(admin_api, django_assert_max_num_queries, count):
    team = [UserFactory()]
    for _ in range(count):
        project = ProjectFactory(team=team)
        JobFactory(project=project, team=team)
        JobFactory(project=project, contacts=[ContactFactory()])
    # token, its last use, the page's ids and rows, its team, its contacts, and the
    # jobs' ids and rows, their teams, their contacts (a short page needs no count)
    with django_assert_max_num_queries(10):
        body = admin_api.get("projects", {"rows": 100, "jobs": "true"}).json()
    assert len(body["rows"]) == count
    assert all(len(row["jobs"]) == 2 for row in body["rows"])
