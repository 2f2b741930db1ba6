import csv
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, TestCase
from PIL import Image

from accounts.tests.factories import CollaboratorFactory
from crm import services
from crm.models import Activity, ActivityFile, Company, Contact, ImportJob
from crm.tests.factories import CompanyFactory, ContactFactory, png_bytes


def app_css() -> str:
    """The Connections styles live in static/css/app.css (the CSP allows no inline <style>)."""
    from django.contrib.staticfiles import finders

    with open(finders.find("css/app.css"), encoding="utf-8") as stylesheet:
        return stylesheet.read()


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


def test_list_rows_show_the_company_and_the_tags_by_name_escaped(staff_client):
    """The page's rows get their company and tags after the page is read
    (crm/queries.py attach_company_names, attach_tag_lists)."""
    import re

    services.create_contact(
        name="Irene Adler", companyname="Opera <House>", tags="zeta,<b>alpha</b>,Beta,apple"
    )
    services.create_contact(name="Mary Morstan")
    services.create_company(name="Scotland Yard", tags="police,<i>crime</i>")
    people = staff_client.get(
        "/connections/people/", headers={**HTMX, "HX-Target": "connections"}
    ).content.decode()
    rows = [
        row.strip() for row in re.findall(r"<tr class=\"(?:even|odd)\">(.*?)</tr>", people, re.S)
    ]
    assert len(rows) == 2
    adler = next(row for row in rows if "Irene Adler" in row)
    assert re.search(r'<a href="/connections/companies/\d+/">Opera &lt;House&gt;</a>', adler)
    # In the API's order whatever the case (and the database's collation).
    names = ["&lt;b&gt;alpha&lt;/b&gt;", "apple", "Beta", "zeta"]
    badges = " ".join(f'<span class="badge">{name}</span>' for name in names)
    assert adler.endswith(f"<td>{badges}</td>")
    morstan = next(row for row in rows if "Mary Morstan" in row)
    assert morstan.count("<td>—</td>") == 3 and morstan.endswith("<td></td>")

    companies = staff_client.get("/connections/companies/?search=scot").content.decode()
    assert (
        '<span class="badge">&lt;i&gt;crime&lt;/i&gt;</span> <span class="badge">police</span>'
        in companies
    )


@pytest.mark.parametrize("page", ["99", "0"])
def test_an_out_of_range_page_shows_the_last_or_first_with_its_details(
    staff_client, django_assert_max_num_queries, page
):
    """A stale link's page number shows the nearest page, its rows with their
    company, tags and people counts, in as many queries as any page."""
    company = services.create_company(name="Baker Street", tags="gamma")
    for index in range(3):
        services.create_contact(name=f"Person {index}", companyid=company.pk, tags="alpha")
    with django_assert_max_num_queries(11):
        people = staff_client.get(f"/connections/people/?page={page}").content.decode()
    assert people.count('<span class="badge">alpha</span>') == 3
    assert people.count(">Baker Street</a>") == 3
    with django_assert_max_num_queries(11):
        companies = staff_client.get(f"/connections/companies/?page={page}").content.decode()
    assert '<span class="badge">gamma</span>' in companies
    assert '<td class="num">3</td>' in companies


def test_companies_list_counts_people(staff_client):
    company = CompanyFactory(name="Baker Street")
    ContactFactory(company=company)
    ContactFactory(company=company)
    page = staff_client.get("/connections/companies/").content.decode()
    assert "Baker Street" in page
    assert '<td class="num">2</td>' in page


def test_companies_sort_by_people_and_count_them_on_later_pages(staff_client):
    """The counts are fetched for the shown page only; sorting still uses them all."""
    import re

    busiest = CompanyFactory(name="Zeta Works")
    for _ in range(3):
        ContactFactory(company=busiest)
    for index in range(30):
        ContactFactory(company=CompanyFactory(name=f"Alpha {index:02}"))

    by_people = staff_client.get("/connections/companies/?sort=-people_count").content.decode()
    rows = re.findall(r'<a href="/connections/companies/\d+/">([^<]+)</a>', by_people)
    assert rows[0] == "Zeta Works"
    assert '<td class="num">3</td>' in by_people

    last_page = staff_client.get("/connections/companies/?page=2").content.decode()
    assert "Zeta Works" in last_page
    assert '<td class="num">3</td>' in last_page and '<td class="num">1</td>' in last_page


