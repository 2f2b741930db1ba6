"""The invoice pages: the lists and their tabs, the editor, the document, payments and
credit notes, as a user of the browser sees them."""

import json
import re
from datetime import timedelta
from decimal import Decimal as D
from urllib.parse import quote

import pytest
from django.utils import timezone

from accounts.models import AccountSettings
from billing import invoicing
from billing.forms import EDITOR_LINES_MAX
from billing.models import CreditNote, Invoice, LedgerCategory, Payment, Product
from billing.tests.factories import LedgerCategoryFactory, TaxCodeFactory
from crm.tests.factories import CompanyFactory, ContactFactory
from projects.tests.factories import JobFactory, ProjectFactory

pytestmark = pytest.mark.django_db
TABLE = {"HX-Request": "true", "HX-Target": "invoices"}
HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def vat():
    TaxCodeFactory(code="001", name="Standard VAT", rate=D("0.2"), position=1)
    TaxCodeFactory(code="003", name="Zero rated", rate=D("0"), position=2)
    LedgerCategoryFactory(code="4000", name="Design")


@pytest.fixture
def acme():
    return CompanyFactory(name="Acme Studio")


def lines(*amounts, taxcode="001", title="Work"):
    return [
        {
            "title": "Section 1",
            "items": [
                {"title": f"{title} {n}", "quantity": 1, "unitprice": amount, "taxcode": taxcode}
                for n, amount in enumerate(amounts, start=1)
            ],
        }
    ]


def draft(user, client=None, amounts=(100,), **fields):
    client = client or CompanyFactory()
    return invoicing.create_invoice(
        added_by=user, client=f"{client.CODE}{client.pk}", items=lines(*amounts), **fields
    )


def issued(user, client=None, amounts=(100,), **fields):
    return invoicing.issue_invoice(draft(user, client, amounts, **fields), by=user)


def text(response) -> str:
    return response.content.decode()


def references(page: str) -> list[str]:
    return re.findall(r'<a href="/invoices/\d+/">([^<]+)</a>', page)


def editor_post(**overrides) -> dict:
    """The editor's form as the browser sends it: a head and one section of lines."""
    data = {
        "client": "",
        "work": "",
        "date": timezone.localdate().isoformat(),
        "terms": "30",
        "purchaseorder": "",
        "discount": "0",
        "sections-0-title": "Design",
        "sections-0-lines-0-title": "Logo",
        "sections-0-lines-0-description": "",
        "sections-0-lines-0-quantity": "2",
        "sections-0-lines-0-unitprice": "100",
        "sections-0-lines-0-taxcode": "001",
        "sections-0-lines-0-category": "4000",
    }
    data.update(overrides)
    return data


# --- who may open them --------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/invoices/",
        "/invoices/add/",
        "/invoices/payments/",
        "/invoices/creditnotes/",
        "/invoices/clients/?client=a",
        "/invoices/work/?work=a",
    ],
)
def test_people_without_the_invoices_area_get_403(restricted_client, collaborator_client, path):
    assert restricted_client.get(path).status_code == 403
    assert collaborator_client.get(path).status_code == 403


def test_an_invoice_and_its_writes_refuse_those_without_the_area(
    admin_user, restricted_to, collaborator_client
):
    from conftest import signed_in_client

    invoice = issued(admin_user)
    draft_invoice = draft(admin_user)
    projects_only = signed_in_client(restricted_to("projects", "contacts"))
    for client in (projects_only, collaborator_client):
        assert client.get(f"/invoices/{invoice.pk}/").status_code == 403
        assert client.get(f"/invoices/{draft_invoice.pk}/edit/").status_code == 403
        assert client.post(f"/invoices/{draft_invoice.pk}/issue/").status_code == 403
        assert client.post(f"/invoices/{draft_invoice.pk}/delete/").status_code == 403
        response = client.post(
            f"/invoices/{invoice.pk}/payments/add/",
            {"amount": "10", "date": "2024-01-01", "method": "BACS"},
        )
        assert response.status_code == 403
        assert client.post("/invoices/totals/", editor_post()).status_code == 403
    assert Invoice.objects.get(pk=draft_invoice.pk).issued_at is None
    assert not Payment.objects.exists()


def test_signed_out_people_are_sent_to_sign_in(client):
    response = client.get("/invoices/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_sidebar_lists_invoices_for_those_who_may_open_them(
    staff_client, restricted_to, collaborator_client
):
    from conftest import signed_in_client

    assert '<a href="/invoices/"' in text(staff_client.get("/"))
    assert '<a href="/invoices/"' in text(signed_in_client(restricted_to("invoices")).get("/"))
    assert '<a href="/invoices/"' not in text(signed_in_client(restricted_to("projects")).get("/"))
    assert '<a href="/invoices/"' not in text(collaborator_client.get("/"))


def test_a_restricted_user_with_the_area_uses_the_pages(restricted_to):
    from conftest import signed_in_client

    client = signed_in_client(restricted_to("invoices"))
    assert client.get("/invoices/").status_code == 200
    assert client.get("/invoices/add/").status_code == 200


# --- the list, its tabs and their totals ----------------------------------------


def test_the_list_shows_each_invoice_with_its_status_and_money(staff_client, admin_user, acme):
    person = ContactFactory(fullname="Grace Hopper")
    paid = issued(admin_user, acme, (100,))
    invoicing.record_payment(invoice=paid, amount="120", date=timezone.localdate(), method="BACS")
    issued(admin_user, person, (50,))
    draft(admin_user, acme, (10,))
    page = text(staff_client.get("/invoices/"))
    assert 'class="badge badge-green">Paid' in page
    assert 'class="badge badge-blue">Issued' in page
    assert 'class="badge badge-grey">Draft' in page
    assert ">Acme Studio</a>" in page and ">Grace Hopper</a>" in page
    # Grand totals with the account's currency and two decimals; what is still owed.
    assert "£120.00" in page and "£60.00" in page and "£12.00" in page
    assert [ref for ref in references(page) if not ref.startswith("Draft")] == ["2", "1"]


