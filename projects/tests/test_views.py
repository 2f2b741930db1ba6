import re
from datetime import date
from urllib.parse import quote

import pytest

from accounts.tests.factories import UserFactory
from crm.tests.factories import CompanyFactory, ContactFactory
from projects import services
from projects.models import Project
from projects.tests.factories import JobFactory, ProjectFactory

pytestmark = pytest.mark.django_db
TABLE = {"HX-Request": "true", "HX-Target": "projects"}


def titles(page: str) -> list[str]:
    return re.findall(r'<a href="/projects/\d+/">([^<]+)</a>', page)


@pytest.mark.parametrize("path", ["/projects/", "/projects/add/", "/projects/clients/?client=a"])
def test_users_without_the_projects_area_get_403(restricted_client, collaborator_client, path):
    assert restricted_client.get(path).status_code == 403
    assert collaborator_client.get(path).status_code == 403


def test_pages_of_a_project_refuse_collaborators(collaborator_client):
    project = ProjectFactory()
    assert collaborator_client.get(f"/projects/{project.pk}/").status_code == 403
    assert collaborator_client.get(f"/projects/{project.pk}/edit/").status_code == 403
    assert collaborator_client.post(f"/projects/{project.pk}/delete/").status_code == 403
    assert Project.objects.filter(pk=project.pk).exists()


def test_sidebar_lists_projects_for_those_who_may_open_them(staff_client, restricted_client):
    assert '<a href="/projects/"' in staff_client.get("/").content.decode()
    assert '<a href="/projects/"' not in restricted_client.get("/").content.decode()


def test_list_shows_every_status_client_and_team(staff_client):
    ada = UserFactory(name="Ada Lovelace")
    person = ContactFactory(firstname="Grace", lastname="Hopper", fullname="Grace Hopper")
    ProjectFactory(title="Rebrand", client_company=CompanyFactory(name="Acme"), team=[ada])
    ProjectFactory(
        title="Old site",
        status=Project.Status.FINISHED,
        client_company=None,
        client_contact=person,
    )
    page = staff_client.get("/projects/").content.decode()
    # Like the API's list: no status is hidden until one is picked.
    assert titles(page) == ["Old site", "Rebrand"]
    assert ">Acme</a>" in page and f'href="/connections/people/{person.pk}/"' in page
    assert "Ada Lovelace" in page
    assert '<span class="badge badge-grey">Finished</span>' in page


def test_list_filters_by_title_status_and_team(staff_client):
    ada = UserFactory(name="Ada Lovelace")
    ProjectFactory(title="Rebrand", team=[ada])
    ProjectFactory(title="Brand book", status=Project.Status.HELD)
    ProjectFactory(title="Website")
    assert titles(staff_client.get("/projects/?search=brand").content.decode()) == [
        "Brand book",
        "Rebrand",
    ]
    assert titles(staff_client.get("/projects/?status=H").content.decode()) == ["Brand book"]
    assert titles(staff_client.get(f"/projects/?team={ada.pk}").content.decode()) == ["Rebrand"]
    # A status or team that isn't one filters nothing out rather than failing.
    assert len(titles(staff_client.get("/projects/?status=X&team=abc").content.decode())) == 3


def test_list_filters_by_a_picked_client_or_a_clients_name(staff_client):
    acme = CompanyFactory(name="Acme Studio")
    ProjectFactory(title="Rebrand", client_company=acme)
    ProjectFactory(title="Website", client_company=CompanyFactory(name="Acme Foods"))
    ProjectFactory(title="Menu", client_company=CompanyFactory(name="Harbour Lights"))
    picked = quote(f"C{acme.pk} · Acme Studio")
    assert titles(staff_client.get(f"/projects/?client={picked}").content.decode()) == ["Rebrand"]
    assert sorted(titles(staff_client.get("/projects/?client=acme").content.decode())) == [
        "Rebrand",
        "Website",
    ]
    # A code nobody has finds nothing; it doesn't fail.
    assert titles(staff_client.get("/projects/?client=C999999999").content.decode()) == []


def test_list_sorts_by_column_and_pages_by_25(staff_client):
    for index in range(30):
        ProjectFactory(title=f"Job {index:02}")
    by_title = staff_client.get("/projects/?sort=title").content.decode()
    assert titles(by_title)[:2] == ["Job 00", "Job 01"] and len(titles(by_title)) == 25
    second = staff_client.get("/projects/?sort=title&page=2").content.decode()
    assert titles(second) == [f"Job {index}" for index in range(25, 30)]


def test_partial_swaps_the_table_only(staff_client):
    ProjectFactory(title="Rebrand")
    ProjectFactory(title="Website")
    response = staff_client.get("/projects/?search=web", headers=TABLE)
    partial = response.content.decode()
    assert "<html" not in partial and titles(partial) == ["Website"]
    assert "1 project found" in partial
    assert "HX-Target" in response["Vary"]


