"""An invoice's PDF in the browser: the panel follows the worker by itself (Queued,
then Ready without a reload), the PDF downloads, and the preview frame shows it.

The live server runs huey in immediate mode (the root conftest): a document saved
there is rendered inline, during the save, and its page opens on Ready. To see what
a user sees with a real worker, this test queues into a SQLite queue file and runs
huey's own consumer (threads, as `run_huey` does) once the page is open."""

import re

import pytest
from huey.contrib.djhuey import HUEY
from huey.storage import SqliteStorage
from playwright.sync_api import expect

from accounts.models import AccountSettings
from billing.models import DocumentPdf
from billing.tests.documents import issued_invoice
from crm.tests.factories import CompanyFactory


@pytest.fixture
def real_queue(tmp_path):
    original = HUEY.storage
    HUEY.immediate = False
    HUEY.storage = SqliteStorage(name=HUEY.name, filename=str(tmp_path / "queue.sqlite3"))
    yield HUEY
    HUEY.storage = original
    HUEY.immediate = True


def test_the_pdf_panel_follows_the_worker_then_downloads_and_previews(
    signed_in, live_server, shot, console_errors, real_queue
):
    page = signed_in
    AccountSettings.objects.update_or_create(
        pk=1, defaults={"company_name": "Northwind Studio", "vat_number": "GB123456789"}
    )
    invoice = issued_invoice(client=CompanyFactory(name="Harbour Bakery"), purchaseorder="PO-31")
    assert real_queue.pending_count() == 1

    page.goto(f"{live_server.url}/invoices/{invoice.pk}/")
    panel = page.locator("#pdf-panel")
    expect(panel.get_by_role("status")).to_contain_text("Queued")
    expect(panel.get_by_role("button", name="Download PDF")).to_have_count(0)
    shot("document-pdf-queued")

    consumer = real_queue.create_consumer(workers=1, worker_type="thread", periodic=False)
    consumer.start()
    try:
        # No reload: the panel asks every two seconds until the worker is done.
        expect(panel.get_by_role("status")).to_contain_text(
            re.compile(r"Ready As issued, rendered"), timeout=20_000
        )
    finally:
        consumer.stop(graceful=True)
    assert DocumentPdf.objects.get(invoice=invoice).state == DocumentPdf.State.READY
    # The panel swapped itself alone: the document and its history are still there.
    expect(page.get_by_role("heading", name="History")).to_be_visible()
    expect(page.locator("#invoice-page .document-col")).to_contain_text("Item 2")
    expect(panel).not_to_have_attribute("hx-trigger", re.compile("every"))

    with page.expect_download() as waited:
        panel.get_by_role("button", name="Download PDF").click()
    download = waited.value
    assert download.suggested_filename == f"Invoice {invoice.reference}.pdf"
    with open(download.path(), "rb") as saved:
        assert saved.read(5) == b"%PDF-"

    panel.get_by_text("Preview").click()
    frame = panel.locator("iframe")
    expect(frame).to_be_visible()
    expect(frame).to_have_attribute("src", f"/invoices/{invoice.pk}/pdf/?inline=1")
    expect(frame).to_have_attribute("title", f"Preview of Invoice {invoice.reference}.pdf")
    # The frame's answer is the PDF itself, served inline and allowed in our frame.
    preview = page.request.get(f"{live_server.url}/invoices/{invoice.pk}/pdf/?inline=1")
    assert preview.headers["content-type"] == "application/pdf"
    assert preview.headers["x-frame-options"] == "SAMEORIGIN"
    page.wait_for_timeout(1000)
    shot("document-pdf-ready")
    assert not [e for e in console_errors if "Content Security Policy" in e or "frame" in e]