def test_the_tabs_count_and_sum_their_invoices(staff_client, admin_user, acme):
    long_ago = timezone.now() - timedelta(days=90)
    overdue = issued(admin_user, acme, (100,), date=long_ago)  # 120.00 owed, overdue
    part_paid = issued(admin_user, acme, (200,))  # 240.00, 40.00 paid
    invoicing.record_payment(
        invoice=part_paid, amount="40", date=timezone.localdate(), method="Card"
    )
    paid = issued(admin_user, acme, (50,))  # 60.00 paid in full
    invoicing.record_payment(invoice=paid, amount="60", date=timezone.localdate(), method="Cash")
    draft(admin_user, acme, (10,))  # 12.00 to issue
    page = text(staff_client.get("/invoices/"))
    tabs = {
        key: (count, amount)
        for key, count, amount in re.findall(
            r'class="status-tab status-(\w+)[^"]*"[^>]*>\s*<span class="tab-label">[^<]*'
            r'<span class="tab-count">(\d+)</span></span>\s*<span class="tab-amount">([^ ]+)',
            page,
        )
    }
    assert tabs == {
        "all": ("4", "£432.00"),
        "draft": ("1", "£12.00"),
        "issued": ("2", "£320.00"),  # what the two unpaid invoices still owe
        "overdue": ("1", "£120.00"),
        "paid": ("1", "£60.00"),
    }
    assert 'class="status-tab status-overdue has-overdue"' in page and overdue.pk
    # What the paid tab sums is settled, by payments or by credit notes.
    assert "£60.00 <small>settled</small>" in page


def tab_figures(page: str) -> dict[str, tuple[str, str]]:
    return {
        key: (count, amount)
        for key, count, amount in re.findall(
            r'class="status-tab status-(\w+)[^"]*"[^>]*>\s*<span class="tab-label">[^<]*'
            r'<span class="tab-count">(\d+)</span></span>\s*<span class="tab-amount">([^ ]+)',
            page,
        )
    }


def test_the_tab_totals_follow_every_write_to_billing(
    staff_client, admin_user, acme, django_capture_on_commit_callbacks
):
    # The list remembers its totals; each write forgets them once it commits.
    with django_capture_on_commit_callbacks(execute=True):
        invoice = issued(admin_user, acme, (100,))
    assert tab_figures(text(staff_client.get("/invoices/")))["issued"] == ("1", "£120.00")
    with django_capture_on_commit_callbacks(execute=True):
        payment = invoicing.record_payment(
            invoice=invoice, amount="120", date=timezone.localdate(), method="BACS"
        )
    figures = tab_figures(text(staff_client.get("/invoices/")))
    assert figures["issued"] == ("0", "£0.00") and figures["paid"] == ("1", "£120.00")
    with django_capture_on_commit_callbacks(execute=True):
        invoicing.delete_payment(payment)
    assert tab_figures(text(staff_client.get("/invoices/")))["paid"] == ("0", "£0.00")
    with django_capture_on_commit_callbacks(execute=True):
        note = invoicing.create_credit_note(invoice=invoice, added_by=admin_user, items=lines(50))
        invoicing.issue_credit_note(note, by=admin_user)
    assert tab_figures(text(staff_client.get("/invoices/")))["issued"] == ("1", "£60.00")
    with django_capture_on_commit_callbacks(execute=True):
        invoicing.delete_invoice(draft(admin_user, acme, (10,)))
        draft(admin_user, acme, (20,))
    assert tab_figures(text(staff_client.get("/invoices/")))["draft"] == ("1", "£24.00")


def test_remembered_totals_answer_without_adding_up_again(
    staff_client, admin_user, acme, django_assert_max_num_queries
):
    issued(admin_user, acme, (100,))
    first = tab_figures(text(staff_client.get("/invoices/")))
    AccountSettings.load()
    # The session and user, the remembered totals, the account and the page's rows.
    with django_assert_max_num_queries(5):
        again = tab_figures(text(staff_client.get("/invoices/")))
    assert again == first and first["all"] == ("1", "£120.00")
    # Another filter adds up its own.
    picked = quote(f"C{acme.pk} · Acme Studio")
    other = tab_figures(text(staff_client.get(f"/invoices/?client={picked}&tab=paid")))
    assert other["all"] == ("1", "£120.00")


def test_an_invoice_moves_to_overdue_when_it_falls_due_with_nothing_written(admin_user, acme):
    from billing import queries

    invoice = issued(admin_user, acme, (100,), terms=7)
    # Two minutes apart: well within how long totals are otherwise remembered.
    now = invoice.due - timedelta(minutes=1)
    before = queries.list_tab_totals(queries.invoices_for_pages(now=now), now=now)
    assert before["overdue"]["count"] == 0 and before["issued"]["count"] == 1
    later = invoice.due + timedelta(minutes=1)
    after = queries.list_tab_totals(queries.invoices_for_pages(now=later), now=later)
    assert after["overdue"] == {"count": 1, "amount": D("120.00")}


def test_searches_add_up_what_they_find_now(staff_client, admin_user, acme):
    # A client's new name changes what a search finds without billing knowing.
    issued(admin_user, acme, (100,))
    assert tab_figures(text(staff_client.get("/invoices/?search=acme")))["all"][0] == "1"
    acme.name = "Zenith Studio"
    acme.save()
    assert tab_figures(text(staff_client.get("/invoices/?search=acme")))["all"][0] == "0"
    assert tab_figures(text(staff_client.get("/invoices/?search=zenith")))["all"][0] == "1"


