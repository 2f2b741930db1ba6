"""The users and settings pages, as a browser sees them (HTML and htmx partials)."""

import io
import re
from decimal import Decimal

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from accounts.models import PERMISSION_AREAS, AccountSettings, ApiCredential, User
from accounts.tests.factories import CollaboratorFactory, UserFactory
from billing.models import TaxCode
from conftest import signed_in_client
from projects.models import ActivityType
from projects.tests.factories import JobFactory

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


# --- access ---------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/", "/accounts/users/", "/settings/tax-codes/", "/settings/api/"])
def test_pages_need_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_htmx_requests_signed_out_are_sent_to_login(client):
    response = client.get("/accounts/users/", headers=HTMX)
    assert response.status_code == 204
    assert response["HX-Redirect"] == "/accounts/login/"


@pytest.mark.parametrize(
    "url", ["/accounts/users/", "/settings/company/", "/settings/api/", "/settings/tax-codes/"]
)
def test_collaborators_and_restricted_users_get_403(url, restricted_to):
    assert signed_in_client(CollaboratorFactory()).get(url).status_code == 403
    assert signed_in_client(restricted_to("contacts")).get(url).status_code == 403


def test_navigation_shows_only_what_the_user_may_use(restricted_to):
    html = signed_in_client(restricted_to("contacts")).get("/").content.decode()
    assert 'href="/settings/"' not in html and "/accounts/users/" not in html
    # Settings → Apps is everyone's: the apps they allowed, under their name.
    assert 'href="/settings/apps/"' in html and "Your apps" in html
    html = signed_in_client(UserFactory()).get("/").content.decode()
    assert 'href="/settings/"' in html and "/accounts/users/" in html
    assert "Your apps" not in html


# --- users ----------------------------------------------------------------------------


def test_users_list_search_and_filters(staff_client, admin_user):
    UserFactory(name="Priya Shah", email="priya@studio.test")
    UserFactory(name="Tom Becker", email="tom@studio.test", is_active=False)
    CollaboratorFactory(name="Sam Okafor", email="sam@freelance.test")

    html = staff_client.get("/accounts/users/").content.decode()
    assert "Priya Shah" in html and "Sam Okafor" in html and "Tom Becker" not in html

    partial = staff_client.get(
        "/accounts/users/?search=sha", headers={**HTMX, "HX-Target": "users"}
    )
    body = partial.content.decode()
    assert "<html" not in body
    assert "Priya Shah" in body and "Sam Okafor" not in body

    body = staff_client.get("/accounts/users/?type=collaborator").content.decode()
    assert "Sam Okafor" in body and "Priya Shah" not in body
    body = staff_client.get("/accounts/users/?inactive=1").content.decode()
    assert "Tom Becker" in body


def test_users_list_sorts_and_pages(staff_client, admin_user):
    for index in range(30):
        UserFactory(name=f"Person {index:02d}", email=f"p{index:02d}@studio.test")
    body = staff_client.get("/accounts/users/?sort=-name").content.decode()
    assert body.index("Person 29") < body.index("Person 28")
    assert "Page 1 of 2" in body
    second_page = staff_client.get("/accounts/users/?page=2").content.decode()
    assert "Person 29" in second_page and "Person 05" not in second_page


@pytest.mark.parametrize("count", [1, 50])
def test_users_list_queries_stay_flat(staff_client, django_assert_max_num_queries, count):
    for index in range(count):
        UserFactory(email=f"n{index}@studio.test")
    with django_assert_max_num_queries(8):
        response = staff_client.get("/accounts/users/")
    assert response.status_code == 200


def test_add_user_in_the_modal(staff_client, django_capture_on_commit_callbacks):
    form = staff_client.get("/accounts/users/add/standard/", headers=HTMX)
    assert b"Add and send invitation" in form.content
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            "/accounts/users/add/standard/",
            {"name": "Nina Novak", "email": "nina@studio.test", "jobtitle": "Animator"},
            headers=HTMX,
        )
    assert response.status_code == 204
    assert "closeModal" in response["HX-Trigger"] and "usersChanged" in response["HX-Trigger"]
    assert User.objects.get(email="nina@studio.test").jobtitle == "Animator"
    assert mail.outbox[0].to == ["nina@studio.test"]