@pytest.mark.parametrize("count", [1, 50])
def test_list_keeps_queries_flat(staff_client, django_assert_max_num_queries, count):
    team = [UserFactory(), UserFactory()]
    for _ in range(count):
        ProjectFactory(team=team, client_contact=ContactFactory(), client_company=None)
    # The session and user, the count, the page's rows, their teams, the team filter's
    # users, and the account settings (made on first read here: four queries).
    with django_assert_max_num_queries(10):
        assert staff_client.get("/projects/").status_code == 200


def test_detail_shows_the_project_safely(staff_client):
    person = ContactFactory(fullname="Grace Hopper")
    project = ProjectFactory(
        title="Rebrand <b>now</b>",
        brief="Line one\nLine <script>two</script>",
        expanded=[{"title": "Scope", "content": "Logo & colours"}],
        conclusion=[{"title": "Outcome", "content": "Shipped"}],
        discount="12.50",
        deadline=date(2027, 3, 1),
        team=[UserFactory(name="Ada Lovelace")],
        contacts=[person],
    )
    page = staff_client.get(f"/projects/{project.pk}/").content.decode()
    assert "Rebrand &lt;b&gt;now&lt;/b&gt;" in page
    assert "Line one<br>Line &lt;script&gt;two&lt;/script&gt;" in page
    assert "Scope" in page and "Logo &amp; colours" in page and "Outcome" in page
    assert "12.5%" in page and "1 Mar 2027" in page and "Ada Lovelace" in page
    assert f'href="/connections/people/{person.pk}/">Grace Hopper</a>' in page
    assert f"Project {project.pk}" in page


def test_detail_of_a_missing_project_is_404(staff_client):
    assert staff_client.get("/projects/999999/").status_code == 404


def test_create_through_the_service(staff_client, admin_user):
    company = CompanyFactory(name="Acme")
    ada = UserFactory(name="Ada Lovelace")
    form = staff_client.get(f"/projects/add/?client=C{company.pk}").content.decode()
    assert f'value="C{company.pk} · Acme"' in form
    response = staff_client.post(
        "/projects/add/",
        {
            "title": "Rebrand",
            "client": f"C{company.pk}",
            "status": "P",
            "deadline": "2027-01-31",
            "discount": "5",
            "team": [ada.pk],
            "brief": "A new logo.",
        },
    )
    project = Project.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/projects/{project.pk}/"
    assert project.client == company and project.status == "P"
    assert project.deadline == date(2027, 1, 31) and project.discount == 5
    assert list(project.team.all()) == [ada] and project.added_by == admin_user
    assert project.brief == "A new logo."


def test_the_client_field_suggests_companies_and_people_by_name(staff_client):
    acme = CompanyFactory(name="Acme Anvils")
    from crm import services as crm_services

    ada = crm_services.create_contact(name="Ada Acheson", companyid=acme.pk)
    CompanyFactory(name="Zeta")
    options = staff_client.get("/projects/clients/?client=ac").content.decode()
    assert f'<option value="C{acme.pk} · Acme Anvils">' in options
    assert f'<option value="I{ada.pk} · Ada Acheson">Acme Anvils</option>' in options
    assert "Zeta" not in options
    assert staff_client.get("/projects/clients/?client=").content.decode().strip() == ""


def test_a_client_that_is_not_a_code_is_refused_inline(staff_client):
    page = staff_client.post(
        "/projects/add/", {"title": "Rebrand", "client": "Acme", "status": "O"}
    ).content.decode()
    assert "Pick a company or person from the suggestions" in page
    # A suggestion picked reads code first; the code is what counts.
    company = CompanyFactory(name="Acme")
    staff_client.post(
        "/projects/add/",
        {"title": "Rebrand", "client": f"c{company.pk} · Acme", "status": "O"},
    )
    assert Project.objects.get().client == company


def test_create_shows_the_services_refusals_inline(staff_client):
    company = CompanyFactory()
    page = staff_client.post(
        "/projects/add/",
        {"title": "Rebrand", "client": f"C{company.pk}", "status": "O", "discount": "120"},
    ).content.decode()
    assert "Discount (%) must be a percentage from 0 to 100." in page
    assert 'class="field form-field has-error"' in page
    assert not Project.objects.exists()