def test_a_tab_lists_only_its_invoices(staff_client, admin_user, acme):
    issued(admin_user, acme, (100,), date=timezone.now() - timedelta(days=90))
    draft(admin_user, acme, (10,))
    paid = issued(admin_user, acme, (50,))
    invoicing.record_payment(invoice=paid, amount="60", date=timezone.localdate(), method="Cash")
    assert references(text(staff_client.get("/invoices/?tab=overdue"))) == ["1"]
    assert references(text(staff_client.get("/invoices/?tab=paid"))) == ["2"]
    assert references(text(staff_client.get("/invoices/?tab=draft")))[0].startswith("Draft #")
    assert len(references(text(staff_client.get("/invoices/?tab=issued")))) == 1
    # An unknown tab shows them all rather than failing.
    assert len(references(text(staff_client.get("/invoices/?tab=nonsense")))) == 3


def test_search_finds_by_number_client_or_po_and_the_tabs_follow(staff_client, admin_user):
    acme, harbour = CompanyFactory(name="Acme Studio"), CompanyFactory(name="Harbour Lights")
    issued(admin_user, acme, (100,))
    issued(admin_user, harbour, (100,), purchaseorder="PO-778")
    draft(admin_user, harbour, (10,))
    page = text(staff_client.get("/invoices/?search=acme"))
    assert references(page) == ["1"]
    assert '<span class="tab-count">1</span>' in page and "£120.00" in page
    assert references(text(staff_client.get("/invoices/?search=po-77"))) == ["2"]
    assert references(text(staff_client.get("/invoices/?search=2"))) == ["2"]


def test_the_client_and_date_filters(staff_client, admin_user, acme):
    other = CompanyFactory(name="Acme Foods")
    issued(admin_user, acme, (100,), date=timezone.now() - timedelta(days=40))
    issued(admin_user, other, (100,))
    picked = quote(f"C{acme.pk} · Acme Studio")
    assert references(text(staff_client.get(f"/invoices/?client={picked}"))) == ["1"]
    assert sorted(references(text(staff_client.get("/invoices/?client=acme")))) == ["1", "2"]
    since = (timezone.localdate() - timedelta(days=7)).isoformat()
    assert references(text(staff_client.get(f"/invoices/?from={since}"))) == ["2"]
    assert references(text(staff_client.get(f"/invoices/?to={since}"))) == ["1"]
    # A date that isn't one filters nothing out.
    assert len(references(text(staff_client.get("/invoices/?from=soon&client=C99999999999")))) == 0
    assert len(references(text(staff_client.get("/invoices/?from=soon")))) == 2


def test_the_list_sorts_and_pages(staff_client, admin_user, acme):
    for amount in range(1, 31):
        issued(admin_user, acme, (amount,))
    by_total = text(staff_client.get("/invoices/?sort=grandtotal"))
    assert references(by_total)[:3] == ["1", "2", "3"] and len(references(by_total)) == 25
    second = text(staff_client.get("/invoices/?sort=-grandtotal&page=2"))
    assert references(second) == ["5", "4", "3", "2", "1"]


def test_the_table_partial_brings_the_tabs_with_it(staff_client, admin_user, acme):
    issued(admin_user, acme, (100,))
    draft(admin_user, CompanyFactory(name="Harbour"), (10,))
    response = staff_client.get("/invoices/?search=acme&tab=all", headers=TABLE)
    partial = text(response)
    assert "<html" not in partial and references(partial) == ["1"]
    assert 'id="status-tabs" aria-label="Invoices by status" hx-swap-oob="true"' in partial
    assert "1 invoice found" in partial
    assert "HX-Target" in response["Vary"]


def test_money_shows_in_the_accounts_currency(staff_client, admin_user, acme):
    AccountSettings.objects.update_or_create(pk=1, defaults={"currency": "EUR"})
    issued(admin_user, acme, (1234.5,))
    page = text(staff_client.get("/invoices/"))
    assert "€1,481.40" in page


@pytest.mark.parametrize("count", [1, 50])
def test_the_list_keeps_its_queries_flat(
    staff_client, admin_user, django_assert_max_num_queries, count
):
    people = [ContactFactory(), ContactFactory()]
    for index in range(count):
        invoice = issued(admin_user, people[index % 2], (100,))
        if index % 3 == 0:
            invoicing.record_payment(
                invoice=invoice, amount="50", date=timezone.localdate(), method="BACS"
            )
    AccountSettings.load()
    # The session and user, the remembered totals (none yet), the tabs' one
    # aggregate, remembering it and the data's version (the database cache: five
    # statements each), the account and the page's rows; the tab's count is among its
    # totals. Once remembered, five (test_remembered_totals_answer_without_adding_up).
    with django_assert_max_num_queries(16):
        response = staff_client.get("/invoices/")
    assert response.status_code == 200
    assert len(references(text(response))) == min(count, 25)
    overdue = staff_client.get("/invoices/?tab=overdue&page=1")
    assert len(references(text(overdue))) == 0


@pytest.mark.parametrize("count", [1, 50])
def test_the_credit_note_and_payment_lists_keep_their_queries_flat(
    staff_client, admin_user, django_assert_max_num_queries, count
):
    for _ in range(count):
        invoice = issued(admin_user, ContactFactory(), (100,))
        invoicing.record_payment(
            invoice=invoice, amount="10", date=timezone.localdate(), method="BACS"
        )
        invoicing.create_credit_note(invoice=invoice, added_by=admin_user, items=lines(5))
    AccountSettings.load()
    # The session and user, the count, the account and the page's rows.
    with django_assert_max_num_queries(5):
        assert staff_client.get("/invoices/payments/").status_code == 200
    with django_assert_max_num_queries(5):
        assert staff_client.get("/invoices/creditnotes/").status_code == 200


