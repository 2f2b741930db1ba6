import io
import re
from decimal import Decimal

from PIL import Image
from playwright.sync_api import expect

from billing.models import TaxCode
from projects.models import ActivityType


def test_edit_tax_codes_in_place(signed_in, live_server, shot, console_errors):
    page = signed_in
    TaxCode.objects.create(code="001", name="Standard VAT", rate="0.2", position=1)
    page.goto(f"{live_server.url}/settings/")
    page.get_by_role("link", name="Tax codes").click()
    rows = page.locator("#tax-codes-rows")
    expect(rows).to_contain_text("Standard VAT")
    expect(rows).to_contain_text("20%")

    # Add a new code from the last row.
    page.get_by_label("Tax code code").fill("002")
    page.get_by_label("Tax code name").fill("Reduced VAT")
    page.get_by_label("Tax code rate (%)").fill("5")
    page.get_by_role("button", name="Add tax code").click()
    expect(rows.locator("tr", has_text="Reduced VAT")).to_contain_text("5%")

    # A bad rate is refused inline and nothing changes.
    page.get_by_role("button", name="Edit Standard VAT").click()
    editing = page.locator("tr.editing")
    editing.locator("input[name$='rate_percent']").fill("150")
    editing.get_by_role("button", name="Save").click()
    expect(editing.locator(".field-error")).to_contain_text("100")
    shot("settings-tax-codes-error")
    editing.locator("input[name$='rate_percent']").fill("17.5")
    editing.get_by_role("button", name="Save").click()
    expect(rows.locator("tr", has_text="Standard VAT")).to_contain_text("17.5%")

    # Delete asks first, in our dialog.
    page.get_by_role("button", name="Delete Reduced VAT").click()
    expect(page.locator("#confirm-dialog")).to_be_visible()
    page.get_by_role("button", name="Yes, go ahead").click()
    expect(rows).not_to_contain_text("Reduced VAT")
    shot("settings-tax-codes")

    assert list(TaxCode.objects.values_list("code", "rate")) == [("001", Decimal("0.175"))]
    assert console_errors == []


def test_api_credentials_show_the_secret_exactly_once(signed_in, live_server, shot):
    page = signed_in
    page.goto(f"{live_server.url}/settings/api/")
    page.get_by_label("Name").fill("Xero sync")
    page.get_by_role("button", name="Create credentials").click()
    secret = page.locator("#new-secret").inner_text()
    token = page.locator("#new-token").inner_text()
    assert len(secret) >= 43
    expect(page.locator("#credentials-table")).to_contain_text("Xero sync")
    shot("settings-api-credentials-created")

    # The pair works against the API from another client.
    response = page.request.get(
        f"{live_server.url}/api/v1/me.json",
        headers={"X-DEPOT-TOKEN": token, "X-DEPOT-SECRET": secret},
    )
    assert response.status == 200
    assert response.json()["rows"][0]["credential"]["name"] == "Xero sync"

    page.reload()
    expect(page.locator("#credentials-table")).to_contain_text("Xero sync")
    assert secret not in page.content()
    assert page.locator("#new-secret").count() == 0

    page.get_by_role("button", name="Revoke").click()
    page.get_by_role("button", name="Yes, go ahead").click()
    expect(page.locator("#credentials-table")).to_contain_text("Revoked")
    response = page.request.get(
        f"{live_server.url}/api/v1/me.json",
        headers={"X-DEPOT-TOKEN": token, "X-DEPOT-SECRET": secret},
    )
    assert response.status == 403


