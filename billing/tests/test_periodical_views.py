"""Recurring invoices' pages: the list and its filters, the editor (its lines, the live
totals and next dates, refusals inline), what it has made, deletion, and who may."""

import re
from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from django.utils import timezone

from accounts.models import AccountSettings
from billing import periodicals
from billing.models import Invoice, LedgerCategory, Periodical, Product
from billing.tests.factories import PeriodicalFactory, TaxCodeFactory
from crm.tests.factories import CompanyFactory, ContactFactory

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def vat():
    return TaxCodeFactory(code="001", name="Standard", rate=D("0.2"))


@pytest.fixture
def acme():
    return CompanyFactory(name="Acme Ltd")


def form_data(company, **fields) -> dict:
    return {
        "client": f"C{company.pk} · {company}",
        "title": "Hosting",
        "repeat": "M",
        "repeatinterval": "1",
        "first": "2026-01-31",
        "last": "",
        "terms": "14",
        "discount": "",
        "purchaseorder": "",
        "emailmessage": "",
        "s0-title": "Monthly",
        "s0-l0-type": "fixed",
        "s0-l0-title": "Server",
        "s0-l0-description": "",
        "s0-l0-quantity": "1",
        "s0-l0-unitprice": "100",
        "s0-l0-take": "100",
        "s0-l0-markup": "0",
        "s0-l0-taxcode": "001",
        "s0-l0-category": "",
        **fields,
    }


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# --- the list -------------------------------------------------------------------------


def test_the_list_shows_each_schedule_and_its_next_invoice(staff_client, acme):
    today = timezone.localdate()
    PeriodicalFactory(title="Hosting", client_company=acme, repeat="M", first=today)
    PeriodicalFactory(
        title="Support",
        client_company=None,
        client_contact=ContactFactory(fullname="Pat Person"),
        repeat="W",
        repeatinterval=2,
        first=today + timedelta(days=3),
    )
    periodicals.invoice_due_periods()
    page = text_of(staff_client.get("/invoices/recurring/").content.decode())
    assert "Hosting Acme Ltd Every month" in page
    following = periodicals.period_date(Periodical.objects.get(title="Hosting"), 1)
    assert f"{following:%a} {following.day} {following:%b %Y} 1 £60.00" in page
    later = today + timedelta(days=3)
    assert f"Support Pat Person Every 2 weeks {later:%a} {later.day} {later:%b %Y} 0" in page


def test_search_and_the_schedule_filter(staff_client, acme):
    PeriodicalFactory(title="Hosting", client_company=acme, repeat="M")
    PeriodicalFactory(title="Support", repeat="Y")
    found = staff_client.get(
        "/invoices/recurring/", {"search": "acme"}, headers={**HTMX, "HX-Target": "periodicals"}
    )
    body = found.content.decode()
    assert "Hosting" in body and "Support" not in body
    assert 'id="periodicals"' in body and "<html" not in body
    yearly = staff_client.get("/invoices/recurring/?repeat=Y").content.decode()
    assert "Support" in yearly and "Hosting" not in yearly
    # An unknown schedule letter shows everything rather than failing.
    both = staff_client.get("/invoices/recurring/?repeat=Q&sort=nonsense").content.decode()
    assert "Support" in both and "Hosting" in both


def test_the_list_sorts_by_amount(staff_client):
    PeriodicalFactory(title="Small", grandtotal=D("10"))
    PeriodicalFactory(title="Large", grandtotal=D("900"))
    body = staff_client.get("/invoices/recurring/?sort=-grandtotal").content.decode()
    assert body.index("Large") < body.index("Small")


@pytest.mark.parametrize("count", [1, 50])
def test_list_queries_stay_flat(staff_client, django_assert_max_num_queries, count):
    AccountSettings.load()
    for _ in range(count):
        PeriodicalFactory()
    # session, user, the count, the page (with its clients and runs), and the account's
    # currency for the page and for the table's own context
    with django_assert_max_num_queries(6):
        response = staff_client.get("/invoices/recurring/")
    assert response.content.decode().count("Every month") == min(count, 25)


# --- the editor -----------------------------------------------------------------------