def test_the_payment_and_credit_note_lists_search_and_filter(staff_client, admin_user, acme):
    first = issued(admin_user, acme, (100,))
    second = issued(admin_user, CompanyFactory(name="Harbour Lights"), (100,))
    invoicing.record_payment(invoice=first, amount="20", date="2024-03-01", method="BACS")
    invoicing.record_payment(invoice=second, amount="30", date="2024-03-02", method="Card")
    payments = text(staff_client.get("/invoices/payments/"))
    assert "£20.00" in payments and "£30.00" in payments and "BACS" in payments
    assert "£20.00" not in text(staff_client.get("/invoices/payments/?search=harbour"))
    assert "£30.00" not in text(staff_client.get("/invoices/payments/?method=BACS"))
    note = invoicing.create_credit_note(invoice=first, added_by=admin_user, items=lines(10))
    invoicing.issue_credit_note(note, by=admin_user)
    invoicing.create_credit_note(invoice=second, added_by=admin_user, items=lines(5))
    notes = text(staff_client.get("/invoices/creditnotes/"))
    assert "£12.00" in notes and "£6.00" in notes
    issued_only = text(staff_client.get("/invoices/creditnotes/?status=issued"))
    assert "£12.00" in issued_only and "£6.00" not in issued_only
    assert "£12.00" not in text(staff_client.get("/invoices/creditnotes/?search=harbour"))


# --- the editor -----------------------------------------------------------------


def test_a_new_invoice_starts_with_one_empty_line_and_the_accounts_terms(staff_client):
    AccountSettings.objects.update_or_create(pk=1, defaults={"default_payment_terms": 14})
    page = text(staff_client.get("/invoices/add/"))
    assert 'name="terms" value="14"' in page
    assert 'name="sections-0-lines-0-title"' in page
    assert 'name="sections-0-lines-1-title"' not in page
    assert "20% · Standard VAT" in page and "4000 Design" in page


def test_new_invoice_from_a_clients_page_brings_the_client(staff_client, acme):
    page = text(staff_client.get(f"/invoices/add/?client=C{acme.pk}"))
    assert f'value="C{acme.pk} · Acme Studio"' in page


def test_saving_a_draft_calls_the_service_and_opens_the_invoice(staff_client, acme):
    data = editor_post(
        client=f"C{acme.pk} · Acme Studio",
        purchaseorder="PO-1",
        discount="10",
        **{
            "sections-1-title": "Print",
            "sections-1-lines-0-title": "Posters",
            "sections-1-lines-0-quantity": "1",
            "sections-1-lines-0-unitprice": "50",
            "sections-1-lines-0-taxcode": "003",
            "sections-1-lines-0-category": "-",
            # An empty line added and never filled in is left out.
            "sections-1-lines-1-title": "",
            "sections-1-lines-1-quantity": "1",
            "sections-1-lines-1-unitprice": "",
            "sections-1-lines-1-taxcode": "001",
        },
    )
    response = staff_client.post("/invoices/add/", data)
    invoice = Invoice.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/invoices/{invoice.pk}/"
    assert invoice.client_company == acme and invoice.purchaseorder == "PO-1"
    assert [section["title"] for section in invoice.items] == ["Design", "Print"]
    assert [len(section["items"]) for section in invoice.items] == [1, 1]
    assert invoice.items[0]["items"][0]["category"] == "4000"
    # 200 + 50, less 10 %: 225; tax 20 % of 180 = 36.
    assert (invoice.total, invoice.tax, invoice.grandtotal) == (D("225"), D("36"), D("261"))
    assert invoice.issued_at is None


def test_the_services_refusals_show_on_their_fields(staff_client, acme):
    data = editor_post(
        client=f"C{acme.pk}",
        terms="5000",
        discount="150",
        **{"sections-0-lines-0-taxcode": "001", "sections-0-lines-0-unitprice": "abc"},
    )
    response = staff_client.post("/invoices/add/", data)
    page = text(response)
    assert response.status_code == 200 and not Invoice.objects.exists()
    assert "Payment terms (days) must be a whole number of days from 0 to 3650." in page
    assert "Discount (%) must be a percentage from 0 to 100." in page
    assert "Lines: section 1, line 1: unitprice must be a number." in page
    # What was typed stays.
    assert 'value="abc"' in page and 'name="sections-0-lines-0-title" value="Logo"' in page


def test_a_client_is_needed_unless_the_work_names_one(staff_client):
    page = text(staff_client.post("/invoices/add/", editor_post()))
    assert "Client is required: a company (C…) or a person (I…)" in page
    project = ProjectFactory(title="Rebrand")
    response = staff_client.post("/invoices/add/", editor_post(work=f"P{project.pk} · Rebrand"))
    invoice = Invoice.objects.get()
    assert response.status_code == 302
    assert invoice.project == project and invoice.client == project.client


def test_picker_text_that_names_nobody_is_refused_by_the_form(staff_client):
    page = text(staff_client.post("/invoices/add/", editor_post(client="Acme", work="rebrand")))
    assert "Pick a company or person from the suggestions" in page
    assert "Pick a project or job from the suggestions" in page
    assert not Invoice.objects.exists()


def test_the_pickers_suggest_clients_and_work(staff_client, acme):
    ProjectFactory(title="Acme rebrand", client_company=acme)
    job = JobFactory(title="Acme labels")
    clients = text(staff_client.get("/invoices/clients/?client=acm"))
    assert f'value="C{acme.pk} · Acme Studio"' in clients
    work = text(staff_client.get("/invoices/work/?work=acme"))
    assert (
        "· Acme rebrand" in work
        and f'value="J{job.pk} · {job.project.title} › Acme labels"' in work
    )
    # With a client picked, only that client's work.
    mine = text(staff_client.get(f"/invoices/work/?work=acme&client=C{acme.pk}"))
    assert "Acme rebrand" in mine and "Acme labels" not in mine


def test_editing_a_draft_keeps_what_it_had_and_saves_changes(staff_client, admin_user, acme):
    job = JobFactory(title="Labels")
    invoice = draft(admin_user, acme, (100, 50), for_code=f"J{job.pk}", purchaseorder="PO-9")
    page = text(staff_client.get(f"/invoices/{invoice.pk}/edit/"))
    assert f'value="J{job.pk} · {job.project.title} › Labels"' in page
    assert 'name="sections-0-lines-1-unitprice" value="50"' in page
    assert 'value="PO-9"' in page
    data = editor_post(client=f"C{acme.pk}", work=f"J{job.pk}", purchaseorder="PO-10", terms="14")
    response = staff_client.post(f"/invoices/{invoice.pk}/edit/", data)
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert invoice.purchaseorder == "PO-10" and invoice.terms == 14
    assert invoice.grandtotal == D("240.00") and invoice.job == job