def test_upload_a_logo_and_see_it(signed_in, live_server, shot, tmp_path, console_errors):
    page = signed_in
    logo_path = tmp_path / "studio-logo.png"
    image = Image.new("RGB", (240, 80), (31, 111, 235))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    logo_path.write_bytes(buffer.getvalue())

    page.goto(f"{live_server.url}/settings/logo/")
    expect(page.locator("#no-logo")).to_be_visible()
    page.get_by_label("Logo image").set_input_files(str(logo_path))
    expect(page.locator("#logo-choice-preview")).to_be_visible()
    page.get_by_role("button", name="Upload logo").click()
    expect(page.locator(".flash-success")).to_contain_text("Logo uploaded")
    current = page.locator("#current-logo")
    expect(current).to_be_visible()
    page.wait_for_function("() => document.querySelector('#current-logo').complete")
    assert current.evaluate("img => img.naturalWidth") == 240
    shot("settings-logo")

    # A text file dressed as a PNG is refused with a message on the field.
    fake = tmp_path / "not-really.png"
    fake.write_text("hello")
    page.get_by_label("Logo image").set_input_files(str(fake))
    page.get_by_role("button", name="Upload logo").click()
    expect(page.locator(".field-error")).to_be_visible()
    assert console_errors == []


def test_a_file_that_is_no_image_hides_the_preview(
    signed_in, live_server, shot, tmp_path, console_errors
):
    page = signed_in
    fake = tmp_path / "not-really.png"
    fake.write_text("hello")
    real = tmp_path / "logo.png"
    buffer = io.BytesIO()
    Image.new("RGB", (120, 40), (31, 111, 235)).save(buffer, "PNG")
    real.write_bytes(buffer.getvalue())

    page.goto(f"{live_server.url}/settings/logo/")
    field = page.get_by_label("Logo image")
    preview = page.locator("#logo-choice-preview")
    # Uploaded anyway, the server refuses it.
    field.set_input_files(str(fake))
    page.get_by_role("button", name="Upload logo").click()
    server_error = page.locator(".field-error")
    expect(server_error).to_be_visible()
    server_text = server_error.inner_text()

    # Chosen again: no broken-image box, the old error gives way to the new.
    field.set_input_files(str(fake))
    expect(page.locator(".field-error")).to_contain_text("can't be shown as an image")
    expect(page.locator(".field-error")).to_have_count(1)
    expect(preview).to_be_hidden()
    shot("settings-logo-not-an-image")

    # A real image clears the error and shows.
    field.set_input_files(str(real))
    expect(preview).to_be_visible()
    expect(page.locator(".field-error")).to_have_count(0)
    assert server_text not in page.content()
    # Only the broken image's load error is expected on the console.
    assert [error for error in console_errors if "blob:" not in error] == []


def test_enter_saves_and_escape_cancels_rows(signed_in, live_server, shot, console_errors):
    page = signed_in
    TaxCode.objects.create(code="001", name="Standard VAT", rate="0.2", position=1)
    page.goto(f"{live_server.url}/settings/tax-codes/")
    rows = page.locator("#tax-codes-rows")

    # Enter in the add row adds, and leaves the cursor there for the next one.
    page.get_by_label("Tax code code").fill("002")
    page.get_by_label("Tax code name").fill("Reduced VAT")
    page.get_by_label("Tax code rate (%)").fill("5")
    page.get_by_label("Tax code rate (%)").press("Enter")
    expect(rows.locator("tr", has_text="Reduced VAT")).to_contain_text("5%")
    expect(page.get_by_label("Tax code code")).to_be_focused()
    expect(page.get_by_label("Tax code code")).to_have_value("")

    # A duplicate name is refused on the name, in words.
    page.get_by_label("Tax code code").fill("003")
    page.get_by_label("Tax code name").fill("standard vat")
    page.get_by_label("Tax code rate (%)").fill("20")
    page.keyboard.press("Enter")
    add_row = page.locator("#tax-codes-add-row")
    expect(add_row.locator(".field-error")).to_have_text("Name “standard vat” is already in use.")
    shot("settings-tax-codes-duplicate-name")
    page.get_by_label("Tax code name").press("Escape")
    expect(page.get_by_label("Tax code name")).to_have_value("")
    expect(add_row.locator(".field-error")).to_have_count(0)

    # Enter in an edit row saves it; Escape cancels the edit.
    page.get_by_role("button", name="Edit Standard VAT").click()
    editing = page.locator("tr.editing")
    expect(editing.locator("input[name$='-code']")).to_be_focused()
    name = editing.locator("input[name$='-name']")
    name.fill("Standard rate VAT")
    name.press("Enter")
    expect(rows).to_contain_text("Standard rate VAT")
    expect(page.locator("tr.editing")).to_have_count(0)
    expect(page.get_by_role("button", name="Edit Standard rate VAT")).to_be_focused()

    page.get_by_role("button", name="Edit Standard rate VAT").click()
    page.locator("tr.editing input[name$='-name']").fill("Never saved")
    page.locator("tr.editing input[name$='-name']").press("Escape")
    expect(page.locator("tr.editing")).to_have_count(0)
    expect(rows).to_contain_text("Standard rate VAT")
    expect(rows).not_to_contain_text("Never saved")
    shot("settings-tax-codes-keyboard")
    assert list(TaxCode.objects.values_list("name", flat=True)) == [
        "Standard rate VAT",
        "Reduced VAT",
    ]
    assert console_errors == []


