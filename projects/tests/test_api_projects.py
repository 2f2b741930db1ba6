"""The Depot `projects` resource: the row's shape as in the spec's JSON and XML
examples, filters, ordering, pages, writes, errors naming fields, permissions by
scope and query counts."""

import json
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from accounts.models import AccountSettings
from accounts.tests.factories import UserFactory
from conftest import as_php_form, credential_client, without_field_detail
from crm.models import Activity
from crm.tests.factories import ActivityFactory, CompanyFactory, ContactFactory
from projects.models import Project
from projects.tests.factories import ProjectFactory

# The rate limit has tests of its own; here it would only add a statement to
# the query counts.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_api_rate_limit")]


def midnight(day: date) -> str:
    return str(int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()))


def names(client, **params):
    response = client.get("projects", params)
    assert response.status_code == 200, response.content
    return [row["name"] for row in response.json()["rows"]]


@pytest.fixture
def acme():
    return CompanyFactory(name="Joe Bloggs Inc")


def payload(company, **fields):
    return {"title": "Website", "status": "O", "for": f"C{company.pk}", **fields}


# --- shapes -----------------------------------------------------------------------


def test_a_row_has_the_spec_shape(admin_api, admin_user, acme):
    designer = UserFactory(email="dee@studio.test", name="Dee Designer")
    person = ContactFactory(fullname="Pat Client")
    project = ProjectFactory(
        title="Project title",
        status="F",
        client_company=acme,
        added_by=admin_user,
        deadline=date(2013, 5, 23),
        team=[designer, admin_user],
        contacts=[person],
    )
    body = admin_api.get("projects").json()
    assert body == {
        "error": False,
        "rows": [
            {
                "id": project.pk,
                "name": "Project title",
                "status": "F",
                "client": {"type": "C", "id": str(acme.pk), "name": "Joe Bloggs Inc"},
                "hours": {"allocated": 0, "logged": 0, "remaining": 0},
                "added": str(int(project.added.timestamp())),
                "deadline": "1369267200",
                "hasactions": 0,
                "hasitems": 0,
                "discount": "0.00",
                "addedby": {"email": "admin@studio.test", "name": "Alex Admin"},
                "team": [
                    {"email": "admin@studio.test", "name": "Alex Admin"},
                    {"email": "dee@studio.test", "name": "Dee Designer"},
                ],
                "contacts": [{"id": person.pk, "name": "Pat Client"}],
            }
        ],
        "total": 1,
    }
    assert admin_api.get(f"projects/{project.pk}").json() == {
        "error": False,
        "rows": body["rows"],
    }


def test_a_person_as_client_and_the_brief_on_request(admin_api, admin_user):
    person = ContactFactory(fullname="Sam Solo")
    project = ProjectFactory(
        client_company=None,
        client_contact=person,
        brief="Make it pop",
        expanded=[{"title": "Scope", "content": "Five pages"}],
    )
    row = admin_api.get(f"projects/{project.pk}").json()["rows"][0]
    assert row["client"] == {"type": "I", "id": str(person.pk), "name": "Sam Solo"}
    assert "brief" not in row and "expanded" not in row
    row = admin_api.get(f"projects/{project.pk}", {"brief": "true"}).json()["rows"][0]
    assert row["brief"] == "Make it pop"
    assert row["expanded"] == [{"title": "Scope", "content": "Five pages"}]
    assert row["conclusion"] == []


def test_xml_has_the_spec_shape(admin_api, admin_user, acme):
    project = ProjectFactory(title="Project title", client_company=acme, team=[admin_user])
    response = admin_api.get("projects", fmt="xml")
    assert response.status_code == 200
    text = re.sub(r">\s+<", "><", response.content.decode())
    assert f"<id>{project.pk}</id><name>Project title</name><status>O</status>" in text
    assert f"<client><id>{acme.pk}</id><name>Joe Bloggs Inc</name><type>C</type></client>" in text
    assert "<discount>0.00</discount><hasactions>0</hasactions><hasitems>0</hasitems>" in text
    assert (
        "<hours><allocated>0</allocated><logged>0</logged><remaining>0</remaining></hours>" in text
    )
    assert (
        "<team><item><email>admin@studio.test</email><name>Alex Admin</name></item></team>" in text
    )
    assert "</rows><total>1</total></response>" in text