def test_an_issued_invoice_offers_no_editor(staff_client, admin_user):
    invoice = issued(admin_user)
    response = staff_client.get(f"/invoices/{invoice.pk}/edit/")
    assert response.status_code == 302 and response["Location"] == f"/invoices/{invoice.pk}/"
    response = staff_client.post(f"/invoices/{invoice.pk}/edit/", editor_post(client="C1"))
    assert response.status_code == 302
    assert Invoice.objects.get(pk=invoice.pk).grandtotal == D("120.00")
    page = text(staff_client.get(f"/invoices/{invoice.pk}/"))
    assert f'href="/invoices/{invoice.pk}/edit/"' not in page


def test_editor_buttons_add_move_and_remove_in_place(staff_client):
    data = editor_post(
        **{
            "sections-0-lines-1-title": "Icons",
            "sections-0-lines-1-quantity": "1",
            "sections-0-lines-1-unitprice": "30",
            "sections-0-lines-1-taxcode": "001",
        }
    )
    added = text(
        staff_client.post("/invoices/add/", {**data, "action": "add-line:0"}, headers=HTMX)
    )
    assert "<html" not in added and 'id="lines-editor"' in added
    assert re.search(r'name="sections-0-lines-2-title" value="" [^>]*autofocus', added)
    moved = text(
        staff_client.post("/invoices/add/", {**data, "action": "down-line:0:0"}, headers=HTMX)
    )
    assert moved.index('value="Icons"') < moved.index('value="Logo"')
    removed = text(
        staff_client.post("/invoices/add/", {**data, "action": "remove-line:0:0"}, headers=HTMX)
    )
    assert (
        'value="Logo"' not in removed and 'name="sections-0-lines-0-title" value="Icons"' in removed
    )
    section = text(
        staff_client.post("/invoices/add/", {**data, "action": "add-section"}, headers=HTMX)
    )
    assert re.search(r'name="sections-1-title" value="" [^>]*autofocus', section)
    # The totals come with the lines: 200 + 30 and 20 % tax.
    assert "£276.00" in added
    assert not Invoice.objects.exists()


def test_a_stale_or_unknown_button_changes_nothing_and_says_so(staff_client):
    page = text(
        staff_client.post(
            "/invoices/add/", {**editor_post(), "action": "remove-line:4:2"}, headers=HTMX
        )
    )
    assert "That line or section is no longer there" in page and 'value="Logo"' in page
    page = text(
        staff_client.post("/invoices/add/", {**editor_post(), "action": "explode"}, headers=HTMX)
    )
    assert "That button no longer matches the page" in page


def test_a_product_from_the_catalogue_becomes_a_line(staff_client):
    ledger = LedgerCategory.objects.get(code="4000")
    product = Product.objects.create(
        name="Hosting (year)",
        description="Managed",
        unitprice=D("240"),
        taxcode="003",
        category=ledger.code,
    )
    data = {**editor_post(), "sections-0-product": str(product.pk), "action": "add-product:0"}
    page = text(staff_client.post("/invoices/add/", data, headers=HTMX))
    assert 'name="sections-0-lines-1-title" value="Hosting (year)"' in page
    assert 'name="sections-0-lines-1-unitprice" value="240"' in page
    assert re.search(
        r'name="sections-0-lines-1-taxcode">\s*<option value="001">[^<]*</option>'
        r'<option value="003" selected',
        page,
    )
    assert 'name="sections-0-lines-1-type" value="product"' in page
    # 200 at 20 % and 240 at 0 %.
    assert "£480.00" in page
    # Nothing picked: a word, not a line.
    none = text(
        staff_client.post(
            "/invoices/add/", {**editor_post(), "action": "add-product:0"}, headers=HTMX
        )
    )
    assert "Pick a product from the catalogue first." in none


def test_without_javascript_a_button_redraws_the_whole_page(staff_client):
    page = text(staff_client.post("/invoices/add/", {**editor_post(), "action": "add-line:0"}))
    assert "<html" in page and 'name="sections-0-lines-1-title"' in page
    # The head isn't checked until the invoice is saved.
    assert "Client is required" not in page and not Invoice.objects.exists()


def test_the_editor_refuses_lines_past_what_a_page_can_carry(staff_client):
    data = {"discount": "0", "sections-0-title": ""}
    for index in range(EDITOR_LINES_MAX):
        data[f"sections-0-lines-{index}-title"] = f"Line {index}"
        data[f"sections-0-lines-{index}-unitprice"] = "1"
        data[f"sections-0-lines-{index}-taxcode"] = "001"
    page = text(staff_client.post("/invoices/add/", {**data, "action": "add-line:0"}, headers=HTMX))
    assert f"can have at most {EDITOR_LINES_MAX} lines" in page
    assert f'name="sections-0-lines-{EDITOR_LINES_MAX}-title"' not in page


def test_a_draft_with_more_lines_than_a_page_carries_is_left_to_the_api(staff_client, admin_user):
    invoice = draft(admin_user, amounts=[1] * (EDITOR_LINES_MAX + 1))
    response = staff_client.get(f"/invoices/{invoice.pk}/edit/", follow=True)
    assert response.redirect_chain[-1][0] == f"/invoices/{invoice.pk}/"
    assert "change it through the API" in text(response)
    # Credited, such an invoice starts from one line.
    issued_invoice = invoicing.issue_invoice(invoice, by=admin_user)
    page = text(staff_client.get(f"/invoices/{issued_invoice.pk}/credit/"))
    assert 'name="sections-0-lines-0-title" value="Credit against invoice 1"' in page
    assert 'name="sections-0-lines-1-title"' not in page


