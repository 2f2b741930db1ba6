import io
from decimal import Decimal

from PIL import Image
from playwright.sync_api import expect

from billing.models import TaxCode


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
    assert current.evaluate("img => img.naturalWidth") == 240
    shot("settings-logo")

    # A text file dressed as a PNG is refused with a message on the field.
    fake = tmp_path / "not-really.png"
    fake.write_text("hello")
    page.get_by_label("Logo image").set_input_files(str(fake))
    page.get_by_role("button", name="Upload logo").click()
    expect(page.locator(".field-error")).to_be_visible()
    assert console_errors == []