# --- filters, ordering and pages --------------------------------------------------


def test_search_matches_the_title(admin_api):
    ProjectFactory(title="Brewery website")
    ProjectFactory(title="Annual report")
    assert names(admin_api, search="WEBSITE") == ["Brewery website"]


def test_for_picks_a_company_or_a_person(admin_api, acme):
    person = ContactFactory()
    ProjectFactory(title="For the company", client_company=acme)
    ProjectFactory(title="For the person", client_company=None, client_contact=person)
    ProjectFactory(title="Someone else's")
    assert names(admin_api, **{"for": f"C{acme.pk}"}) == ["For the company"]
    assert names(admin_api, **{"for": f"i{person.pk}"}) == ["For the person"]
    assert names(admin_api, **{"for": "C99999999999999999999"}) == []


def test_status_filters_one_or_several(admin_api):
    for status in "OHPCF":
        ProjectFactory(title=f"Status {status}", status=status)
    # Finished work is listed like any other unless a status is asked for.
    assert len(names(admin_api)) == 5
    assert names(admin_api, status="f") == ["Status F"]
    assert names(admin_api, status="O,H") == ["Status H", "Status O"]


def test_team_and_contacts_filters(admin_api):
    dee = UserFactory(email="dee@studio.test")
    person = ContactFactory()
    ProjectFactory(title="Dee's", team=[dee])
    ProjectFactory(title="Linked", contacts=[person])
    ProjectFactory(title="Neither")
    assert names(admin_api, team="DEE@studio.test") == ["Dee's"]
    assert names(admin_api, team="nobody@studio.test") == []
    assert names(admin_api, contacts=person.pk) == ["Linked"]


def test_ordering_and_pages(admin_api):
    for title, days in (("Bravo", 3), ("alpha", 1), ("Charlie", 2)):
        ProjectFactory(title=title, deadline=timezone.localdate() + timedelta(days=days))
    assert names(admin_api, order="deadline") == ["alpha", "Charlie", "Bravo"]
    assert names(admin_api, order="deadline", orderasc="false") == ["Bravo", "Charlie", "alpha"]
    body = admin_api.get("projects", {"order": "deadline", "rows": 1, "start": 1}).json()
    assert [row["name"] for row in body["rows"]] == ["Charlie"]
    assert body["total"] == 3
    ids = [row["id"] for row in admin_api.get("projects", {"order": "id"}).json()["rows"]]
    assert ids == sorted(ids)
    # Titles sort whatever their case, on both databases.
    assert names(admin_api) == ["alpha", "Bravo", "Charlie"]
    assert names(admin_api, order="title", orderasc="false") == ["Charlie", "Bravo", "alpha"]


@pytest.mark.parametrize(
    "params, field",
    [
        ({"status": "X"}, "status"),
        ({"for": "P1"}, "for"),
        ({"for": "nonsense"}, "for"),
        ({"team": "not-an-email"}, "team"),
        ({"contacts": "abc"}, "contacts"),
        ({"order": "colour"}, "order"),
        ({"rows": "0"}, "rows"),
        ({"brief": "maybe"}, "brief"),
    ],
)
def test_a_bad_filter_is_a_400_naming_it(admin_api, params, field):
    response = admin_api.get("projects", params)
    assert response.status_code == 400
    body = response.json()
    assert body["error"] is True and body["msg"] == "Validation errors"
    assert list(body["fields"]) == [field]
    assert body["errors"][0].startswith(field)


# --- writes -----------------------------------------------------------------------