def test_live_totals_come_from_the_server_with_each_lines_net(staff_client):
    data = editor_post(
        discount="10",
        **{
            "sections-0-lines-1-title": "Icons",
            "sections-0-lines-1-quantity": "3",
            "sections-0-lines-1-unitprice": "10.005",
            "sections-0-lines-1-taxcode": "003",
        },
    )
    response = staff_client.post("/invoices/totals/", data, headers=HTMX)
    page = text(response)
    assert response.status_code == 200 and "<html" not in page
    # 200 + 30.02 (3 × 10.005, rounded), less 10 %: 207.02; 20 % on 180.00 = 36.00.
    assert "£230.02" in page and "−£23.00" in page and "£207.02" in page
    assert "Standard VAT at 20%" in page and "£36.00" in page and "£243.02" in page
    assert (
        '<output id="sections-0-lines-1-net" class="net" hx-swap-oob="true">£30.02</output>' in page
    )
    assert not Invoice.objects.exists()


def test_live_totals_say_what_keeps_them_from_adding_up(staff_client):
    data = editor_post(discount="x", **{"sections-0-lines-0-quantity": "two"})
    page = text(staff_client.post("/invoices/totals/", data, headers=HTMX))
    assert "Lines: section 1, line 1: quantity must be a number." in page
    assert "Discount must be a number." in page
    assert "Grand total" not in page
    assert staff_client.get("/invoices/totals/").status_code == 405


# --- an invoice -----------------------------------------------------------------


def test_a_draft_reads_like_the_document_with_edit_issue_and_delete(staff_client, admin_user, acme):
    invoice = draft(admin_user, acme, (100, 50), purchaseorder="PO-5")
    page = text(staff_client.get(f"/invoices/{invoice.pk}/"))
    assert f"Draft invoice #{invoice.pk}" in page and "Bill to" in page and "Acme Studio" in page
    assert "Work 1" in page and "£150.00" in page and "£180.00" in page and "PO-5" in page
    assert f'action="/invoices/{invoice.pk}/issue/" data-confirm="Issue this invoice' in page
    assert f'action="/invoices/{invoice.pk}/delete/" data-confirm="Delete draft invoice' in page
    assert "Record payment" not in page and "Raise credit note" not in page


def test_issuing_gives_the_number_and_the_history(staff_client, admin_user):
    invoice = draft(admin_user)
    response = staff_client.post(f"/invoices/{invoice.pk}/issue/", follow=True)
    page = text(response)
    invoice.refresh_from_db()
    assert invoice.reference == "1" and invoice.issued_at is not None
    assert "Invoice 1 was issued." in page and "<h1>Invoice 1</h1>" in page
    assert "Issued on" in page and "by Alex Admin" in page
    assert "Record payment" in page and "Raise credit note" in page
    # Again: the service's refusal, not a crash.
    page = text(staff_client.post(f"/invoices/{invoice.pk}/issue/", follow=True))
    assert "Invoice 1 is already issued." in page


def test_deleting_a_draft_but_never_an_issued_invoice(staff_client, admin_user):
    invoice = draft(admin_user)
    response = staff_client.post(f"/invoices/{invoice.pk}/delete/")
    assert response.status_code == 302 and response["Location"] == "/invoices/"
    assert not Invoice.objects.filter(pk=invoice.pk).exists()
    kept = issued(admin_user)
    page = text(staff_client.post(f"/invoices/{kept.pk}/delete/", follow=True))
    assert "is issued and can&#x27;t be deleted" in page
    assert Invoice.objects.filter(pk=kept.pk).exists()
    assert staff_client.get(f"/invoices/{invoice.pk}/").status_code == 404
    assert staff_client.get(f"/invoices/{invoice.pk}/delete/").status_code == 405


def test_a_unit_price_past_the_cent_shows_as_priced(staff_client, admin_user):
    """3 × 33.335 is 100.005, a net of £100.01: the page must not say 3 × £33.34."""
    invoice = invoicing.create_invoice(
        added_by=admin_user,
        client=f"C{CompanyFactory().pk}",
        items=[
            {
                "title": "",
                "items": [
                    {"title": "Prints", "quantity": 3, "unitprice": "33.335", "taxcode": "001"}
                ],
            }
        ],
    )
    page = " ".join(text(staff_client.get(f"/invoices/{invoice.pk}/")).split())
    assert "£33.335" in page and "£100.01" in page
    assert "£33.34" not in page


def test_a_marked_up_line_shows_its_markup(staff_client, admin_user):
    """An external cost of £3.00 at 19.99 % bills £3.60: the line says how."""
    line = {"title": "Courier", "quantity": 1, "unitprice": 3, "markup": "19.99"}
    invoice = invoicing.create_invoice(
        added_by=admin_user,
        client=f"C{CompanyFactory().pk}",
        items=[{"title": "", "items": [{**line, "taxcode": "001"}]}],
    )
    page = " ".join(text(staff_client.get(f"/invoices/{invoice.pk}/")).split())
    assert '£3.00 <small class="muted">+ 19.99%</small>' in page and "£3.60" in page


@pytest.mark.parametrize("count", [1, 20])
def test_the_document_keeps_its_queries_flat(
    staff_client, admin_user, django_assert_max_num_queries, count
):
    invoice = issued(admin_user, amounts=[10] * count)
    for _ in range(min(count, 5)):
        invoicing.record_payment(invoice=invoice, amount="1", date="2024-01-01", method="BACS")
    AccountSettings.load()
    # The session and user, the invoice with its balance and its PDF's row, its tax
    # codes' names, its payments, credit notes, history and deliveries, and the account.
    with django_assert_max_num_queries(9):
        assert staff_client.get(f"/invoices/{invoice.pk}/").status_code == 200


# --- payments -------------------------------------------------------------------