def test_add_a_recurring_invoice_from_the_page(staff_client, admin_user, acme):
    person = ContactFactory(company=acme, fullname="Ann Accounts")
    page = staff_client.get(f"/invoices/recurring/add/?client=C{acme.pk}").content.decode()
    assert f'value="C{acme.pk} · Acme Ltd"' in page
    assert "Ann Accounts" in page  # offered under "Send to"
    response = staff_client.post(
        "/invoices/recurring/add/",
        form_data(
            acme,
            sendemail="on",
            emailto=[str(person.pk)],
            emailbcc=[admin_user.email],
            emailmessage="Thank you",
            **{
                "s0-l1-type": "hourly",
                "s0-l1-title": "",
                "s0-l1-unitprice": "",
                "s0-l1-quantity": "1",
            },  # a row nobody typed into is left out
        ),
    )
    periodical = Periodical.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/invoices/recurring/{periodical.pk}/"
    assert periodical.client == acme and periodical.added_by == admin_user
    assert (periodical.repeat, periodical.first) == ("M", date(2026, 1, 31))
    assert (periodical.total, periodical.grandtotal) == (D("100.00"), D("120.00"))
    assert len(periodical.items[0]["items"]) == 1
    assert periodical.sendemail and periodical.email_to == [person.pk]
    assert periodical.email_bcc == [admin_user.email]


def test_the_editor_shows_the_next_five_dates_and_what_it_made(staff_client, acme):
    today = timezone.localdate()
    periodical = PeriodicalFactory(client_company=acme, repeat="W", first=today)
    periodicals.invoice_due_periods()
    page = staff_client.get(f"/invoices/recurring/{periodical.pk}/").content.decode()
    runs = page.split('id="next-runs"')[1].split("</ol>")[0]
    dates = re.findall(r'datetime="([\d-]+)"', runs)
    assert dates == [(today + timedelta(weeks=n)).isoformat() for n in range(1, 6)]
    made = text_of(page.split('id="invoices-made"')[1])
    assert f"{today:%a} {today.day} {today:%b %Y} Invoice 1" in made
    assert "£60.00" in made
    assert 'value="Monthly support"' in page and "£60.00" in page