def test_create_answers_201_with_the_id_and_takes_the_next_number(admin_api, admin_user, acme):
    account = AccountSettings.load()
    account.nextproposalid = 158
    account.save()
    dee = UserFactory(email="dee@studio.test")
    person = ContactFactory()
    response = admin_api.post(
        "projects",
        payload(
            acme,
            addedby="admin@studio.test",
            brief="The brief",
            expanded=json.dumps([{"Scope": "Five pages"}]),
            deadline="1369267200",
            discount="5.5",
            team=f"{dee.pk},admin@studio.test",
            contacts=str(person.pk),
        ),
    )
    assert response.status_code == 201, response.content
    assert response.json() == {"error": False, "id": 158}
    project = Project.objects.get()
    assert project.pk == 158 and AccountSettings.load().nextproposalid == 159
    assert (project.title, project.status, project.client_company) == ("Website", "O", acme)
    assert project.added_by == admin_user and project.deadline == date(2013, 5, 23)
    assert str(project.discount) == "5.50"
    assert project.expanded == [{"title": "Scope", "content": "Five pages"}]
    assert set(project.team.all()) == {dee, admin_user}
    assert list(project.contacts.all()) == [person]


def test_create_in_json_and_xml(admin_api, acme):
    response = admin_api.post("projects", payload(acme, addedby="admin@studio.test"), as_json=True)
    assert response.status_code == 201
    response = admin_api.post("projects", payload(acme, addedby="admin@studio.test"), fmt="xml")
    assert response.status_code == 201
    assert f"<id>{Project.objects.order_by('-id')[0].pk}</id>" in response.content.decode()


def test_required_fields_are_named(admin_api):
    response = admin_api.post("projects", {})
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"title", "status", "for", "addedby"}
    assert not Project.objects.exists()


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"status": "Z"}, "status"),
        ({"for": "C99999"}, "for"),
        ({"for": "U1"}, "for"),
        ({"team": "99999"}, "team"),
        ({"team": "ghost@nowhere.test"}, "team"),
        ({"contacts": "99999"}, "contacts"),
        ({"contacts": "x"}, "contacts"),
        ({"discount": "150"}, "discount"),
        ({"deadline": "someday"}, "deadline"),
        ({"expanded": "[1, 2]"}, "expanded"),
        ({"title": "x" * 201}, "title"),
    ],
)
def test_an_invalid_value_is_a_400_naming_its_field(admin_api, acme, fields, field):
    project = ProjectFactory(title="Kept")
    response = admin_api.patch(f"projects/{project.pk}", fields)
    assert response.status_code == 400, response.content
    body = response.json()
    assert list(body["fields"]) == [field]
    assert field in body["errors"][0]
    project.refresh_from_db()
    assert project.title == "Kept"


def test_an_unknown_field_is_a_400_naming_it(admin_api, acme):
    response = admin_api.post("projects", payload(acme, addedby="admin@studio.test", colour="red"))
    assert response.status_code == 400
    assert without_field_detail(response)["errors"][0].startswith(
        "colour is not a field Docket knows here"
    )
    assert not Project.objects.exists()


def test_addedby_must_be_the_caller_for_a_user(admin_api, acme):
    UserFactory(email="other@studio.test")
    response = admin_api.post("projects", payload(acme, addedby="other@studio.test"))
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["addedby"]


def test_update_changes_only_what_is_sent(admin_api, acme):
    person = ContactFactory()
    project = ProjectFactory(title="Old", discount=10, team=[UserFactory()])
    response = admin_api.patch(
        f"projects/{project.pk}", {"title": "New", "for": f"I{person.pk}", "status": "H"}
    )
    assert response.status_code == 200
    assert response.json() == {"error": False, "id": project.pk}
    project.refresh_from_db()
    assert (project.title, project.status, project.client_contact) == ("New", "H", person)
    assert project.client_company is None
    assert project.discount == 10 and project.team.count() == 1
    admin_api.patch(f"projects/{project.pk}", {"team": ""})
    assert not project.team.exists()


def test_what_a_get_returns_can_be_sent_back(admin_api, admin_user, acme):
    project = ProjectFactory(
        client_company=acme,
        added_by=admin_user,
        team=[admin_user],
        contacts=[ContactFactory()],
        expanded=[{"title": "Scope", "content": "All"}],
    )
    row = admin_api.get(f"projects/{project.pk}", {"brief": "true"}).json()["rows"][0]
    row["name"] = "Renamed"
    response = admin_api.patch(f"projects/{project.pk}", row, as_json=True)
    assert response.status_code == 200, response.content
    after = admin_api.get(f"projects/{project.pk}", {"brief": "true"}).json()["rows"][0]
    assert after == {**row, "name": "Renamed"}