@pytest.mark.parametrize("count", [1, 50])
def test_list_pages_keep_queries_flat(staff_client, django_assert_max_num_queries, count):
    company = CompanyFactory()
    for index in range(count):
        services.create_contact(name=f"Person {index}", companyid=company.pk, tags="a,b")
    # The rows, their count, the tags and companies (or people counts) of the page.
    with django_assert_max_num_queries(11):
        assert staff_client.get("/connections/people/").status_code == 200
    with django_assert_max_num_queries(11):
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
    # And four for billing's panel (its invoices, their sums, unbilled time and items).
    with django_assert_max_num_queries(16 + 4):
        page = staff_client.get(f"/connections/companies/{company.pk}/")
    assert page.status_code == 200
    assert f"Call {count - 1}" in page.content.decode()
    with django_assert_max_num_queries(16 + 4):
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
            "customfields_title": ["Twitter", "VAT", ""],
            "customfields_value": ["@northwind", "GB 123", ""],
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


@pytest.mark.parametrize("value", ["abc", "1.5", "-3", "0", "99999999999999999999999", "424242"])
def test_add_person_ignores_a_company_that_is_no_id(staff_client, value):
    CompanyFactory(name="Harbour Lights")
    response = staff_client.get("/connections/people/add/", {"company": value})
    assert response.status_code == 200
    assert response.context["form"]["companyname"].value() in (None, "")


def test_add_person_from_a_company_fills_it_in(staff_client):
    company = CompanyFactory(name="Harbour Lights")
    response = staff_client.get("/connections/people/add/", {"company": f" {company.pk} "})
    assert response.context["form"]["companyname"].value() == "Harbour Lights"


def test_delete_company_refused_while_people_belong(staff_client):
    company = CompanyFactory(name="Busy Ltd")
    ContactFactory(company=company)
    response = staff_client.post(f"/connections/companies/{company.pk}/delete/", follow=True)
    assert "can&#x27;t be deleted while it has 1 person" in response.content.decode()
    assert Company.objects.exists()
    empty = CompanyFactory()
    staff_client.post(f"/connections/companies/{empty.pk}/delete/")
    assert not Company.objects.filter(pk=empty.pk).exists()