def test_refusals_show_inline_and_keep_what_was_typed(staff_client, acme):
    response = staff_client.post(
        "/invoices/recurring/add/",
        form_data(
            acme,
            repeatinterval="0",
            last="2025-01-01",
            **{"s0-l0-taxcode": "", "s0-l0-title": "Typed title"},
        ),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Every must be a whole number from 1 to 365." in html
    assert "Last invoice must be on or after the first date (2026-01-31)" in html
    assert "Lines: section 1, line 1: taxcode is required." in html
    assert 'value="Typed title"' in html
    assert not Periodical.objects.exists()


def test_a_client_that_is_not_picked_is_refused(staff_client, acme):
    response = staff_client.post("/invoices/recurring/add/", form_data(acme, client="Acme"))
    assert "Pick a company or person from the suggestions" in response.content.decode()
    response = staff_client.post("/invoices/recurring/add/", form_data(acme, client="C99999999"))
    assert "Client C99999999 does not exist." in response.content.decode()


def test_a_price_pasted_as_the_pages_write_money_is_read(staff_client, acme):
    periodical = PeriodicalFactory(client_company=acme)
    data = form_data(acme, **{"s0-l0-unitprice": "£1,250.00"})
    assert staff_client.post(f"/invoices/recurring/{periodical.pk}/", data).status_code == 302
    periodical.refresh_from_db()
    assert periodical.total == D("1250.00")


def test_edit_saves_changes_to_the_schedule_and_lines(staff_client, acme):
    periodical = PeriodicalFactory(client_company=acme)
    data = form_data(acme, repeat="Y", **{"s0-l0-unitprice": "250", "s0-l0-quantity": "2"})
    response = staff_client.post(f"/invoices/recurring/{periodical.pk}/", data)
    assert response.status_code == 302
    periodical.refresh_from_db()
    assert periodical.repeat == "Y" and periodical.total == D("500.00")
    assert periodical.grandtotal == D("600.00")
    # The numbers read back as they were typed (the lines keep 250 as "2.5E+2").
    page = staff_client.get(f"/invoices/recurring/{periodical.pk}/").content.decode()
    assert 'name="s0-l0-unitprice" value="250"' in page
    assert 'name="s0-l0-take" value="100"' in page


def test_the_preview_prices_the_lines_and_lists_the_dates(staff_client, acme):
    year = timezone.localdate().year + 1
    data = form_data(acme, discount="10", first=f"{year}-01-31", **{"s0-l0-quantity": "3"})
    response = staff_client.post("/invoices/recurring/preview/", data, headers=HTMX)
    html = response.content.decode()
    assert 'id="preview-subtotal">£300.00' in html
    assert "Discount</dt><dd>−£30.00" in html
    assert "Tax 001 at 20%</dt><dd>£54.00" in html
    assert 'id="preview-grandtotal">£324.00' in html
    # Each line's amount, out of band into its row.
    assert '<output id="s0-l0-net" for="s0-l0-quantity" hx-swap-oob="true">300.00</output>' in html
    february = 29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28
    assert re.findall(r'datetime="([\d-]+)"', html) == [
        f"{year}-01-31",
        f"{year}-02-{february}",
        f"{year}-03-31",
        f"{year}-04-30",
        f"{year}-05-31",
    ]


def test_the_preview_says_what_is_wrong_instead_of_failing(staff_client, acme):
    data = form_data(
        acme, repeat="Z", first="not a date", discount="abc", **{"s0-l0-unitprice": "x"}
    )
    html = staff_client.post("/invoices/recurring/preview/", data, headers=HTMX).content.decode()
    assert "Items: section 1, line 1: unitprice must be a number." in html
    assert "Repeat must be D (day), W (week), M (month) or Y (year)." in html
    assert 'id="next-runs"' not in html
    empty = staff_client.post(
        "/invoices/recurring/preview/",
        form_data(acme, **{"s0-l0-title": "", "s0-l0-unitprice": ""}),
    ).content.decode()
    assert "Add a line to see what each invoice comes to." in empty


def test_the_preview_of_a_saved_one_starts_after_its_last_invoice(staff_client, acme):
    today = timezone.localdate()
    periodical = PeriodicalFactory(client_company=acme, repeat="D", first=today)
    periodicals.invoice_due_periods()
    data = form_data(acme, repeat="D", first=today.isoformat())
    html = staff_client.post(
        f"/invoices/recurring/{periodical.pk}/preview/", data, headers=HTMX
    ).content.decode()
    dates = re.findall(r'datetime="([\d-]+)"', html)
    assert dates[0] == (today + timedelta(days=1)).isoformat()
    assert f"the last made was for {today.day} {today:%b %Y}" in html


def test_lines_are_added_and_removed_in_place(staff_client, acme):
    data = form_data(acme, op="add-line:0")
    html = staff_client.post("/invoices/recurring/lines/", data, headers=HTMX).content.decode()
    assert 'name="s0-l1-title"' in html and 'id="s0-l1-title"' in html
    assert 'id="s0-l1-title" name="s0-l1-title" value="" placeholder="Title"' in html
    assert "autofocus" in html.split('id="s0-l1-title"')[1].split(">")[0]
    assert 'id="totals" hx-swap-oob="true"' in html

    added = staff_client.post(
        "/invoices/recurring/lines/", form_data(acme, op="add-section"), headers=HTMX
    ).content.decode()
    assert "Section 2" in added and 'name="s1-l0-title"' in added

    removed = staff_client.post(
        "/invoices/recurring/lines/", form_data(acme, op="remove-line:0:0"), headers=HTMX
    ).content.decode()
    # The only line gone, an empty one takes its place.
    assert 'name="s0-l0-title" value="" placeholder="Title"' in removed.replace(
        'id="s0-l0-title" ', ""
    )
    nonsense = staff_client.post(
        "/invoices/recurring/lines/", form_data(acme, op="remove-line:9:x"), headers=HTMX
    )
    assert nonsense.status_code == 200 and 'value="Server"' in nonsense.content.decode()


def test_a_product_from_the_catalogue_becomes_a_line(staff_client, acme):
    LedgerCategory.objects.create(code="4000", name="Sales")
    product = Product.objects.create(
        name="SSL certificate",
        description="One year",
        unitprice=D("49.50"),
        taxcode="001",
        category="4000",
    )
    page = staff_client.get("/invoices/recurring/add/").content.decode()
    assert "Add from the catalogue…" in page and "SSL certificate" in page
    data = form_data(acme, op="product:0", **{"pick-0": str(product.pk)})
    html = staff_client.post("/invoices/recurring/lines/", data, headers=HTMX).content.decode()
    assert 'name="s0-l1-title" value="SSL certificate"' in html
    assert 'name="s0-l1-unitprice" value="49.5"' in html
    assert '<option value="4000" selected>' in html
    assert 'id="preview-subtotal">£149.50' in html


def test_recipients_follow_the_client(staff_client, acme):
    ContactFactory(company=acme, fullname="Ann Accounts")
    person = ContactFactory(fullname="Sole Trader")
    html = staff_client.get(
        "/invoices/recurring/recipients/", {"client": f"C{acme.pk} · Acme Ltd"}, headers=HTMX
    ).content.decode()
    assert "Ann Accounts" in html and "Sole Trader" not in html
    html = staff_client.get(
        "/invoices/recurring/recipients/", {"client": f"I{person.pk}"}, headers=HTMX
    ).content.decode()
    assert "Sole Trader" in html
    html = staff_client.get(
        "/invoices/recurring/recipients/", {"client": "nobody"}
    ).content.decode()
    assert "Pick the client first" in html
    lonely = CompanyFactory(name="No People Ltd")
    html = staff_client.get(
        "/invoices/recurring/recipients/", {"client": f"C{lonely.pk}"}
    ).content.decode()
    assert "No one to send to yet: add people to this client's company." in html


def test_client_suggestions(staff_client, acme):
    html = staff_client.get("/invoices/recurring/clients/", {"client": "acm"}).content.decode()
    assert f'value="C{acme.pk} · Acme Ltd"' in html


def test_delete_asks_first_and_keeps_the_invoices(staff_client, acme):
    periodical = PeriodicalFactory(client_company=acme)
    periodicals.invoice_due_periods()
    page = staff_client.get(f"/invoices/recurring/{periodical.pk}/").content.decode()
    assert (
        'data-confirm="Delete this recurring invoice? No more invoices will be made; '
        'the 1 it made stay."' in page
    )
    assert staff_client.get(f"/invoices/recurring/{periodical.pk}/delete/").status_code == 405
    response = staff_client.post(f"/invoices/recurring/{periodical.pk}/delete/", follow=True)
    assert "was deleted; the invoices it made stay." in response.content.decode()
    assert not Periodical.objects.exists() and Invoice.objects.count() == 1


def test_unknown_ones_are_404(staff_client):
    assert staff_client.get("/invoices/recurring/999999/").status_code == 404
    assert staff_client.post("/invoices/recurring/999999/preview/").status_code == 404


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/invoices/recurring/"),
        ("get", "/invoices/recurring/add/"),
        ("get", "/invoices/recurring/clients/"),
        ("get", "/invoices/recurring/recipients/"),
        ("post", "/invoices/recurring/preview/"),
        ("post", "/invoices/recurring/lines/"),
        ("get", "/invoices/recurring/{pk}/"),
        ("post", "/invoices/recurring/{pk}/delete/"),
    ],
)
def test_only_the_invoices_area_may(client, restricted_to, method, url):
    from conftest import signed_in_client

    periodical = PeriodicalFactory()
    url = url.format(pk=periodical.pk)
    assert getattr(client, method)(url).status_code == 302  # to sign in
    projects_only = signed_in_client(restricted_to("projects"))
    assert getattr(projects_only, method)(url).status_code == 403
    invoicer = signed_in_client(restricted_to("invoices", email="ina@studio.test"))
    assert getattr(invoicer, method)(url).status_code in (200, 302)
    assert Periodical.objects.exists() or method == "post"


def test_the_billing_lists_offer_it_beside_invoices(staff_client, restricted_to):
    from conftest import signed_in_client

    tabs = staff_client.get("/invoices/").content.decode()
    assert '<a href="/invoices/recurring/" >Recurring</a>' in tabs
    projects_only = signed_in_client(restricted_to("projects"))
    assert projects_only.get("/invoices/recurring/").status_code == 403