def test_edit_keeps_what_it_shows_and_refuses_inline(staff_client):
    person = ContactFactory(fullname="Grace Hopper")
    project = ProjectFactory(title="Rebrand", discount="7.5", team=[UserFactory()])
    form = staff_client.get(f"/projects/{project.pk}/edit/").content.decode()
    assert 'value="Rebrand"' in form and 'value="7.5"' in form

    refused = staff_client.post(
        f"/projects/{project.pk}/edit/",
        {"title": "Rebrand", "client": f"I{person.pk}", "status": "O", "deadline": "", "team": []},
    ).content.decode()
    assert "This field is required." in refused
    project.refresh_from_db()
    assert project.client_contact_id is None

    response = staff_client.post(
        f"/projects/{project.pk}/edit/",
        {
            "title": "Rebrand 2",
            "client": f"I{person.pk}",
            "status": "F",
            "deadline": "2027-02-01",
            "discount": "",
            "team": [],
        },
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.title == "Rebrand 2" and project.client == person and project.status == "F"
    assert project.discount == 0 and not project.team.exists()


def test_delete_through_the_service(staff_client):
    project = ProjectFactory(title="Rebrand")
    response = staff_client.post(f"/projects/{project.pk}/delete/", follow=True)
    assert not Project.objects.exists()
    assert "Rebrand was deleted." in response.content.decode()
    assert staff_client.get(f"/projects/{project.pk}/delete/").status_code == 405


def test_delete_shows_the_services_refusal(staff_client, monkeypatch):
    from django.core.exceptions import ValidationError

    project = ProjectFactory()

    def refuse(project):
        raise ValidationError("The project has invoiced time.")

    monkeypatch.setattr(services, "delete_project", refuse)
    response = staff_client.post(f"/projects/{project.pk}/delete/", follow=True)
    assert response.redirect_chain[-1][0] == f"/projects/{project.pk}/"
    assert "The project has invoiced time." in response.content.decode()


def test_client_pages_list_their_projects(staff_client, restricted_to):
    company = CompanyFactory()
    person = ContactFactory()
    ProjectFactory(title="For the company", client_company=company)
    ProjectFactory(title="For the person", client_company=None, client_contact=person)
    company_page = staff_client.get(f"/connections/companies/{company.pk}/").content.decode()
    assert "For the company" in company_page and "For the person" not in company_page
    assert f'href="/projects/add/?client=C{company.pk}"' in company_page
    person_page = staff_client.get(f"/connections/people/{person.pk}/").content.decode()
    assert "For the person" in person_page
    contacts_only = restricted_to("contacts")
    from conftest import signed_in_client

    hidden = signed_in_client(contacts_only).get(f"/connections/companies/{company.pk}/")
    assert "For the company" not in hidden.content.decode()


def test_the_project_page_lists_its_jobs_and_adds_one(staff_client, admin_user):
    project = ProjectFactory(title="Rebrand")
    JobFactory(project=project, title="Logo")
    JobFactory(project=ProjectFactory(), title="Someone else's job")
    page = staff_client.get(f"/projects/{project.pk}/").content.decode()
    assert "Logo" in page and "Someone else&#x27;s job" not in page

    response = staff_client.post(
        f"/projects/{project.pk}/jobs/add/",
        {"title": "Labels", "status": "P", "deadline": "2027-03-01"},
        follow=True,
    )
    page = response.content.decode()
    assert "Job 2, Labels, was added." in page
    job = project.jobs.get(title="Labels")
    assert job.number == 2 and job.status == "P" and job.added_by == admin_user
    assert job.deadline == date(2027, 3, 1)
    jobs = page[page.index('id="jobs"') :]
    assert jobs.index("Logo") < jobs.index("Labels")


def test_a_refused_job_shows_its_error_on_the_project_page(staff_client):
    project = ProjectFactory()
    page = staff_client.post(
        f"/projects/{project.pk}/jobs/add/", {"title": "", "status": "O"}
    ).content.decode()
    assert 'id="id_title_error"' in page and "This field is required." in page
    assert not project.jobs.exists()
    assert staff_client.get(f"/projects/{project.pk}/jobs/add/").status_code == 405


def test_adding_a_job_needs_the_projects_area(restricted_client, collaborator_client):
    project = ProjectFactory()
    for client in (restricted_client, collaborator_client):
        response = client.post(f"/projects/{project.pk}/jobs/add/", {"title": "X", "status": "O"})
        assert response.status_code == 403
    assert not project.jobs.exists()


@pytest.mark.parametrize("count", [1, 50])
def test_the_project_page_keeps_queries_flat_as_jobs_grow(
    staff_client, django_assert_max_num_queries, count
):
    project = ProjectFactory()
    for _ in range(count):
        JobFactory(project=project)
    # Two more than the items' page: the jobs' teams and the running timer; and four
    # for billing's panel (its invoices, their sums, unbilled time and items).
    with django_assert_max_num_queries(14 + 4):
        assert staff_client.get(f"/projects/{project.pk}/").status_code == 200