def test_the_payment_modal_offers_the_balance(staff_client, admin_user):
    invoice = issued(admin_user, amounts=(100,))
    invoicing.record_payment(invoice=invoice, amount="20", date="2024-01-01", method="BACS")
    page = text(staff_client.get(f"/invoices/{invoice.pk}/payments/add/", headers=HTMX))
    assert "<html" not in page and 'id="modal-title"' in page
    assert 'name="amount" value="100.00"' in page and '<span class="affix">£</span>' in page
    assert f'hx-post="/invoices/{invoice.pk}/payments/add/"' in page


def test_a_refused_payment_shows_its_errors_in_the_modal(staff_client, admin_user):
    invoice = issued(admin_user, amounts=(100,))
    data = {"amount": "500", "date": "2024-01-01", "method": "BACS"}
    response = staff_client.post(f"/invoices/{invoice.pk}/payments/add/", data, headers=HTMX)
    page = text(response)
    assert response.status_code == 200 and "<html" not in page
    assert "Amount is more than the balance of invoice 1 (120.00)." in page
    assert 'value="500"' in page
    page = text(
        staff_client.post(
            f"/invoices/{invoice.pk}/payments/add/",
            {"amount": "1.234", "date": "", "method": "Gold"},
            headers=HTMX,
        )
    )
    assert "This field is required." in page and "Select a valid choice." in page
    assert not Payment.objects.exists()


def test_a_payment_may_be_typed_as_the_page_writes_money(staff_client, admin_user):
    invoice = issued(admin_user, amounts=(1000,))
    data = {"amount": "£1,000.00", "date": "2024-01-02", "method": "BACS"}
    response = staff_client.post(f"/invoices/{invoice.pk}/payments/add/", data, headers=HTMX)
    assert response.status_code == 204, response.content
    assert Payment.objects.get().amount == D("1000.00")


def test_a_price_pasted_with_its_thousands_is_priced(staff_client, admin_user, acme):
    data = editor_post(
        client=f"C{acme.pk}",
        **{"sections-0-lines-0-taxcode": "001", "sections-0-lines-0-unitprice": "£1,250.00"},
    )
    response = staff_client.post("/invoices/add/", data)
    assert response.status_code == 302, text(response)
    assert Invoice.objects.get().total == D("2500.00")  # 2 × 1,250


def test_a_payment_closes_the_modal_and_refreshes_the_invoice(staff_client, admin_user):
    invoice = issued(admin_user, amounts=(100,))
    data = {"amount": "120.00", "date": "2024-01-02", "method": "Card", "note": "Thanks"}
    response = staff_client.post(f"/invoices/{invoice.pk}/payments/add/", data, headers=HTMX)
    assert response.status_code == 204
    events = json.loads(response["HX-Trigger"])
    assert events["closeModal"] and events["invoiceChanged"]
    assert events["showMessage"]["text"] == "A payment of £120.00 was recorded."
    payment = Payment.objects.get()
    assert (payment.amount, payment.method, payment.added_by) == (D("120.00"), "Card", admin_user)
    refreshed = staff_client.get(
        f"/invoices/{invoice.pk}/", headers={**HTMX, "HX-Target": "invoice-page"}
    )
    page = text(refreshed)
    assert "<html" not in page and 'class="badge badge-green">Paid' in page
    assert 'id="invoice-balance">£0.00' in page and "Thanks" in page
    # Paid: no more payments offered (the buttons come out of band).
    assert 'id="invoice-actions" class="page-actions" hx-swap-oob="true"' in page
    assert "Record payment" not in page


def test_a_payment_without_javascript_is_a_page_of_its_own(staff_client, admin_user):
    invoice = issued(admin_user, amounts=(100,))
    assert "<html" in text(staff_client.get(f"/invoices/{invoice.pk}/payments/add/"))
    data = {"amount": "20", "date": "2024-01-02", "method": "Cash"}
    response = staff_client.post(f"/invoices/{invoice.pk}/payments/add/", data)
    assert response.status_code == 302 and response["Location"] == f"/invoices/{invoice.pk}/"


def test_a_draft_cant_be_paid(staff_client, admin_user):
    invoice = draft(admin_user)
    data = {"amount": "20", "date": "2024-01-02", "method": "Cash"}
    page = text(staff_client.post(f"/invoices/{invoice.pk}/payments/add/", data, headers=HTMX))
    assert "Invoice must be an issued invoice: a draft can&#x27;t be paid." in page


def test_deleting_a_payment_gives_the_balance_back(staff_client, admin_user):
    invoice = issued(admin_user, amounts=(100,))
    payment = invoicing.record_payment(
        invoice=invoice, amount="120", date="2024-01-01", method="BACS"
    )
    page = text(staff_client.get(f"/invoices/{invoice.pk}/"))
    assert (
        f'hx-post="/invoices/payments/{payment.pk}/delete/" hx-confirm="Delete the payment' in page
    )
    response = staff_client.post(f"/invoices/payments/{payment.pk}/delete/", headers=HTMX)
    page = text(response)
    assert not Payment.objects.exists()
    assert 'id="invoice-balance">£120.00' in page and "Record payment" in page
    message = json.loads(response["HX-Trigger"])["showMessage"]["text"]
    assert message == "The payment of £120.00 was deleted."


# --- credit notes ---------------------------------------------------------------


def credit_post(unitprice="50", **overrides) -> dict:
    """The credit note editor's form as the browser sends it: its date and one line."""
    return {
        "date": timezone.localdate().isoformat(),
        "sections-0-title": "",
        "sections-0-lines-0-title": "Refund",
        "sections-0-lines-0-quantity": "1",
        "sections-0-lines-0-unitprice": unitprice,
        "sections-0-lines-0-taxcode": "001",
        **overrides,
    }


