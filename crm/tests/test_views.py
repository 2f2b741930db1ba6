import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from accounts.tests.factories import CollaboratorFactory
from crm import services
from crm.models import Activity, ActivityFile, Company, Contact
from crm.tests.factories import CompanyFactory, ContactFactory

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true", "HX-Target": "journal"}


def test_collaborators_get_403(db):
    client = Client()
    client.force_login(CollaboratorFactory())
    assert client.get("/connections/people/").status_code == 403


def test_people_list_search_tag_and_partial(staff_client):
    services.create_contact(name="Sherlock Holmes", tags="detective")
    services.create_contact(name="John Watson", companyname="Baker Street")
    page = staff_client.get("/connections/people/").content.decode()
    assert "Sherlock Holmes" in page and "John Watson" in page and "Baker Street" in page

    partial = staff_client.get(
        "/connections/people/?search=wat", headers={**HTMX, "HX-Target": "connections"}
    ).content.decode()
    assert "<html" not in partial
    assert "John Watson" in partial and "Sherlock" not in partial
    tagged = staff_client.get("/connections/people/?tag=detective").content.decode()
    assert "Sherlock Holmes" in tagged and "John Watson" not in tagged


def test_companies_list_counts_people(staff_client):
    company = CompanyFactory(name="Baker Street")
    ContactFactory(company=company)
    ContactFactory(company=company)
    page = staff_client.get("/connections/companies/").content.decode()
    assert "Baker Street" in page
    assert '<td class="num">2</td>' in page


@pytest.mark.parametrize("count", [1, 50])
def test_list_pages_keep_queries_flat(staff_client, django_assert_max_num_queries, count):
    company = CompanyFactory()
    for index in range(count):
        services.create_contact(name=f"Person {index}", companyid=company.pk, tags="a,b")
    with django_assert_max_num_queries(10):
        assert staff_client.get("/connections/people/").status_code == 200
    with django_assert_max_num_queries(10):
        assert staff_client.get("/connections/companies/").status_code == 200


@pytest.mark.parametrize("count", [1, 50])
def test_detail_pages_keep_queries_flat(
    staff_client, admin_user, django_assert_max_num_queries, count
):
    company = CompanyFactory()
    people = [ContactFactory(company=company) for _ in range(count)]
    for index, person in enumerate(people):
        about = person.code if index % 2 else company.code
        entry = services.create_activity(
            title=f"Call {index}", type="C", added_by=admin_user, for_code=about
        )
        services.create_activity(
            title=f"Re: Call {index}",
            type="C",
            added_by=admin_user,
            for_code=about,
            replyto=entry.pk,
        )
    with django_assert_max_num_queries(16):
        page = staff_client.get(f"/connections/companies/{company.pk}/")
    assert page.status_code == 200
    assert f"Call {count - 1}" in page.content.decode()
    with django_assert_max_num_queries(16):
        assert staff_client.get(f"/connections/people/{people[-1].pk}/").status_code == 200


def test_export_csv_of_the_filtered_list(staff_client):
    services.create_contact(
        name="Sherlock Holmes", email="s@baker.test", companyname="Baker St", tags="a"
    )
    services.create_contact(name="John Watson")
    response = staff_client.get("/connections/people/?search=sher&format=csv")
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert lines[0].startswith("name,email,telephone,company,position,tags")
    assert lines[1].startswith("Sherlock Holmes,s@baker.test,,Baker St,,a")
    assert len(lines) == 2


def png(name="face.png"):
    buffer = io.BytesIO()
    Image.new("RGB", (30, 30), (10, 120, 50)).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def test_create_company_with_address_custom_fields_and_image(staff_client):
    response = staff_client.post(
        "/connections/companies/add/",
        {
            "name": "Northwind Brewery",
            "website": "https://northwind.test",
            "tags": "brewery, priority",
            "line1": "1 Quay Street",
            "city": "Belfast",
            "customfields": "Twitter: @northwind\nVAT: GB 123",
            "image": png(),
        },
    )
    company = Company.objects.get(name="Northwind Brewery")
    assert (
        response.status_code == 302
        and response["Location"] == f"/connections/companies/{company.pk}/"
    )
    assert company.city == "Belfast"
    assert company.customfields == [
        {"title": "Twitter", "value": "@northwind"},
        {"title": "VAT", "value": "GB 123"},
    ]
    assert sorted(t.name for t in company.tags.all()) == ["brewery", "priority"]
    assert company.image.name.startswith("companies/face")
    detail = staff_client.get(response["Location"]).content.decode()
    assert "@northwind" in detail and "1 Quay Street" in detail


def test_form_errors_inline(staff_client):
    response = staff_client.post(
        "/connections/companies/add/",
        {
            "name": "",
            "customfields": "no colon here",
            "image": SimpleUploadedFile("x.png", b"text"),
        },
    )
    html = response.content.decode()
    assert "This field is required." in html
    assert "needs a colon" in html
    assert "field-error" in html
    assert not Company.objects.exists()