def test_activity_type_inputs_sit_under_their_columns(signed_in, live_server, shot):
    page = signed_in
    ActivityType.objects.create(id=1, name="Design")
    page.goto(f"{live_server.url}/settings/activity-types/")
    name_header = page.get_by_role("columnheader", name="Name").bounding_box()
    number_header = page.get_by_role("columnheader", name="No.").bounding_box()
    name_input = page.get_by_label("Activity type name").bounding_box()
    button = page.get_by_role("button", name="Add activity type").bounding_box()
    assert name_header["x"] - 1 <= name_input["x"] < name_header["x"] + name_header["width"]
    assert name_input["x"] >= number_header["x"] + number_header["width"] - 1
    assert button["x"] >= name_header["x"] + name_header["width"] - 1

    page.get_by_label("Activity type name").fill("design")
    page.get_by_label("Activity type name").press("Enter")
    expect(page.locator("#activity-types-add-row .field-error")).to_have_text(
        "Name “design” is already in use."
    )
    # The refused row comes back with the cursor in it, ready for another try.
    expect(page.get_by_label("Activity type name")).to_be_focused()
    page.get_by_label("Activity type name").fill("Meetings")
    page.get_by_label("Activity type name").press("Enter")
    expect(page.locator("#activity-types-rows")).to_contain_text("Meetings")
    shot("settings-activity-types")
    assert list(ActivityType.objects.values_list("name", flat=True)) == ["Design", "Meetings"]


def test_credentials_fit_their_card_and_copy(signed_in, live_server, shot, console_errors):
    page = signed_in
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto(f"{live_server.url}/settings/api/")
    page.get_by_label("Name").fill("Website contact form")
    page.get_by_role("button", name="Create credentials").click()
    token = page.locator("#new-token").inner_text()
    secret = page.locator("#new-secret").inner_text()

    copy_secret = page.locator("#new-credential .copy-button[data-copy='#new-secret']")
    copy_secret.click()
    expect(copy_secret).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == secret
    shot("settings-api-copied")

    # The table fits its card at 1280: Revoke is on screen, not scrolled away.
    table = page.locator("#credentials-table")
    scroller = page.locator(".table-scroll", has=table)
    assert scroller.evaluate("el => el.scrollWidth <= el.clientWidth")
    expect(page.get_by_role("button", name="Revoke")).to_be_in_viewport()
    row = table.locator("tbody tr", has_text="Website contact form")
    expect(row.locator("code")).to_have_text(token[:8] + "…")
    expect(row.locator("code")).to_have_attribute("title", token)
    row.get_by_role("button", name="Copy the token of Website contact form").click()
    assert page.evaluate("navigator.clipboard.readText()") == token
    shot("settings-api-table")
    assert console_errors == []


def test_copy_without_the_async_clipboard_selects_and_copies(signed_in, live_server):
    page = signed_in
    page.goto(f"{live_server.url}/settings/api/")
    page.get_by_label("Name").fill("Legacy")
    page.get_by_role("button", name="Create credentials").click()
    # As on plain http at a LAN address: no navigator.clipboard.
    page.evaluate("Object.defineProperty(navigator, 'clipboard', {value: undefined})")
    page.locator("#new-credential").get_by_role("button", name="Copy").first.click()
    assert page.evaluate("getSelection().toString()") == page.locator("#new-token").inner_text()
    expect(page.locator("#new-credential .copy-button").first).to_have_text(
        re.compile("Copied|Ctrl\\+C")
    )


