"""A document's PDF on its page: the panel's state (polled while the worker has it),
the download and the preview frame, "Render again" after a failure, and who may."""

import re
from html import unescape

import pytest
from django.urls import reverse

from billing import invoicing, pdfs, proposals
from billing.models import DocumentPdf, Invoice
from billing.tests.documents import draft_invoice, issued_invoice, lines
from conftest import signed_in_client
from crm.tests.factories import CompanyFactory

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def panel(response) -> str:
    found = re.search(
        r'<section class="card pdf-panel".*?</section>', response.content.decode(), re.S
    )
    assert found, "no PDF panel on the page"
    return found.group(0)


def test_the_panel_polls_while_queued_then_offers_the_download_and_preview(staff_client):
    invoice = issued_invoice(client=CompanyFactory(name="Acme Studio"))
    # Saved in the test's transaction: asked for, not rendered.
    page = staff_client.get(f"/invoices/{invoice.pk}/")
    shown = panel(page)
    assert "Queued" in shown and 'hx-trigger="every 2s"' in shown
    assert f'hx-get="/invoices/{invoice.pk}/pdf/panel/"' in shown
    assert "Download PDF" not in shown and "<iframe" not in shown

    pdfs.render_pdf("invoice", invoice.pk)
    polled = staff_client.get(f"/invoices/{invoice.pk}/pdf/panel/", headers={"HX-Request": "true"})
    assert polled.status_code == 200 and "<html" not in polled.content.decode()
    shown = panel(polled)
    assert "Ready" in text(polled) and "As issued, rendered" in text(polled)
    assert "hx-trigger" not in shown  # ready: the polling stops
    assert f'href="/invoices/{invoice.pk}/pdf/"' in shown
    assert f'src="/invoices/{invoice.pk}/pdf/?inline=1"' in shown