def test_create_person_in_a_new_company_then_edit(staff_client):
    staff_client.post(
        "/connections/people/add/",
        {
            "name": "Dr Jane Smith",
            "email": "jane@acme.test",
            "companyname": "Acme",
            "position": "CTO",
        },
    )
    person = Contact.objects.get()
    assert (person.title, person.firstname, person.lastname) == ("Dr", "Jane", "Smith")
    assert person.company.name == "Acme"
    staff_client.post(
        f"/connections/people/{person.pk}/edit/",
        {"name": "Dr Jane Smith-Jones", "email": "jane@acme.test", "companyname": ""},
    )
    person.refresh_from_db()
    assert person.lastname == "Smith-Jones" and person.company is None


def test_journal_comment_call_reply_file_and_delete(staff_client, admin_user):
    company = CompanyFactory(name="Baker Street")
    response = staff_client.post(
        f"/connections/journal/{company.code}/add/",
        {
            "kind": "callin",
            "title": "Asked about the quote",
            "content": "Wants it by Friday",
            "attachment": SimpleUploadedFile("notes.txt", b"call notes"),
        },
        headers=HTMX,
    )
    html = response.content.decode()
    assert response.status_code == 200 and 'id="journal"' in html
    assert "Asked about the quote" in html and "Call in" in html and "notes.txt" in html
    entry = Activity.objects.get()
    assert (entry.subtype, entry.added_by, entry.for_code) == ("callin", admin_user, company.code)
    assert ActivityFile.objects.get().name == "notes.txt"

    replied = staff_client.post(
        f"/connections/journal/{entry.pk}/reply/", {"content": "Sent it Thursday"}, headers=HTMX
    ).content.decode()
    assert "Sent it Thursday" in replied
    assert entry.replies.get().title == "Re: Asked about the quote"

    refused = staff_client.post(
        f"/connections/journal/{company.code}/add/",
        {"kind": "comment", "title": "", "attachment": SimpleUploadedFile("x.exe", b"MZ")},
        headers=HTMX,
    ).content.decode()
    assert "This field is required." in refused
    staff_client.post(f"/connections/journal/{entry.pk}/delete/", headers=HTMX)
    assert not Activity.objects.exists()


def test_company_journal_shows_its_people(staff_client, admin_user):
    company = CompanyFactory()
    person = ContactFactory(company=company, fullname="Irene Adler")
    services.create_activity(title="Met Irene", type="C", added_by=admin_user, for_code=person.code)
    html = staff_client.get(f"/connections/companies/{company.pk}/").content.decode()
    assert "Met Irene" in html and "about" in html and "Irene Adler" in html


def test_delete_company_refused_while_people_belong(staff_client):
    company = CompanyFactory(name="Busy Ltd")
    ContactFactory(company=company)
    response = staff_client.post(f"/connections/companies/{company.pk}/delete/", follow=True)
    assert "can&#x27;t be deleted while it has 1 person" in response.content.decode()
    assert Company.objects.exists()
    empty = CompanyFactory()
    staff_client.post(f"/connections/companies/{empty.pk}/delete/")
    assert not Company.objects.filter(pk=empty.pk).exists()


def test_import_preview_then_import(staff_client):
    csv_file = SimpleUploadedFile(
        "people.csv",
        b"Full name;E-mail;Organisation;Tags\n"
        b"Ada Lovelace;ada@engine.test;Analytical;maths;pioneer\n"
        b"Charles Babbage;charles@engine.test;Analytical;\n",
    )
    preview = staff_client.post("/connections/import/", {"kind": "people", "file": csv_file})
    html = preview.content.decode()
    assert "Check before importing" in html and "Ada Lovelace" in html
    assert "1 new company will be created: Analytical" in html
    assert not Contact.objects.exists()
    done = staff_client.post(
        "/connections/import/",
        {"kind": "people", "confirm": "1", "csv_text": preview.context["csv_text"]},
        follow=True,
    )
    assert "Imported 2 people." in done.content.decode()
    assert Contact.objects.count() == 2 and Company.objects.get().name == "Analytical"


def test_import_with_a_bad_row_imports_nothing(staff_client):
    csv_file = SimpleUploadedFile(
        "people.csv", b"name,email\nGood Person,good@x.test\nBad Person,not-an-email\n"
    )
    html = staff_client.post(
        "/connections/import/", {"kind": "people", "file": csv_file}
    ).content.decode()
    assert "1 row needs fixing" in html
    assert "email not-an-email is not a valid email address." in html
    assert "disabled" in html.split("Import 2 people</button>")[0][-120:]
    assert not Contact.objects.exists()


@pytest.mark.parametrize("count", [1, 20])
def test_dashboard_shows_the_latest_journal(
    staff_client, admin_user, django_assert_max_num_queries, count
):
    company = CompanyFactory(name="Harbour Lights")
    person = ContactFactory(fullname="Irene Adler")
    for index in range(count):
        services.create_activity(
            title=f"Call {index}",
            type="C",
            subtype="callin",
            added_by=admin_user,
            for_code=company.code,
        )
    services.create_activity(
        title="Lunch with Irene", type="C", added_by=admin_user, for_code=person.code
    )
    with django_assert_max_num_queries(12):
        html = staff_client.get("/").content.decode()
    assert "Lunch with Irene" in html and "Irene Adler" in html and "Harbour Lights" in html
    assert html.count('class="entry-head"') == min(count + 1, 8)