def confirm_import(client, preview):
    """Press Import on a preview page, as the browser would. The test's transaction
    never commits, so the import is handed to the (immediate) worker by hand."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            "/connections/import/",
            {
                "kind": "people",
                "confirm": "1",
                "csv_text": preview.context["csv_text"],
                "ticket": preview.context["ticket"],
            },
        )
    return client.get(response["Location"], follow=True)


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
    done = confirm_import(staff_client, preview)
    assert "Imported 2 people." in done.content.decode()
    assert Contact.objects.count() == 2 and Company.objects.get().name == "Analytical"
    # Back to the preview and Import again: nothing is added twice.
    again = confirm_import(staff_client, preview)
    assert "That import was already done" in again.content.decode()
    assert Contact.objects.count() == 2


def test_import_with_a_bad_row_imports_nothing(staff_client):
    csv_file = SimpleUploadedFile(
        "people.csv", b"name,email\nGood Person,good@x.test\nBad Person,not-an-email\n"
    )
    html = staff_client.post(
        "/connections/import/", {"kind": "people", "file": csv_file}
    ).content.decode()
    assert "1 row needs fixing" in html
    assert "Email not-an-email is not a valid email address." in html
    assert "disabled" in html.split("Import 2 people</button>")[0][-120:]
    assert not Contact.objects.exists()


@pytest.mark.parametrize("count", [1, 20])
def test_dashboard_shows_the_latest_journal(restricted_to, django_assert_max_num_queries, count):
    from conftest import signed_in_client

    # Someone with contacts only: the owner's panels above crm (money, everyone's
    # hours, projects over budget) are measured with their own rows in billing.
    admin_user = restricted_to("contacts")
    staff_client = signed_in_client(admin_user)
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
    # Twelve for the page and its journal, one for My day's tasks, three for My week
    # (an app above crm adds it; it is measured with its own rows there).
    with django_assert_max_num_queries(16):
        html = staff_client.get("/").content.decode()
    assert "Lunch with Irene" in html and "Irene Adler" in html and "Harbour Lights" in html
    assert html.count('class="entry-head"') == min(count + 1, 8)


# --- the journal: errors inline, the timeline stays -------------------------------


@pytest.mark.parametrize("about", ["company", "person"])
def test_journal_error_keeps_the_timeline_and_the_retry_saves(staff_client, admin_user, about):
    obj = CompanyFactory(name="Baker Street") if about == "company" else ContactFactory()
    services.create_activity(title="Earlier call", type="C", added_by=admin_user, for_code=obj.code)
    refused = staff_client.post(
        f"/connections/journal/{obj.code}/add/",
        {"kind": "comment", "title": "", "attachment": SimpleUploadedFile("x.exe", b"MZ")},
        headers=HTMX,
    )
    html = refused.content.decode()
    # The whole journal comes back (the swap target stays), the form shows why.
    assert refused.status_code == 200 and html.lstrip().startswith(
        '<section class="card" id="journal">'
    )
    assert "Earlier call" in html and 'class="timeline"' in html
    assert "This field is required." in html
    assert "The file must be one of these file types" in html
    assert 'hx-target="#journal"' in html
    assert "HX-Trigger" not in refused.headers
    assert Activity.objects.count() == 1

    retried = staff_client.post(
        f"/connections/journal/{obj.code}/add/",
        {"kind": "comment", "title": "Second try"},
        headers=HTMX,
    ).content.decode()
    assert "Second try" in retried and "Earlier call" in retried
    assert "This field is required." not in retried
    assert Activity.objects.filter(title="Second try").exists()


def test_blank_reply_is_an_error_on_that_entry(staff_client, admin_user):
    company = CompanyFactory()
    entry = services.create_activity(
        title="Asked for a quote", type="C", added_by=admin_user, for_code=company.code
    )
    response = staff_client.post(
        f"/connections/journal/{entry.pk}/reply/", {"content": "   \n "}, headers=HTMX
    )
    html = response.content.decode()
    assert 'id="journal"' in html and "Asked for a quote" in html
    assert f'<small class="field-error" id="reply-{entry.pk}-error" role="alert">' in html
    assert "Write something to reply." in html
    assert "<details open>" in html
    # Not announced as a success.
    assert "success" not in response.headers.get("HX-Trigger", "")
    assert not entry.replies.exists()


def test_journal_entry_can_be_dated_earlier(staff_client):
    from datetime import datetime, timedelta

    from django.utils import timezone

    company = CompanyFactory()
    page = staff_client.get(f"/connections/companies/{company.pk}/").content.decode()
    assert 'type="datetime-local"' in page and 'name="date"' in page
    assert 'name="initial-date"' in page

    shown = timezone.localtime().replace(second=0, microsecond=0)
    yesterday = shown - timedelta(days=1)
    staff_client.post(
        f"/connections/journal/{company.code}/add/",
        {
            "kind": "callin",
            "title": "Yesterday's call",
            "date": yesterday.strftime("%Y-%m-%dT%H:%M"),
            "initial-date": shown.strftime("%Y-%m-%d %H:%M:%S"),
        },
        headers=HTMX,
    )
    assert Activity.objects.get(title="Yesterday's call").date == yesterday

    # Left as shown, the entry is dated when it is saved, not when the page loaded.
    long_ago = datetime(2020, 1, 1, 9, 0, tzinfo=timezone.get_current_timezone())
    staff_client.post(
        f"/connections/journal/{company.code}/add/",
        {
            "kind": "comment",
            "title": "Just now",
            "date": long_ago.strftime("%Y-%m-%dT%H:%M"),
            "initial-date": long_ago.strftime("%Y-%m-%d %H:%M:%S"),
        },
        headers=HTMX,
    )
    saved = Activity.objects.get(title="Just now").date
    assert abs(saved - timezone.now()) < timedelta(minutes=1)


def test_detail_pages_put_the_details_before_the_journal(staff_client):
    company = CompanyFactory()
    person = ContactFactory(company=company)
    for url in (f"/connections/companies/{company.pk}/", f"/connections/people/{person.pk}/"):
        html = staff_client.get(url).content.decode()
        assert "detail-layout" in html
        assert html.index("<h2>Details</h2>") < html.index('id="journal"')
        # The Reply chevron is styled to sit by its label.
        assert ".entry-actions summary::after" in app_css()


# --- the lists: order and export --------------------------------------------------


def test_lists_are_sorted_by_name_by_default(staff_client):
    for name in ("Zeta Works", "Alpha Studio", "Mango Ltd"):
        CompanyFactory(name=name)
    html = staff_client.get("/connections/companies/").content.decode()
    assert html.index("Alpha Studio") < html.index("Mango Ltd") < html.index("Zeta Works")
    assert 'aria-sort="ascending">' in html and 'Name <span aria-hidden="true">▲</span>' in html

    for name in ("Anna Zimmer", "Zoe Adams", "Bob Mills"):
        services.create_contact(name=name)
    html = staff_client.get("/connections/people/").content.decode()
    # By last name: Adams, Mills, Zimmer.
    assert html.index("Zoe Adams") < html.index("Bob Mills") < html.index("Anna Zimmer")
    assert 'aria-sort="ascending">' in html and 'Name <span aria-hidden="true">▲</span>' in html


def test_export_link_follows_search_tag_and_sort(staff_client):
    services.create_contact(name="Sherlock Holmes", tags="detective")
    page = staff_client.get("/connections/people/?search=sher&sort=-fullname").content.decode()
    assert 'href="/connections/people/?search=sher&amp;sort=-fullname&amp;format=csv"' in page

    # Search as you type swaps only the table; the export link comes with it.
    partial = staff_client.get(
        "/connections/people/?search=wat&tag=detective",
        headers={**HTMX, "HX-Target": "connections"},
    ).content.decode()
    assert (
        '<a class="secondary outline small" role="button" '
        'href="/connections/people/?search=wat&amp;tag=detective&amp;format=csv" '
        'id="export-link" hx-swap-oob="true">'
    ) in partial
    # The full page has the link once, not out of band.
    assert page.count('id="export-link"') == 1 and "hx-swap-oob" not in page


def csv_of(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8")


def test_export_is_excel_safe_sorted_and_complete(staff_client):
    services.create_contact(
        name="Ciarán Ó Briain",
        telephone="+44 28 9000 0000",
        creditlimit="2500",
        customfields=[{"title": "VAT", "value": "GB 123"}, {"title": "Owner", "value": "Sam"}],
        notes='=HYPERLINK("http://evil.test")',
    )
    services.create_contact(name="Ada Lovelace", email="ada@engine.test")
    services.create_contact(name="Alan Turing")
    response = staff_client.get("/connections/people/?format=csv")
    text = csv_of(response)
    assert text.startswith("\ufeffname,")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    # The list's order (last name), then the sorted one.
    assert [row["name"] for row in rows] == ["Ciarán Ó Briain", "Ada Lovelace", "Alan Turing"]
    ciaran = rows[0]
    assert ciaran["telephone"] == "'+44 28 9000 0000"
    assert ciaran["notes"] == '\'=HYPERLINK("http://evil.test")'
    assert ciaran["creditlimit"] == "2500.00"
    assert ciaran["customfields"] == "VAT: GB 123\nOwner: Sam"

    by_name_desc = csv_of(staff_client.get("/connections/people/?sort=-fullname&format=csv"))
    names = [row["name"] for row in csv.DictReader(io.StringIO(by_name_desc.lstrip("\ufeff")))]
    assert names == ["Alan Turing", "Ada Lovelace", "Ciarán Ó Briain"]

    # And it imports back as it was.
    Contact.objects.all().delete()
    from crm import importing

    assert importing.run_import("people", text) == 3
    again = Contact.objects.get(fullname="Ciarán Ó Briain")
    assert again.telephone == "+44 28 9000 0000"
    assert again.notes == '=HYPERLINK("http://evil.test")'
    assert str(again.creditlimit) == "2500.00"
    assert again.customfields == [
        {"title": "VAT", "value": "GB 123"},
        {"title": "Owner", "value": "Sam"},
    ]


# --- import ----------------------------------------------------------------------


def test_import_reads_hubspot_style_people(staff_client):
    csv_file = SimpleUploadedFile(
        "hubspot.csv",
        b"First Name,Last Name,Email,Company Name,Job Title,Phone Number\n"
        b"Grace,Hopper,grace@navy.test,Navy Labs,Admiral,+1 555 0100\n",
    )
    preview = staff_client.post("/connections/import/", {"kind": "people", "file": csv_file})
    html = preview.content.decode()
    assert "<td>Grace Hopper</td>" in html and "<td>Navy Labs</td>" in html
    assert "<td>+1 555 0100</td>" in html and "<td>Admiral</td>" in html
    assert "Columns we don't read" not in html  # no column left unread
    assert "Import 1 person</button>" in html
    done = confirm_import(staff_client, preview)
    assert "Imported 1 person." in done.content.decode()
    grace = Contact.objects.get()
    assert (grace.fullname, grace.firstname, grace.lastname) == ("Grace Hopper", "Grace", "Hopper")
    assert (grace.company.name, grace.position, grace.telephone) == (
        "Navy Labs",
        "Admiral",
        "+1 555 0100",
    )


def test_import_preview_marks_bad_rows_and_disables_import(staff_client):
    csv_file = SimpleUploadedFile(
        "people.csv", b"name,email\nGood Person,good@x.test\nBad Person,not-an-email\n"
    )
    html = staff_client.post(
        "/connections/import/", {"kind": "people", "file": csv_file}
    ).content.decode()
    assert '<tr class="has-row-error">' in html
    assert ".import-table.striped tbody tr.has-row-error td" in app_css()  # the row is styled
    assert (
        '<button type="submit" name="confirm" value="1" disabled '
        'aria-describedby="import-blocked">Import 2 people</button>'
    ) in html


def test_a_cell_over_128_kb_is_a_form_error_not_a_500(staff_client):
    csv_file = SimpleUploadedFile("people.csv", b"name,notes\nAda," + b"x" * 200_000 + b"\n")
    response = staff_client.post("/connections/import/", {"kind": "people", "file": csv_file})
    assert response.status_code == 200
    assert (
        "Line 2, column “notes”: a cell can hold at most 131,072 characters, and this one "
        "has 200,000." in response.content.decode()
    )


def test_an_import_job_shows_its_progress_and_is_polled_until_it_ends(staff_client, admin_user):
    job = ImportJob.objects.create(
        kind="people", status="running", total_rows=20_000, done_rows=12_500, created_by=admin_user
    )
    url = f"/connections/import/{job.pk}/"
    html = staff_client.get(url).content.decode()
    assert "<h1>Import of people</h1>" in html
    assert "Imported 12,500 of 20,000 people…" in html
    assert '<progress aria-label="Import progress" value="12500" max="20000">' in html
    assert f'hx-get="{url}" hx-trigger="every 1s" hx-swap="outerHTML"' in html
    poll = {"HX-Request": "true", "HX-Target": "import-status"}
    part = staff_client.get(url, headers=poll).content.decode()
    assert part.strip().startswith('<div id="import-status" data-status="running"')
    assert "<h1>" not in part

    ImportJob.objects.filter(pk=job.pk).update(status="done", done_rows=20_000, new_companies=3)
    part = staff_client.get(url, headers=poll).content.decode()
    assert "<strong>Imported 20,000 people.</strong> 3 new companies were created." in part
    assert "hx-trigger" not in part  # the polling stops
    assert '<a href="/connections/people/" role="button">Show the people</a>' in part

    ImportJob.objects.filter(pk=job.pk).update(status="failed", message="Nothing was imported.")
    part = staff_client.get(url, headers=poll).content.decode()
    assert "The import did not finish.</strong> Nothing was imported." in part
    assert "hx-trigger" not in part


def test_a_queued_import_says_when_the_worker_is_late(staff_client, admin_user):
    from datetime import timedelta

    from django.utils import timezone

    job = ImportJob.objects.create(kind="companies", total_rows=1, created_by=admin_user)
    html = staff_client.get(f"/connections/import/{job.pk}/").content.decode()
    assert "Waiting for the worker to start importing 1 company…" in html
    assert "run_huey" not in html
    ImportJob.objects.filter(pk=job.pk).update(created=timezone.now() - timedelta(minutes=2))
    html = staff_client.get(f"/connections/import/{job.pk}/").content.decode()
    assert "check that the worker (<code>manage.py run_huey</code>) is running" in html


def test_an_import_job_is_only_its_owners(client, admin_user):
    from accounts.tests.factories import UserFactory

    job = ImportJob.objects.create(kind="people", total_rows=1, created_by=admin_user)
    client.force_login(UserFactory(email="colleague@studio.test"))
    assert client.get(f"/connections/import/{job.pk}/").status_code == 404


# --- forms: website, image, custom fields, company and email --------------------


def test_website_gets_a_scheme_and_nonsense_is_refused(staff_client):
    staff_client.post(
        "/connections/companies/add/", {"name": "Audit Widgets", "website": "auditwidgets.test"}
    )
    company = Company.objects.get()
    assert company.website == "https://auditwidgets.test"
    detail = staff_client.get(f"/connections/companies/{company.pk}/").content.decode()
    assert (
        '<a href="https://auditwidgets.test" target="_blank" rel="noopener noreferrer">' in detail
    )

    html = staff_client.post(
        "/connections/companies/add/", {"name": "Nope Ltd", "website": "not a url at all"}
    ).content.decode()
    assert (
        '<small class="field-error" id="id_website_error" role="alert">'
        "Website &#x27;not a url at all&#x27; is not a web address"
    ) in html
    assert not Company.objects.filter(name="Nope Ltd").exists()
    with pytest.raises(ValidationError, match="website 'localhost' is not a web address"):
        services.create_company(name="Local", website="localhost")


def test_image_can_be_removed(staff_client):
    company = CompanyFactory(name="Logo Co")
    services.set_image(company, png("logo.png"))
    url = f"/connections/companies/{company.pk}/edit/"
    form = staff_client.get(url).content.decode()
    assert '<input type="checkbox" name="remove_image"' in form and "Remove image" in form
    assert ".avatar, .connection-form .image-preview { object-fit: contain; }" in app_css()
    staff_client.post(url, {"name": "Logo Co", "remove_image": "on"})
    company.refresh_from_db()
    assert not company.image
    assert (
        '<input type="checkbox" name="remove_image"' not in staff_client.get(url).content.decode()
    )


def test_custom_fields_are_rows_with_inline_errors(staff_client):
    company = CompanyFactory(name="Fields Co")
    services.update_company(company, customfields=[{"title": "VAT", "value": "GB1"}])
    url = f"/connections/companies/{company.pk}/edit/"
    form = staff_client.get(url).content.decode()
    assert 'name="customfields_title" value="VAT"' in form
    assert 'name="customfields_value" value="GB1"' in form
    assert form.count('class="customfield-row"') == 3  # saved, empty, and the template
    assert "Add field" in form and "Remove custom field 1" in form
    assert "Twitter: @studio" not in form

    refused = staff_client.post(
        url,
        {
            "name": "Fields Co",
            "customfields_title": ["VAT", ""],
            "customfields_value": ["GB2", "orphan value"],
        },
    ).content.decode()
    assert '<div class="customfield-row has-error">' in refused
    assert '<small class="field-error" role="alert">Give “orphan value” a title.</small>' in refused
    assert "Fix the marked row to save the custom fields." in refused
    company.refresh_from_db()
    assert company.customfields == [{"title": "VAT", "value": "GB1"}]

    staff_client.post(
        url,
        {
            "name": "Fields Co",
            "customfields_title": ["VAT", "Owner", ""],
            "customfields_value": ["GB2", "Sam", ""],
        },
    )
    company.refresh_from_db()
    assert company.customfields == [
        {"title": "VAT", "value": "GB2"},
        {"title": "Owner", "value": "Sam"},
    ]


def test_person_form_suggests_companies_and_says_when_one_is_new(staff_client):
    CompanyFactory(name="Northwind Brewery")
    form = staff_client.get("/connections/people/add/").content.decode()
    assert '<datalist id="company-suggestions"><option value="Northwind Brewery">' in form

    typed = staff_client.get(
        "/connections/companies/suggestions/?companyname=Northwind+Brewing",
        headers={"HX-Request": "true", "HX-Target": "company-suggestions"},
    ).content.decode()
    assert "A new company “Northwind Brewing” will be created." in typed
    assert "Did you mean “Northwind Brewery”?" in typed
    assert 'hx-swap-oob="true"' in typed
    exact = staff_client.get(
        "/connections/companies/suggestions/?companyname=northwind+brewery",
        headers={"HX-Request": "true", "HX-Target": "company-suggestions"},
    ).content.decode()
    assert '<option value="Northwind Brewery">' in exact and "will be created" not in exact

    saved = staff_client.post(
        "/connections/people/add/",
        {"name": "Grace Hopper", "companyname": "Northwind Brewing"},
        follow=True,
    ).content.decode()
    assert "A new company “Northwind Brewing” was created. Did you mean “Northwind Brewery”?" in (
        saved
    )
    assert Company.objects.count() == 2


def test_same_email_as_someone_else_is_saved_with_a_warning(staff_client):
    ContactFactory(fullname="Irene Adler", email="irene@opera.test")
    saved = staff_client.post(
        "/connections/people/add/",
        {"name": "Irene Norton", "email": "Irene@Opera.test"},
        follow=True,
    ).content.decode()
    assert "Irene Norton was added." in saved
    assert "Irene Adler already has the email irene@opera.test" in saved
    assert Contact.objects.count() == 2


def test_a_nul_in_a_search_is_ignored_not_a_crash(staff_client):
    CompanyFactory(name="Acme Ltd")
    assert staff_client.get("/connections/companies/?search=ac%00me").status_code == 200
    assert (
        staff_client.get("/connections/companies/suggestions/?companyname=a%00").status_code == 200
    )
    assert staff_client.get("/accounts/users/?search=x%00").status_code == 200


def test_old_websites_that_are_not_web_addresses_are_shown_but_not_linked(staff_client):
    company = CompanyFactory(name="Old")
    Company.objects.filter(pk=company.pk).update(website="javascript://%0aalert(1)")
    html = staff_client.get(f"/connections/companies/{company.pk}/").content.decode()
    assert "javascript://%0aalert(1)" in html
    assert 'href="javascript' not in html


def test_a_company_name_with_extra_spaces_finds_the_company(staff_client):
    acme = CompanyFactory(name="Acme Ltd")
    assert services.find_or_create_company("  acme   LTD ") == acme
    assert Company.objects.count() == 1


def test_sorting_survives_a_search_and_the_back_button_gets_a_whole_page(staff_client):
    CompanyFactory(name="Alpha", city="Belfast")
    CompanyFactory(name="Bravo", city="Armagh")
    html = staff_client.get(
        "/connections/companies/?sort=-city&search=",
        headers={"HX-Request": "true", "HX-Target": "connections"},
    )
    assert 'name="sort" id="sort-field" value="-city" hx-swap-oob="true"' in html.content.decode()
    assert "HX-Request" in html["Vary"]
    page = staff_client.get("/connections/companies/?sort=-city").content.decode()
    assert '<input type="hidden" name="sort" id="sort-field" value="-city">' in page


def test_a_second_company_with_the_same_name_is_allowed_but_flagged(staff_client):
    CompanyFactory(name="Harbour Lights Brewery")
    response = staff_client.post(
        "/connections/companies/add/", {"name": "harbour  lights brewery"}, follow=True
    )
    assert (
        "There is another company called “harbour  lights brewery”."
        in (response.content.decode().replace("&ldquo;", "“"))
        or "There is another company called" in response.content.decode()
    )
    assert Company.objects.count() == 2
    options = staff_client.get("/connections/companies/suggestions/?companyname=harb").content
    assert options.decode().count('<option value="Harbour Lights Brewery">') == 1


def test_a_chosen_image_is_asked_for_again_after_an_error(staff_client):
    response = staff_client.post(
        "/connections/companies/add/",
        {"name": "", "image": SimpleUploadedFile("logo.png", png_bytes(), "image/png")},
    )
    assert "Choose the image again" in response.content.decode()
    assert not Company.objects.exists()