def test_add_user_errors_show_inline_and_save_nothing(staff_client, admin_user):
    response = staff_client.post(
        "/accounts/users/add/standard/",
        {"name": "Again", "email": "admin@studio.test"},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert "is already used by another user" in response.content.decode()
    response = staff_client.post(
        "/accounts/users/add/standard/", {"name": "", "email": "x"}, headers=HTMX
    )
    assert "This field is required." in response.content.decode()
    assert "Enter a valid email address." in response.content.decode()
    assert User.objects.count() == 1


def test_add_collaborator_with_job_numbers(staff_client):
    JobFactory(id=12), JobFactory(id=15)
    staff_client.post(
        "/accounts/users/add/collaborator/",
        {"name": "Sam", "email": "sam@freelance.test", "jobs": "12, 15"},
        headers=HTMX,
    )
    sam = User.objects.get(email="sam@freelance.test")
    assert sam.is_collaborator and sam.collaborator_jobs == [12, 15]
    response = staff_client.post(
        "/accounts/users/add/collaborator/",
        {"name": "Bad", "email": "bad@freelance.test", "jobs": "twelve"},
        headers=HTMX,
    )
    assert "Enter job numbers separated by commas" in response.content.decode()


def test_edit_user_with_permissions(staff_client):
    user = UserFactory(name="Lena Vogel", email="lena@studio.test")
    response = staff_client.post(
        f"/accounts/users/{user.pk}/",
        {
            "name": "Lena Vogel",
            "email": "lena@studio.test",
            "restricted": "on",
            "permissions": ["projects", "timesheets"],
            "address_city": "Belfast",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.restricted and user.permissions == ["projects", "timesheets"]
    assert user.address_city == "Belfast"


def test_deactivate_reactivate_and_delete(staff_client, admin_user):
    user = UserFactory()
    staff_client.post(f"/accounts/users/{user.pk}/active/", {"active": "0"})
    user.refresh_from_db()
    assert not user.is_active
    staff_client.post(f"/accounts/users/{user.pk}/active/", {"active": "1"})
    user.refresh_from_db()
    assert user.is_active
    response = staff_client.post(f"/accounts/users/{user.pk}/delete/", follow=True)
    assert "was deleted" in response.content.decode()
    assert not User.objects.filter(pk=user.pk).exists()


def test_cannot_deactivate_yourself(staff_client, admin_user):
    response = staff_client.post(
        f"/accounts/users/{admin_user.pk}/active/", {"active": "0"}, follow=True
    )
    assert "You cannot deactivate your own user." in response.content.decode()
    admin_user.refresh_from_db()
    assert admin_user.is_active


# --- settings ---------------------------------------------------------------------------


def test_company_details_save_and_errors(staff_client):
    response = staff_client.post(
        "/settings/company/",
        {
            "company_name": "Northwind Studio",
            "company_email": "not-an-email",
            "currency": "EUR",
            "default_payment_terms": "14",
        },
    )
    assert "Enter a valid email address." in response.content.decode()
    assert AccountSettings.load().company_name == "My Studio"
    response = staff_client.post(
        "/settings/company/",
        {"company_name": "Northwind Studio", "currency": "EUR", "default_payment_terms": "14"},
    )
    assert response.status_code == 302
    account = AccountSettings.load()
    assert (account.company_name, account.currency, account.default_payment_terms) == (
        "Northwind Studio",
        "EUR",
        14,
    )


def test_numbering_rejects_zero(staff_client):
    data = {
        "nextproposalid": "1",
        "nextinvoiceid": "0",
        "nextcreditid": "1",
        "timeround": "15",
        "breakeven": "100",
    }
    response = staff_client.post("/settings/numbering/", data)
    # The form keeps the service's bounds and says them in words, never the API name.
    html = response.content.decode()
    assert "Use a number from 1 to 2,000,000,000." in html
    assert "nextinvoiceid must" not in html
    assert AccountSettings.load().timeround == 0
    data["nextinvoiceid"] = "2401"
    assert staff_client.post("/settings/numbering/", data).status_code == 302
    account = AccountSettings.load()
    assert (account.nextinvoiceid, account.timeround) == (2401, 15)


def test_tax_code_rows_add_edit_delete(staff_client):
    page = staff_client.get("/settings/tax-codes/").content.decode()
    assert "Add tax code" in page
    response = staff_client.post(
        "/settings/tax-codes/add/",
        {"new-code": "001", "new-name": "Standard VAT", "new-rate_percent": "20"},
        headers=HTMX,
    )
    body = response.content.decode()
    assert "Standard VAT" in body and "20%" in body and 'id="tax-codes-add-row"' in body
    tax = TaxCode.objects.get(code="001")
    assert tax.rate == Decimal("0.2")

    edit = staff_client.get(f"/settings/tax-codes/{tax.pk}/edit/", headers=HTMX).content.decode()
    assert 'value="20"' in edit
    saved = staff_client.post(
        f"/settings/tax-codes/{tax.pk}/save/",
        {
            f"row{tax.pk}-code": "001",
            f"row{tax.pk}-name": "Std",
            f"row{tax.pk}-rate_percent": "17.5",
        },
        headers=HTMX,
    ).content.decode()
    assert "17.5%" in saved and "Std" in saved
    refused = staff_client.post(
        f"/settings/tax-codes/{tax.pk}/save/",
        {
            f"row{tax.pk}-code": "001",
            f"row{tax.pk}-name": "Std",
            f"row{tax.pk}-rate_percent": "150",
        },
        headers=HTMX,
    ).content.decode()
    assert "less than or equal to 100" in refused
    duplicate = staff_client.post(
        "/settings/tax-codes/add/",
        {"new-code": "001", "new-name": "Again", "new-rate_percent": "5"},
        headers=HTMX,
    ).content.decode()
    assert "Code 001 is already in use." in duplicate
    assert TaxCode.objects.count() == 1

    deleted = staff_client.post(f"/settings/tax-codes/{tax.pk}/delete/", headers=HTMX)
    assert deleted.status_code == 200 and deleted.content.strip() == b""
    assert not TaxCode.objects.exists()


@pytest.mark.parametrize("count", [1, 50])
def test_tax_codes_page_queries_stay_flat(staff_client, django_assert_max_num_queries, count):
    for index in range(count):
        TaxCode.objects.create(code=f"{index:03d}", name=f"Rate {index}", rate="0.1")
    # session, user, account settings (currency), tax codes
    with django_assert_max_num_queries(7):
        response = staff_client.get("/settings/tax-codes/")
    assert response.content.decode().count("Rate ") >= count


def test_activity_types_added_take_the_next_number(staff_client):
    staff_client.post("/settings/activity-types/add/", {"new-name": "Design"}, headers=HTMX)
    staff_client.post("/settings/activity-types/add/", {"new-name": "Meetings"}, headers=HTMX)
    assert list(ActivityType.objects.values_list("id", "name")) == [(1, "Design"), (2, "Meetings")]


def test_charge_rate_shows_currency(staff_client):
    staff_client.post(
        "/settings/charge-rates/add/", {"new-name": "Senior", "new-rate": "110"}, headers=HTMX
    )
    page = staff_client.get("/settings/charge-rates/").content.decode()
    assert "Hourly rate (£)" in page and "110.00" in page


def png_upload(name="logo.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (120, 40), (0, 80, 160)).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def test_logo_upload_preview_and_remove(staff_client):
    response = staff_client.post("/settings/logo/", {"logo": png_upload()}, follow=True)
    assert 'id="current-logo"' in response.content.decode()
    assert AccountSettings.load().logo.name.startswith("logo/logo")
    staff_client.post("/settings/logo/remove/")
    assert not AccountSettings.load().logo


def test_logo_text_file_is_refused(staff_client):
    fake = SimpleUploadedFile("fake.png", b"just text", content_type="image/png")
    response = staff_client.post("/settings/logo/", {"logo": fake})
    assert response.status_code == 200
    assert "field-error" in response.content.decode()
    assert not AccountSettings.load().logo


FULL_ACCESS = {f"scope_{area}": "write" for area in PERMISSION_AREAS}


def test_credentials_secret_shown_once_then_revoked(staff_client):
    response = staff_client.post("/settings/api/", {"name": "Zapier", **FULL_ACCESS})
    assert response.status_code == 302
    shown = staff_client.get("/settings/api/")
    assert shown["Cache-Control"] == "no-store"
    html = shown.content.decode()
    credential = ApiCredential.objects.get(name="Zapier")
    start = html.index('id="new-secret">') + len('id="new-secret">')
    secret = html[start : html.index("</code>", start)]
    assert credential.check_secret(secret)
    assert secret not in staff_client.get("/settings/api/").content.decode()
    staff_client.post(f"/settings/api/{credential.pk}/revoke/")
    credential.refresh_from_db()
    assert credential.revoked is not None


def test_credentials_need_a_name(staff_client):
    response = staff_client.post("/settings/api/", {"name": "", **FULL_ACCESS})
    assert "This field is required." in response.content.decode()
    assert not ApiCredential.objects.exists()


def test_credentials_can_be_narrowed_to_read_only_areas(staff_client):
    scopes = {**FULL_ACCESS, "scope_contacts": "read", "scope_users": "", "scope_settings": ""}
    staff_client.post("/settings/api/", {"name": "Mailing list sync", **scopes})
    credential = ApiCredential.objects.get(name="Mailing list sync")
    assert "contacts:read" in credential.scopes
    assert not {"users:read", "users:write", "settings:read"} & set(credential.scopes)
    html = staff_client.get("/settings/api/").content.decode()
    assert "Contacts and companies: read only" in html
    assert "Account settings" not in html.split('id="credentials-table"')[1].split("</table>")[0]


def test_credentials_with_no_access_at_all_are_refused_inline(staff_client):
    no_access = {f"scope_{area}": "" for area in PERMISSION_AREAS}
    response = staff_client.post("/settings/api/", {"name": "Useless", **no_access})
    assert response.status_code == 200
    assert "Give the credentials access to at least one area." in response.content.decode()
    assert not ApiCredential.objects.exists()


# --- API credentials: the table fits, tokens are shortened and copyable -------------------


def test_credentials_table_shows_the_token_shortened_and_copyable(staff_client):
    staff_client.post("/settings/api/", {"name": "Xero sync", **FULL_ACCESS})
    token = ApiCredential.objects.get(name="Xero sync").token
    staff_client.get("/settings/api/")  # the one-time page
    html = staff_client.get("/settings/api/").content.decode()
    table = html.split('id="credentials-table"')[1].split("</table>")[0]
    assert f'<code title="{token}">{token[:8]}…</code>' in table
    assert f'data-copy-text="{token}"' in table
    assert f">{token}<" not in table


def test_new_credentials_have_copy_buttons(staff_client):
    staff_client.post("/settings/api/", {"name": "Zapier", **FULL_ACCESS})
    html = staff_client.get("/settings/api/").content.decode()
    assert 'data-copy="#new-token"' in html and 'data-copy="#new-secret"' in html


# --- the settings pages --------------------------------------------------------------------


def test_breakeven_shows_the_accounts_currency(staff_client):
    html = staff_client.get("/settings/numbering/").content.decode()
    assert re.search(r'<span class="affix">£</span>\s*<input[^>]*name="breakeven"', html)
    account = AccountSettings.load()
    account.currency = "EUR"
    account.save()
    html = staff_client.get("/settings/numbering/").content.decode()
    assert '<span class="affix">€</span>' in html


def test_help_text_is_tied_to_its_input(staff_client):
    html = staff_client.get("/settings/numbering/").content.decode()
    assert 'aria-describedby="id_breakeven_helptext"' in html
    assert '<small class="help" id="id_breakeven_helptext">' in html


def test_activity_type_add_row_puts_the_name_under_name(staff_client):
    ActivityType.objects.create(id=7, name="Design")
    html = staff_client.get("/settings/activity-types/").content.decode()
    headers = re.findall(r'<th scope="col"[^>]*>(.*?)</th>', html.split("<thead>")[1])
    assert headers[:2] == ["No.", "Name"]
    add_row = html.split('id="activity-types-add-row"')[1].split("</tr>")[0]
    cells = re.findall(r"<td[^>]*>(.*?)</td>", add_row, re.S)
    assert "<input" not in cells[0]  # "No." is given by Docket
    assert 'name="new-name"' in cells[1]
    assert "Add activity type" in cells[2]


def test_activity_type_edit_row_keeps_the_number_read_only(staff_client):
    ActivityType.objects.create(id=7, name="Design")
    html = staff_client.get("/settings/activity-types/7/edit/", headers=HTMX).content.decode()
    cells = re.findall(r"<td[^>]*>(.*?)</td>", html, re.S)
    assert cells[0].strip() == "7"
    assert 'name="row7-name"' in cells[1] and 'value="Design"' in cells[1]


def test_tax_code_rows_match_inputs_to_columns_by_label(staff_client):
    html = staff_client.get("/settings/tax-codes/").content.decode()
    add_row = html.split('id="tax-codes-add-row"')[1].split("</tr>")[0]
    cells = re.findall(r"<td[^>]*>(.*?)</td>", add_row, re.S)
    assert ['name="new-code"' in cells[0], 'name="new-name"' in cells[1]] == [True, True]
    assert 'name="new-rate_percent"' in cells[2]


def test_row_editors_are_marked_for_enter_and_escape(staff_client):
    tax = TaxCode.objects.create(code="001", name="Standard VAT", rate="0.2")
    page = staff_client.get("/settings/tax-codes/").content.decode()
    assert re.search(r'<tr class="add-row" id="tax-codes-add-row" data-row-editor>', page)
    assert re.search(r"<button[^>]*data-row-save>Add tax code</button>", page)
    edit = staff_client.get(f"/settings/tax-codes/{tax.pk}/edit/", headers=HTMX).content.decode()
    assert 'class="editing" data-row-editor' in edit
    assert re.search(r"<button[^>]*data-row-save>Save</button>", edit)
    assert re.search(r"<button[^>]*data-row-cancel>Cancel</button>", edit)


# --- the shell ---------------------------------------------------------------------------


def test_api_docs_open_in_a_new_tab(staff_client):
    html = staff_client.get("/").content.decode()
    link = re.search(r'<a href="/api/v1/docs"[^>]*>.*?</a>', html).group(0)
    assert 'target="_blank"' in link and 'rel="noopener"' in link
    assert "(opens in a new tab)" in link


def test_the_modal_body_is_the_dialogs_article(staff_client):
    # Pico styles `dialog > article > header`: the swapped-in header must be a child
    # of the article for the title and the close button to sit right.
    html = staff_client.get("/").content.decode()
    assert '<article id="modal-body"></article>' in html


def test_messages_come_with_a_close_button(staff_client):
    data = {
        "nextproposalid": "1",
        "nextinvoiceid": "1",
        "nextcreditid": "1",
        "timeround": "0",
        "breakeven": "0",
    }
    response = staff_client.post("/settings/numbering/", data, follow=True)
    html = response.content.decode()
    assert re.search(
        r'<div class="flash flash-success" role="status"><span class="flash-text">'
        r"Numbering &amp; time saved.</span><button[^>]*data-dismiss-flash>",
        html,
    )


def test_restricted_users_see_only_their_areas_offered_for_credentials(client, restricted_to):
    creator = restricted_to("settings", "contacts")
    client.force_login(creator)
    html = client.get("/settings/api/").content.decode()
    users_select = html.split('name="scope_users"')[1].split("</select>")[0]
    assert 'value="" selected' in users_select
    response = client.post("/settings/api/", {"name": "Sneaky", **FULL_ACCESS})
    assert "users:write" in response.content.decode()
    assert not ApiCredential.objects.exists()


def test_revoked_credentials_offer_no_copy(staff_client):
    from accounts.services import create_api_credential, revoke_api_credential

    live = create_api_credential("Xero sync").credential
    gone = create_api_credential("Old website").credential
    revoke_api_credential(gone)
    html = staff_client.get("/settings/api/").content.decode()
    table = html.split('id="credentials-table"')[1].split("</table>")[0]
    assert f'data-copy-text="{live.token}"' in table
    assert f'data-copy-text="{gone.token}"' not in table
    # The start of a revoked token still tells it apart.
    assert f'<code title="{gone.token}">{gone.token[:8]}…</code>' in table
    assert 'aria-label="Revoke Xero sync"' in table and "Revoke Old website" not in table


# --- a stale CSRF token ----------------------------------------------------------------------


def csrf_client(user=None) -> Client:
    client = Client(enforce_csrf_checks=True)
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.parametrize("debug", [False, True])
def test_a_stale_token_on_a_form_gets_the_apps_page(admin_user, settings, debug):
    settings.DEBUG = debug
    client = csrf_client(admin_user)
    page = client.get("/settings/numbering/")
    assert page.status_code == 200
    # As after signing in again elsewhere: the page's token no longer matches the cookie.
    response = client.post(
        "/settings/numbering/", {"csrfmiddlewaretoken": "x" * 64, "nextinvoiceid": "5"}
    )
    assert response.status_code == 403
    html = response.content.decode()
    assert "Your session changed" in html
    assert "CSRF verification failed" not in html  # Django's bare page
    assert 'class="auth-card"' in html and "/static/css/app.css" in html
    assert 'id="csrf-back"' in html and "reload" in html
    # static/js/app.js looks for this mark on an htmx answer.
    assert "data-csrf-failure" in html
    assert AccountSettings.objects.get().nextinvoiceid != 5


def test_a_missing_token_on_sign_in_gets_the_apps_page(db):
    response = csrf_client().post(
        "/accounts/login/", {"username": "someone@studio.test", "password": "x"}
    )
    assert response.status_code == 403
    html = response.content.decode()
    assert "Your session changed" in html and "data-csrf-failure" in html


def test_no_access_is_not_mistaken_for_a_stale_token(restricted_to):
    response = signed_in_client(restricted_to("contacts")).get("/settings/company/")
    assert response.status_code == 403
    assert "data-csrf-failure" not in response.content.decode()


def test_a_row_swapped_in_says_where_the_keyboard_goes_next(staff_client):
    # htmx focuses [autofocus] in what it swaps in.
    tax = TaxCode.objects.create(code="001", name="Standard VAT", rate="0.2")

    def focused(html):
        return re.findall(r"<(?:input|button)[^>]*\bautofocus\b[^>]*>", html)

    page = staff_client.get("/settings/tax-codes/").content.decode()
    assert focused(page) == []  # a page load leaves the focus alone
    # Edit: its first input. Cancelled (or saved): the row's Edit button.
    edit = staff_client.get(f"/settings/tax-codes/{tax.pk}/edit/", headers=HTMX).content.decode()
    assert [f'name="row{tax.pk}-code"' in tag for tag in focused(edit)] == [True]
    row = staff_client.get(f"/settings/tax-codes/{tax.pk}/", headers=HTMX).content.decode()
    assert [">Edit<" in tag or "Edit Standard VAT" in tag for tag in focused(row)] == [True]
    # Refused: the wrong input. Added: the fresh add row's first input.
    data = {"new-code": "002", "new-name": "standard vat", "new-rate_percent": "20"}
    refused = staff_client.post("/settings/tax-codes/add/", data, headers=HTMX).content.decode()
    assert ['name="new-name"' in tag for tag in focused(refused)] == [True]
    data["new-name"] = "Reduced VAT"
    added = staff_client.post("/settings/tax-codes/add/", data, headers=HTMX).content.decode()
    assert ['name="new-code"' in tag for tag in focused(added)] == [True]


def test_company_details_take_the_country_from_the_list(staff_client):
    data = {"company_name": "Northwind Studio", "currency": "EUR", "default_payment_terms": "14"}
    response = staff_client.post("/settings/company/", {**data, "country": "XX"})
    assert "Select a valid choice. XX is not one of the available choices." in (
        response.content.decode()
    )
    assert AccountSettings.load().country == ""
    page = staff_client.get("/settings/company/").content.decode()
    assert '<option value="FR">France</option>' in page
    response = staff_client.post("/settings/company/", {**data, "country": "FR"})
    assert response.status_code == 302
    assert AccountSettings.load().country == "FR"