def test_what_a_get_returns_can_be_sent_back_in_a_form_body(admin_api, admin_user, acme):
    project = ProjectFactory(
        client_company=acme, added_by=admin_user, team=[admin_user], contacts=[ContactFactory()]
    )
    row = admin_api.get(f"projects/{project.pk}", {"brief": "true"}).json()["rows"][0]
    response = admin_api.patch(f"projects/{project.pk}", as_php_form(row))
    assert response.status_code == 200, response.content
    assert admin_api.get(f"projects/{project.pk}", {"brief": "true"}).json()["rows"][0] == row


def test_delete_takes_the_project_and_its_journal(admin_api):
    project = ProjectFactory()
    ActivityFactory(about=project)
    response = admin_api.delete(f"projects/{project.pk}")
    assert response.status_code == 200
    assert response.json() == {"error": False, "id": project.pk}
    assert not Project.objects.exists() and not Activity.objects.exists()
    assert admin_api.get(f"projects/{project.pk}").status_code == 404


def test_an_unknown_project_is_404_saying_which_id(admin_api):
    ProjectFactory()
    for response in (
        admin_api.get("projects/99999"),
        admin_api.patch("projects/99999", {"title": "x"}),
        admin_api.delete("projects/99999"),
    ):
        assert response.status_code == 404
        assert response.json() == {"error": True, "msg": "No project with id 99999."}
    assert admin_api.get("projects/99999999999999999999").status_code == 404


# --- who may call -----------------------------------------------------------------


def test_credentials_need_the_projects_scopes(acme):
    project = ProjectFactory()
    author = UserFactory(email="author@studio.test")
    reader = credential_client(["projects:read"])
    assert reader.get("projects").status_code == 200
    assert reader.get(f"projects/{project.pk}").status_code == 200
    assert reader.post("projects", payload(acme, addedby=author.email)).status_code == 401
    assert reader.patch(f"projects/{project.pk}", {"title": "x"}).status_code == 401
    assert reader.delete(f"projects/{project.pk}").status_code == 401
    contacts_only = credential_client(["contacts:write"])
    assert contacts_only.get("projects").status_code == 401
    writer = credential_client(["projects:write", "users:read"])
    assert writer.post("projects", payload(acme, addedby=author.email)).status_code == 201
    assert Project.objects.filter(added_by=author).exists()


def test_users_need_the_projects_area(restricted_api, collaborator_api, bearer_for, restricted_to):
    project = ProjectFactory(title="Kept")
    for client in (restricted_api, collaborator_api):
        assert client.get("projects").status_code == 401
        assert client.get(f"projects/{project.pk}").status_code == 401
        assert client.delete(f"projects/{project.pk}").status_code == 401
    assert Project.objects.filter(pk=project.pk).exists()
    allowed = bearer_for(restricted_to("projects", email="pia@studio.test"))
    assert allowed.get("projects").status_code == 200
    response = allowed.post("projects", payload(project.client_company, addedby="pia@studio.test"))
    assert response.status_code == 201


def test_no_credentials_get_403(outsider):
    assert outsider.get("projects").status_code == 403


# --- query counts -----------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 50])
def test_list_queries_stay_flat(admin_api, django_assert_max_num_queries, count):
    team = [UserFactory(), UserFactory()]
    person = ContactFactory()
    for index in range(count):
        client = {"client_company": None, "client_contact": person} if index % 2 else {}
        ProjectFactory(team=team, contacts=[person], **client)
    # token, its last use, the page's ids and rows, its team, its contacts (a short page
    # needs no count)
    with django_assert_max_num_queries(6):
        body = admin_api.get("projects", {"rows": 100, "brief": "true"}).json()
    assert len(body["rows"]) == count and body["total"] == count
    assert all(len(row["team"]) == 2 for row in body["rows"])
