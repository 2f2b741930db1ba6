"""Projects' rules (numbering, defaults, each refusal naming its field, team and
contacts, deleting) and activity types' (a second type with the same name, ignoring
case, is refused on the settings page and through the API's replace-all PATCH alike)."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import AccountSettings
from accounts.tests.factories import UserFactory
from crm import services as crm_services
from crm.models import Activity
from crm.tests.factories import CompanyFactory, ContactFactory
from projects import services
from projects.models import ActivityType, Project
from projects.tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def test_a_second_activity_type_with_the_same_name_is_refused():
    design = services.save_activity_type(None, name="Design")
    with pytest.raises(ValidationError) as caught:
        services.save_activity_type(None, name=" design ")
    assert caught.value.message_dict == {"name": ["name “design” is already in use."]}
    assert ActivityType.objects.count() == 1
    # Renaming a type to a new case of its own name is fine; to another's is not.
    services.save_activity_type(design, name="DESIGN")
    meetings = services.save_activity_type(None, name="Meetings")
    with pytest.raises(ValidationError):
        services.save_activity_type(meetings, name="design")


def test_a_refused_type_takes_no_number():
    services.save_activity_type(None, name="Design")
    with pytest.raises(ValidationError):
        services.save_activity_type(None, name="Design")
    assert services.save_activity_type(None, name="Meetings").id == 2


def test_replace_all_refuses_repeated_names():
    with pytest.raises(ValidationError) as caught:
        services.replace_activity_types(
            {"tasks": [{"id": "1", "name": "Design"}, {"name": "DESIGN"}]}
        )
    assert caught.value.messages == ["tasks item 2: name “DESIGN” is repeated."]
    assert not ActivityType.objects.exists()


def test_api_activity_types_with_a_repeated_name_are_400(depot):
    value = {"tasks": [{"id": "1", "name": "Design"}, {"id": "2", "name": "design"}]}
    response = depot.patch("settings/activitytypes", {"value": json.dumps(value)})
    assert response.status_code == 400
    assert response.json()["errors"] == ["tasks item 2: name “design” is repeated."]
    assert ActivityType.objects.count() == 0


def test_settings_page_shows_the_duplicate_name_inline(staff_client):
    services.save_activity_type(None, name="Design")
    html = staff_client.post(
        "/settings/activity-types/add/", {"new-name": "Design"}, headers=HTMX
    ).content.decode()
    name_cell = html.split('name="new-name"')[1].split("</td>")[0]
    assert "Name “Design” is already in use." in name_cell
    assert ActivityType.objects.count() == 1


# --- projects ---------------------------------------------------------------------


@pytest.fixture
def author():
    return UserFactory(email="pat@studio.test", name="Pat Producer")


@pytest.fixture
def client_company():
    return CompanyFactory(name="Acme Ltd")


def new_project(author, client_company, **fields):
    return services.create_project(
        **{
            "title": "Website",
            "status": "O",
            "for_code": f"C{client_company.pk}",
            "added_by": author,
            **fields,
        }
    )


def refusal(work) -> dict:
    with pytest.raises(ValidationError) as caught:
        work()
    return caught.value.message_dict


def test_a_project_takes_its_number_from_the_proposal_and_project_counter(author, client_company):
    account = AccountSettings.load()
    account.nextproposalid = 500
    account.save()
    first = new_project(author, client_company)
    second = new_project(author, client_company)
    assert (first.id, second.id) == (500, 501)
    assert AccountSettings.load().nextproposalid == 502


def test_a_counter_set_back_below_used_numbers_skips_past_them(author, client_company):
    ProjectFactory(id=900)
    account = AccountSettings.load()
    account.nextproposalid = 10
    account.save()
    assert new_project(author, client_company).id == 901
    assert AccountSettings.load().nextproposalid == 902


def test_defaults_a_week_to_the_deadline_no_discount_and_no_sections(author, client_company):
    project = new_project(author, client_company)
    project.refresh_from_db()
    assert project.deadline == timezone.localdate() + timedelta(days=7)
    assert project.discount == Decimal("0.00")
    assert (project.brief, project.expanded, project.conclusion) == ("", [], [])
    assert project.added_by == author and project.client == client_company


def test_the_client_may_be_a_person(author, client_company):
    person = ContactFactory()
    project = new_project(author, client_company, for_code=f"i{person.pk}")
    assert (project.client_contact, project.client_company) == (person, None)
    services.update_project(project, for_code=f"C{client_company.pk}")
    project.refresh_from_db()
    assert (project.client_contact, project.client_company) == (None, client_company)


def test_required_fields_are_named_on_create(author):
    errors = refusal(lambda: services.create_project())
    assert errors == {
        "title": ["title is required."],
        "status": ["status must be one of: O, H, P, C, F."],
        "for": ["for is required."],
        "addedby": ["addedby is required."],
    }
    assert not Project.objects.exists()
    assert AccountSettings.load().nextproposalid == 1  # a refusal takes no number


@pytest.mark.parametrize(
    "fields, field, message",
    [
        ({"status": "X"}, "status", "status must be one of: O, H, P, C, F."),
        ({"title": "  "}, "title", "title is required."),
        ({"title": "x" * 201}, "title", "title must be at most 200 characters."),
        ({"for_code": "C999999"}, "for", "for C999999 does not exist."),
        ({"for_code": "P1"}, "for", "for must be a company (C…) or a person (I…), not 'P1'."),
        ({"for_code": "41"}, "for", "for must be an item code such as C41 or I5, not '41'."),
        ({"team": [999999]}, "team", "team: no active user with the id or email 999999."),
        (
            {"team": "ghost@nowhere.test"},
            "team",
            "team: no active user with the id or email ghost@nowhere.test.",
        ),
        ({"contacts": [999999]}, "contacts", "contacts: no person with the id 999999."),
        ({"discount": "101"}, "discount", "discount must be a percentage from 0 to 100."),
        ({"discount": "-1"}, "discount", "discount must be a percentage from 0 to 100."),
        ({"discount": "ten"}, "discount", "discount must be a number."),
        (
            {"expanded": "not json"},
            "expanded",
            "expanded must be a JSON array of title and content pairs.",
        ),
        (
            {"conclusion": [{"content": "no title"}]},
            "conclusion",
            'conclusion section 1 must be {"title": ..., "content": ...}.',
        ),
    ],
)
def test_each_refusal_names_its_field(author, client_company, fields, field, message):
    project = new_project(author, client_company)
    before = Project.objects.values().get(pk=project.pk)
    assert refusal(lambda: services.update_project(project, **fields)) == {field: [message]}
    assert Project.objects.values().get(pk=project.pk) == before


def test_team_by_id_or_email_and_contacts_by_id(author, client_company):
    designer = UserFactory(email="dee@studio.test")
    developer = UserFactory(email="dev@studio.test")
    people = [ContactFactory(), ContactFactory()]
    project = new_project(
        author,
        client_company,
        team=[designer.pk, "DEV@studio.test"],
        contacts=[person.pk for person in people],
    )
    assert set(project.team.all()) == {designer, developer}
    assert set(project.contacts.all()) == set(people)
    services.update_project(project, team=None, contacts=[people[0].pk])
    assert not project.team.exists()
    assert list(project.contacts.all()) == [people[0]]


def test_an_inactive_user_cannot_join_a_team(author, client_company):
    gone = UserFactory(is_active=False)
    errors = refusal(lambda: new_project(author, client_company, team=[gone.pk]))
    assert list(errors) == ["team"]


def test_sections_are_kept_as_title_and_content_pairs(author, client_company):
    project = new_project(
        author,
        client_company,
        expanded='[{"Scope": "Five pages"}, {"title": "Budget", "content": "Fixed"}]',
        conclusion=[{"title": "Outcome", "content": "Launched"}],
        discount="12.345",
        brief="  Make it pop  ",
    )
    project.refresh_from_db()
    assert project.expanded == [
        {"title": "Scope", "content": "Five pages"},
        {"title": "Budget", "content": "Fixed"},
    ]
    assert project.conclusion == [{"title": "Outcome", "content": "Launched"}]
    assert project.discount == Decimal("12.35")  # half up, to two places
    assert project.brief == "Make it pop"


def test_an_unknown_field_is_a_type_error(author, client_company):
    with pytest.raises(TypeError, match="ProjectFields"):
        new_project(author, client_company, client="C1")


def test_deleting_a_project_takes_its_journal_and_links_with_it(author, client_company):
    project = new_project(author, client_company, team=[author.pk])
    crm_services.create_activity(
        title="Kick-off", type="C", added_by=author, for_code=f"P{project.pk}", content=""
    )
    services.delete_project(project)
    assert not Project.objects.exists()
    assert not Activity.objects.exists()
    assert not Project.team.through.objects.exists()


def test_a_company_with_a_project_cannot_be_deleted(author, client_company):
    new_project(author, client_company)
    errors = refusal(lambda: crm_services.delete_company(client_company))
    assert errors == {"__all__": ["Acme Ltd can't be deleted while it has 1 project."]}