def test_raising_a_credit_note_starts_from_the_invoices_lines(staff_client, admin_user):
    invoice = issued(admin_user, amounts=(100, 50))
    page = text(staff_client.get(f"/invoices/{invoice.pk}/credit/"))
    assert 'name="sections-0-lines-0-title" value="Work 1"' in page
    assert 'name="sections-0-lines-1-unitprice" value="50"' in page
    assert 'name="discount" value="0"' in page
    one = text(staff_client.get(f"/invoices/{invoice.pk}/credit/?start=one"))
    assert 'name="sections-0-lines-0-title" value="Credit against invoice 1"' in one
    assert 'name="sections-0-lines-1-title"' not in one


def test_lines_credited_as_sold_come_off_at_the_invoices_discount(staff_client, admin_user):
    """Crediting every line of a discounted invoice gives back what it charged, to the
    cent, and some of its lines their share: never more than was charged for them."""
    invoice = issued(admin_user, amounts=(1234.50, 333.33), discount="10")
    # 1,567.83 less 156.78, and 20 % tax on the discounted nets: 1,411.05 + 282.21
    assert invoice.grandtotal == D("1693.26")
    page = text(staff_client.get(f"/invoices/{invoice.pk}/credit/"))
    assert 'name="discount" value="10"' in page
    assert "£1,693.26" in page  # the editor's grand total, as the invoice's
    one = text(staff_client.get(f"/invoices/{invoice.pk}/credit/?start=one"))
    assert 'name="discount" value="0"' in one  # an amount is credited as typed

    first_line_only = credit_post("1234.50", discount="10")
    response = staff_client.post(f"/invoices/{invoice.pk}/credit/", first_line_only)
    note = CreditNote.objects.get()
    assert response.status_code == 302
    assert (note.discount, note.total, note.tax, note.grandtotal) == (
        D("10.00"),
        D("1111.05"),
        D("222.21"),
        D("1333.26"),
    )
    page = text(staff_client.get(f"/invoices/creditnotes/{note.pk}/"))
    assert "Discount (10%)" in page and "−£123.45" in page and "£1,333.26" in page

    note.delete()
    every_line = {
        **first_line_only,
        "sections-0-lines-1-title": "Work 2",
        "sections-0-lines-1-quantity": "1",
        "sections-0-lines-1-unitprice": "333.33",
        "sections-0-lines-1-taxcode": "001",
    }
    staff_client.post(f"/invoices/{invoice.pk}/credit/", every_line)
    assert CreditNote.objects.get().grandtotal == invoice.grandtotal


def test_a_credit_notes_discount_is_checked(staff_client, admin_user):
    invoice = issued(admin_user, amounts=(100,))
    data = credit_post(discount="150")
    page = text(staff_client.post(f"/invoices/{invoice.pk}/credit/", data))
    assert "Discount must be a percentage from 0 to 100." in page
    assert not CreditNote.objects.exists()


def test_a_credit_note_is_saved_issued_and_takes_off_the_balance(staff_client, admin_user):
    invoice = issued(admin_user, amounts=(100, 50))
    data = credit_post()
    response = staff_client.post(f"/invoices/{invoice.pk}/credit/", data)
    note = CreditNote.objects.get()
    assert (
        response.status_code == 302 and response["Location"] == f"/invoices/creditnotes/{note.pk}/"
    )
    assert note.grandtotal == D("60.00") and note.issued_at is None
    page = text(staff_client.get(f"/invoices/creditnotes/{note.pk}/"))
    assert (
        "Credit to" in page and "Refund" in page and 'data-confirm="Issue this credit note' in page
    )
    page = text(staff_client.post(f"/invoices/creditnotes/{note.pk}/issue/", follow=True))
    assert "Credit note 1 was issued." in page
    page = text(staff_client.get(f"/invoices/{invoice.pk}/"))
    assert 'id="invoice-balance">£120.00' in page and "Credit note 1" in page


def test_a_credit_note_for_more_than_is_left_is_refused_on_the_page(staff_client, admin_user):
    invoice = issued(admin_user, amounts=(100,))
    data = credit_post("500")
    page = text(staff_client.post(f"/invoices/{invoice.pk}/credit/", data))
    assert "Total is more than is left to credit on invoice 1 (120.00 with tax)." in page
    assert not CreditNote.objects.exists()


def test_a_draft_invoice_is_not_credited(staff_client, admin_user):
    invoice = draft(admin_user)
    response = staff_client.get(f"/invoices/{invoice.pk}/credit/")
    assert response.status_code == 302 and response["Location"] == f"/invoices/{invoice.pk}/"


def test_a_draft_credit_note_is_edited_or_deleted_an_issued_one_not(staff_client, admin_user):
    invoice = issued(admin_user, amounts=(100,))
    note = invoicing.create_credit_note(invoice=invoice, added_by=admin_user, items=lines(10))
    page = text(staff_client.get(f"/invoices/creditnotes/{note.pk}/edit/"))
    assert 'name="sections-0-lines-0-unitprice" value="10"' in page
    data = {
        "date": timezone.localdate().isoformat(),
        "sections-0-title": "",
        "sections-0-lines-0-title": "Refund",
        "sections-0-lines-0-quantity": "2",
        "sections-0-lines-0-unitprice": "10",
        "sections-0-lines-0-taxcode": "001",
    }
    assert staff_client.post(f"/invoices/creditnotes/{note.pk}/edit/", data).status_code == 302
    note.refresh_from_db()
    assert note.grandtotal == D("24.00")
    response = staff_client.post(f"/invoices/creditnotes/{note.pk}/delete/")
    assert response["Location"] == f"/invoices/{invoice.pk}/"
    assert not CreditNote.objects.exists()
    kept = invoicing.issue_credit_note(
        invoicing.create_credit_note(invoice=invoice, added_by=admin_user, items=lines(10)),
        by=admin_user,
    )
    assert staff_client.get(f"/invoices/creditnotes/{kept.pk}/edit/").status_code == 302
    page = text(staff_client.post(f"/invoices/creditnotes/{kept.pk}/delete/", follow=True))
    assert "is issued and can&#x27;t be deleted" in page