def test_the_download_is_an_attachment_and_the_preview_may_be_framed_by_our_pages(staff_client):
    invoice = issued_invoice()
    pdfs.render_pdf("invoice", invoice.pk)
    response = staff_client.get(f"/invoices/{invoice.pk}/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert response["Content-Disposition"] == (
        f'attachment; filename="Invoice {invoice.reference}.pdf"'
    )
    preview = staff_client.get(f"/invoices/{invoice.pk}/pdf/?inline=1")
    assert preview["Content-Disposition"].startswith("inline;")
    assert preview["X-Frame-Options"] == "SAMEORIGIN"
    assert preview["Content-Security-Policy"] == "frame-ancestors 'self'"
    # Every other page still refuses to be framed.
    page = staff_client.get(f"/invoices/{invoice.pk}/")
    assert page["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in page["Content-Security-Policy"]


def test_no_pdf_yet_is_404_and_other_areas_get_403(staff_client, restricted_client, client):
    invoice = draft_invoice()
    assert staff_client.get(f"/invoices/{invoice.pk}/pdf/").status_code == 404
    assert staff_client.get(f"/invoices/{invoice.pk + 99}/pdf/").status_code == 404
    pdfs.render_pdf("invoice", invoice.pk)
    assert staff_client.get(f"/invoices/{invoice.pk}/pdf/").status_code == 200
    for path in (f"/invoices/{invoice.pk}/pdf/", f"/invoices/{invoice.pk}/pdf/panel/"):
        assert restricted_client.get(path).status_code == 403
        response = client.get(path)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert restricted_client.post(f"/invoices/{invoice.pk}/pdf/render/").status_code == 403


def test_a_failed_rendering_shows_why_and_render_again_queues_it(staff_client, monkeypatch):
    invoice = draft_invoice()

    def broken(html, **options):
        raise OSError("No space left on device")

    monkeypatch.setattr(pdfs, "write_pdf", broken)
    with pytest.raises(OSError):
        pdfs.render_pdf("invoice", invoice.pk)
    shown = text(staff_client.get(f"/invoices/{invoice.pk}/"))
    assert "Failed OSError: No space left on device" in shown and "Render again" in shown
    assert staff_client.get(f"/invoices/{invoice.pk}/pdf/render/").status_code == 405
    response = staff_client.post(
        f"/invoices/{invoice.pk}/pdf/render/", headers={"HX-Request": "true"}
    )
    assert "Queued" in text(response) and "Render again" not in text(response)
    assert 'hx-trigger="every 2s"' in panel(response)
    assert DocumentPdf.objects.get(invoice=invoice).state == DocumentPdf.State.QUEUED
    monkeypatch.undo()
    # Without htmx, back to the page.
    DocumentPdf.objects.filter(invoice=invoice).update(state=DocumentPdf.State.FAILED)
    response = staff_client.post(f"/invoices/{invoice.pk}/pdf/render/")
    assert response.status_code == 302 and response["Location"] == f"/invoices/{invoice.pk}/"


def test_a_document_written_in_bulk_asks_for_its_pdf_when_shown(staff_client, admin_user):
    invoice = draft_invoice()
    DocumentPdf.objects.filter(invoice=invoice).delete()  # as seed_scale leaves them
    Invoice.objects.filter(pk=invoice.pk).update(purchaseorder="PO-77")
    assert "Queued" in text(staff_client.get(f"/invoices/{invoice.pk}/"))
    assert DocumentPdf.objects.filter(invoice=invoice, state="queued").exists()


def test_credit_notes_and_proposals_have_the_panel(staff_client, admin_user):
    invoice = issued_invoice()
    note = invoicing.create_credit_note(invoice=invoice, added_by=admin_user, items=lines(50))
    pdfs.render_pdf("creditnote", note.pk)
    page = staff_client.get(f"/invoices/creditnotes/{note.pk}/")
    assert "Ready" in text(page) and "Download PDF" in panel(page)
    response = staff_client.get(f"/invoices/creditnotes/{note.pk}/pdf/")
    assert f'filename="Credit note draft {note.pk}.pdf"' in response["Content-Disposition"]

    proposal = proposals.create_proposal(
        added_by=admin_user,
        client=f"C{invoice.client_company_id}",
        title="Brand refresh",
        jobs=[
            {
                "name": "Discovery",
                "items": [{"name": "Workshops", "hours": 2, "rate": 80, "taxcode": "001"}],
            }
        ],
    )
    assert "Queued" in panel(staff_client.get(reverse("proposals:detail", args=[proposal.pk])))
    pdfs.render_pdf("proposal", proposal.pk)
    response = staff_client.get(reverse("proposals:pdf", args=[proposal.pk]))
    assert response.status_code == 200
    assert f'filename="Proposal {proposal.pk}.pdf"' in response["Content-Disposition"]
    assert f"/proposals/{proposal.pk}/pdf/?inline=1" in panel(
        staff_client.get(reverse("proposals:detail", args=[proposal.pk]))
    )


def test_proposal_pdfs_need_the_proposals_area(restricted_to, admin_user):
    invoice = issued_invoice()
    proposal = proposals.create_proposal(
        added_by=admin_user, client=f"C{invoice.client_company_id}", title="Brand refresh"
    )
    pdfs.render_pdf("proposal", proposal.pk)
    invoices_only = signed_in_client(restricted_to("invoices"))
    assert invoices_only.get(reverse("proposals:pdf", args=[proposal.pk])).status_code == 403
    both = signed_in_client(restricted_to("invoices", "proposals"))
    assert both.get(reverse("proposals:pdf", args=[proposal.pk])).status_code == 200


@pytest.mark.parametrize("count", [1, 20])
def test_the_document_pages_read_their_pdf_with_the_document(
    staff_client, admin_user, django_assert_max_num_queries, count
):
    invoice = issued_invoice(items=lines(*([10] * count)))
    note = invoicing.create_credit_note(
        invoice=invoice, added_by=admin_user, items=lines(*([1] * count))
    )
    pdfs.render_pdf("invoice", invoice.pk)
    pdfs.render_pdf("creditnote", note.pk)
    staff_client.get(f"/invoices/creditnotes/{note.pk}/")  # the account's row made
    # The session and user, the note with its invoice, client and PDF, its tax codes'
    # names, its history, its deliveries and the account.
    with django_assert_max_num_queries(7):
        assert staff_client.get(f"/invoices/creditnotes/{note.pk}/").status_code == 200
    # The session and user, the PDF's row and the document's: the panel alone.
    with django_assert_max_num_queries(3):
        assert staff_client.get(f"/invoices/{invoice.pk}/pdf/panel/").status_code == 200