def test_side_by_side_inputs_line_up(signed_in, live_server, shot):
    page = signed_in
    page.goto(f"{live_server.url}/settings/numbering/")
    tops = [
        page.get_by_label(label).bounding_box()["y"]
        for label in (
            "Next proposal/project number",
            "Next invoice number",
            "Next credit note number",
        )
    ]
    assert max(tops) - min(tops) < 1
    breakeven = page.get_by_label("Monthly breakeven")
    expect(page.locator(".input-affix", has=breakeven)).to_contain_text("£")
    help_box = page.locator("#id_breakeven_helptext").bounding_box()
    input_box = breakeven.bounding_box()
    assert help_box["y"] - (input_box["y"] + input_box["height"]) >= 3  # help doesn't touch
    shot("settings-numbering")
    page.goto(f"{live_server.url}/settings/company/")
    shot("settings-company")


def test_credentials_table_fits_at_1280_with_every_kind_of_row(
    signed_in, live_server, shot, console_errors
):
    import datetime

    from django.utils import timezone

    from accounts.models import User
    from accounts.services import create_api_credential, revoke_api_credential

    page = signed_in
    me = User.objects.get(email="owner@studio.test")
    create_api_credential("Test integration", created_by=me)
    create_api_credential(
        "Xero sync for the accounts team",
        created_by=me,
        expires=timezone.now() + datetime.timedelta(days=90),
        scopes=["contacts:read", "invoices:write", "reports:read"],
    )
    old = create_api_credential("Old website contact form", created_by=me).credential
    revoke_api_credential(old)
    page.goto(f"{live_server.url}/settings/api/")
    table = page.locator("#credentials-table")
    scroller = page.locator(".table-scroll", has=table)
    assert scroller.evaluate("el => el.scrollWidth <= el.clientWidth")
    box = scroller.bounding_box()
    revokes = table.get_by_role("button", name="Revoke")
    expect(revokes).to_have_count(2)
    for button in revokes.all():
        edge = button.bounding_box()
        assert edge["x"] + edge["width"] <= box["x"] + box["width"]
        assert button.evaluate("el => el.scrollWidth <= el.clientWidth")  # "Revoke", not "Re"
    # A revoked token can't be used, so there is nothing to copy.
    revoked_row = table.locator("tbody tr", has_text="Old website contact form")
    expect(revoked_row.get_by_role("button", name="Copy")).to_have_count(0)
    expect(revoked_row.locator("code")).to_be_visible()
    shot("settings-api-table-full")
    assert console_errors == []


def test_a_double_click_creates_credentials_once(signed_in, live_server):
    from accounts.models import ApiCredential

    page = signed_in
    page.goto(f"{live_server.url}/settings/api/")
    page.get_by_label("Name").fill("Zapier")
    page.get_by_role("button", name="Create credentials").dblclick()
    expect(page.locator("#new-credential")).to_be_visible()
    assert ApiCredential.objects.filter(name="Zapier").count() == 1


def test_a_row_button_is_off_while_it_saves(signed_in, live_server, shot, console_errors):
    page = signed_in
    page.goto(f"{live_server.url}/settings/tax-codes/")
    # A slow answer, so the moment in between can be seen.
    page.route(
        "**/settings/tax-codes/add/",
        lambda route: (page.wait_for_timeout(500), route.continue_()),
    )
    page.get_by_label("Tax code code").fill("002")
    page.get_by_label("Tax code name").fill("Reduced VAT")
    page.get_by_label("Tax code rate (%)").fill("5")
    add = page.get_by_role("button", name="Add tax code")
    add.dblclick()
    expect(add).to_be_disabled()
    shot("settings-row-saving")
    expect(page.locator("#tax-codes-rows")).to_contain_text("Reduced VAT")
    # One row added, and no second try refused as a duplicate name.
    page.wait_for_timeout(700)
    expect(page.locator("#tax-codes-add-row .field-error")).to_have_count(0)
    expect(page.get_by_role("button", name="Add tax code")).to_be_enabled()
    assert TaxCode.objects.filter(name="Reduced VAT").count() == 1
    assert console_errors == []
