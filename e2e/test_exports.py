"""An accountant's export in the browser: a wrong period refused inline, the export
followed from waiting to ready without a reload, and its ZIP downloaded."""

import zipfile

from playwright.sync_api import expect

from e2e.test_accessibility import axe_violations, describe


def test_export_a_quarter_follow_its_progress_and_download_it(
    signed_in, live_server, shot, console_errors, monkeypatch, tmp_path
):
    from billing import exports, tasks
    from billing.models import Export
    from billing.tests.documents import credit_note, issued_invoice
    from crm.tests.factories import CompanyFactory

    acme = CompanyFactory(name="Acme Studio")
    first = issued_invoice(client=acme, date="2024-02-10")
    second = issued_invoice(client=acme, date="2024-03-05")
    note = credit_note(first, 20, date="2024-03-20")
    # The worker is this test: the page's request only queues the export.
    monkeypatch.setattr(tasks, "build_export", lambda export_id: None)

    page = signed_in
    page.goto(f"{live_server.url}/invoices/")
    page.get_by_role("navigation", name="Billing lists").get_by_role("link", name="Exports").click()
    expect(page.get_by_role("heading", name="Exports", level=1)).to_be_visible()
    expect(page.get_by_text("No exports yet.")).to_be_visible()

    page.locator("#id_date_from").fill("2024-03-31")
    page.locator("#id_date_to").fill("2024-01-01")
    page.get_by_role("button", name="Export").click()
    expect(page.get_by_text("To must be on or after the start of the period.")).to_be_visible()
    expect(page.locator("#id_date_to")).to_be_focused()
    shot("exports-refused")
    assert not Export.objects.exists()

    page.locator("#id_date_from").fill("2024-01-01")
    page.locator("#id_date_to").fill("2024-03-31")
    page.get_by_role("button", name="Export").click()
    expect(
        page.get_by_text("The export of 1 Jan 2024 to 31 Mar 2024 is being built.")
    ).to_be_visible()
    exports_list = page.locator("#exports")
    expect(exports_list).to_contain_text("Waiting to start…")
    export = Export.objects.get()

    # The list follows the worker's progress without a reload.
    Export.objects.filter(pk=export.pk).update(state="building", done=1, total=3)
    expect(exports_list).to_contain_text("1 of 3 documents…")
    expect(exports_list.locator("progress")).to_have_attribute("value", "1")
    shot("exports-building")
    violations = axe_violations(page)
    assert not violations, describe("the exports page", violations)

    Export.objects.filter(pk=export.pk).update(state="queued", done=0, total=0)
    exports.build_export(export.pk)
    expect(exports_list).to_contain_text("Ready")
    expect(exports_list).to_contain_text("3 documents")
    expect(exports_list).not_to_have_attribute("hx-trigger", "every 1s")
    shot("exports-ready")

    with page.expect_download() as downloading:
        exports_list.get_by_role("link", name="Download").click()
    download = downloading.value
    assert download.suggested_filename == "Docket export 2024-01-01 to 2024-03-31.zip"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    with zipfile.ZipFile(saved) as archive:
        assert sorted(archive.namelist()) == sorted(
            [
                f"Invoice {first.reference}.pdf",
                f"Invoice {second.reference}.pdf",
                f"Credit note {note.reference}.pdf",
                "Docket export 2024-01-01 to 2024-03-31.csv",
            ]
        )
        lines = archive.read("Docket export 2024-01-01 to 2024-03-31.csv").decode().splitlines()
    assert lines[-1].startswith(f"Credit note,{note.reference},2024-03-20,Acme Studio,-20.00,")
    assert console_errors == []
