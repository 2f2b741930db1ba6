"""Documents' PDFs: rendered by the worker as the document is, read back as text."""

import subprocess

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from accounts.models import AccountSettings
from billing import invoicing, pdfs
from billing.models import DocumentPdf
from billing.tests.documents import credit_note, draft_invoice, issued_invoice, lines
from crm.tests.factories import CompanyFactory

pytestmark = pytest.mark.django_db


def pdf_text(pdf: DocumentPdf) -> str:
    with default_storage.open(pdf.file.name, "rb") as stored:
        content = stored.read()
    assert content.startswith(b"%PDF-")
    found = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True
    )
    return found.stdout.decode()


@pytest.fixture(autouse=True)
def account():
    AccountSettings.objects.update_or_create(
        pk=1,
        defaults={
            "company_name": "Northwind Studio",
            "company_address": "1 Quay Street\nBristol BS1 4DJ",
            "vat_number": "GB123456789",
            "bank_details": "Sort code 12-34-56, account 12345678",
        },
    )


def test_saving_a_draft_asks_for_its_pdf_once_it_commits(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        invoice = draft_invoice(client=CompanyFactory(name="Acme Studio"))
    assert len(callbacks) >= 1
    pdf = DocumentPdf.objects.get(invoice=invoice)
    assert pdf.state == DocumentPdf.State.READY and not pdf.final
    text = pdf_text(pdf)
    assert (
        "Invoice no. Draft" in " ".join(text.split())
        and "Acme Studio" in text
        and "Northwind Studio" in text
    )
    assert "Item 1" in text and "Item 2" in text
    assert "£300.00" in text and "£250.00" in text and "£50.00" in text
    assert "Page 1 of 1" in text


def test_an_issued_invoice_is_rendered_once_as_issued_and_kept(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invoice = issued_invoice(client=CompanyFactory(name="Acme Studio"), purchaseorder="PO-9")
    pdf = DocumentPdf.objects.get(invoice=invoice)
    assert pdf.final and pdf.state == DocumentPdf.State.READY
    text = pdf_text(pdf)
    assert "Draft" not in text and f"Invoice no. {invoice.reference}" in " ".join(text.split())
    assert "PO-9" in text and "Sort code 12-34-56" in text and "VAT no. GB123456789" in text
    first = pdf.file.name
    # A payment changes what is owed, not what the client was sent.
    with django_capture_on_commit_callbacks(execute=True):
        invoicing.record_payment(
            invoice=invoice, amount="10", date=invoice.date.date(), method="BACS"
        )
        pdfs.request_pdf(invoice)
    pdf.refresh_from_db()
    assert pdf.file.name == first


def test_a_rendering_of_an_older_version_is_not_kept(django_capture_on_commit_callbacks):
    invoice = draft_invoice()
    stale = invoice.lastupdated
    invoicing.update_invoice(invoice, purchaseorder="PO-2")
    # The worker picks up the older request after the newer one was kept.
    pdfs.render_pdf("invoice", invoice.pk)
    pdf = DocumentPdf.objects.get(invoice=invoice)
    assert pdf.shows_version != stale and "PO-2" in pdf_text(pdf)


def test_deleting_a_draft_deletes_its_pdf(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invoice = draft_invoice()
    name = DocumentPdf.objects.get(invoice=invoice).file.name
    assert default_storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        invoicing.delete_invoice(invoice)
    assert not default_storage.exists(name) and not DocumentPdf.objects.exists()


def test_a_failed_rendering_says_why_and_is_retried(monkeypatch):
    invoice = draft_invoice()

    def broken(html, **options):
        raise OSError("No space left on device")

    monkeypatch.setattr(pdfs, "write_pdf", broken)
    with pytest.raises(OSError):
        pdfs.render_pdf("invoice", invoice.pk)
    pdf = DocumentPdf.objects.get(invoice=invoice)
    assert pdf.state == DocumentPdf.State.FAILED and "No space left" in pdf.reason
    monkeypatch.undo()
    pdfs.request_pdf(invoice)
    pdf.refresh_from_db()
    assert pdf.state == DocumentPdf.State.QUEUED


def test_the_worker_fetches_only_our_own_files():
    with pytest.raises(pdfs.NotOurFile):
        pdfs.read_own_file("https://example.com/x.png")
    with pytest.raises(pdfs.NotOurFile):
        pdfs.read_own_file("file:///etc/passwd")
    with pytest.raises(pdfs.NotOurFile):
        pdfs.read_own_file(pdfs.BASE_URL + "media/../../etc/passwd")
    # Of MEDIA_ROOT, only the logo: the rest is people's uploads and other PDFs.
    default_storage.save("journal/private.txt", ContentFile(b"private"))
    with pytest.raises(pdfs.NotOurFile):
        pdfs.read_own_file(pdfs.BASE_URL + "media/journal/private.txt")
    with pytest.raises(pdfs.NotOurFile):
        pdfs.read_own_file(pdfs.BASE_URL + "media/logo/../journal/private.txt")
    default_storage.save("logo/mark.png", ContentFile(b"png"))
    assert pdfs.read_own_file(pdfs.BASE_URL + "media/logo/mark.png") == (b"png", "image/png")
    content, mime_type = pdfs.read_own_file(pdfs.BASE_URL + "static/css/pdf.css")
    assert b"@page" in content and mime_type == "text/css"


# --- the API's `pdf` and its download ---------------------------------------------------


@pytest.fixture
def rendered_invoice(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return issued_invoice(client=CompanyFactory(name="Acme Studio"))


@pytest.mark.usefixtures("no_api_rate_limit")
def test_pdf_is_null_until_rendered_then_a_url_that_downloads_with_credentials(depot, admin_api):
    waiting = issued_invoice()  # saved in a test transaction: nothing rendered
    row = depot.get(f"invoices/{waiting.pk}").json()["rows"][0]
    assert row["pdf"] is None
    assert depot.get(f"invoices/{waiting.pk}/pdf", fmt="").status_code == 404
    pdfs.render_pdf("invoice", waiting.pk)
    url = depot.get(f"invoices/{waiting.pk}").json()["rows"][0]["pdf"]
    assert url == f"http://testserver/api/v1/invoices/{waiting.pk}/pdf"
    listed = depot.get("invoices").json()["rows"]
    assert [row["pdf"] for row in listed] == [url]
    for client in (depot, admin_api):
        response = client.get(f"invoices/{waiting.pk}/pdf", fmt="")
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        body = b"".join(response.streaming_content)
        assert body.startswith(b"%PDF-")
        assert f'filename="Invoice {waiting.reference}.pdf"' in response["Content-Disposition"]


@pytest.mark.usefixtures("no_api_rate_limit")
def test_the_pdf_never_downloads_anonymously_nor_without_the_area(
    client, rendered_invoice, collaborator_api, staff_client
):
    path = f"/api/v1/invoices/{rendered_invoice.pk}/pdf"
    assert client.get(path).status_code == 403
    assert collaborator_api.get(f"invoices/{rendered_invoice.pk}/pdf", fmt="").status_code == 401
    # A signed-in session is enough, as the page's own download is.
    assert staff_client.get(path).status_code == 200
    assert client.get(f"/api/v1/invoices/{rendered_invoice.pk + 1}/pdf").status_code == 403


@pytest.mark.usefixtures("no_api_rate_limit")
def test_credit_notes_and_proposals_link_their_pdfs(depot, admin_user):
    from billing import proposals

    invoice = issued_invoice()
    note = invoicing.create_credit_note(invoice=invoice, added_by=admin_user, items=lines(50))
    pdfs.render_pdf("creditnote", note.pk)
    row = depot.get(f"creditnotes/{note.pk}").json()["rows"][0]
    assert row["pdf"].endswith(f"/api/v1/creditnotes/{note.pk}/pdf")
    text = pdf_text(DocumentPdf.objects.get(credit_note=note))
    assert f"Against invoice {invoice.reference}" in " ".join(text.split())
    proposal = proposals.create_proposal(
        added_by=admin_user,
        client=f"C{invoice.client_company_id}",
        title="Brand refresh",
        overview="What we will do.",
        jobs=[
            {
                "name": "Discovery",
                "items": [{"name": "Workshops", "hours": 10, "rate": 80, "taxcode": "001"}],
            },
            {
                "name": "Hidden job",
                "print": False,
                "items": [{"name": "Secret", "hours": 1, "rate": 1, "taxcode": "001"}],
            },
        ],
    )
    pdfs.render_pdf("proposal", proposal.pk)
    row = depot.get(f"proposals/{proposal.pk}").json()["rows"][0]
    assert row["pdf"].endswith(f"/api/v1/proposals/{proposal.pk}/pdf")
    text = pdf_text(DocumentPdf.objects.get(proposal=proposal))
    assert "Brand refresh" in text and "Workshops" in text and "What we will do." in text
    assert "Secret" not in text and "Hidden job" not in text
    assert depot.get(f"proposals/{proposal.pk + 99}/pdf", fmt="").status_code == 404


def test_an_issued_invoices_pdf_is_a_factur_x_e_invoice(django_capture_on_commit_callbacks):
    from facturx import get_xml_from_pdf

    from billing import facturx

    with django_capture_on_commit_callbacks(execute=True):
        invoice = issued_invoice(client=CompanyFactory(name="Acme Studio"))
    pdf = DocumentPdf.objects.get(invoice=invoice)
    with default_storage.open(pdf.file.name, "rb") as stored:
        content = stored.read()
    name, xml = get_xml_from_pdf(content, check_xsd=False)
    assert name == "factur-x.xml" and xml == facturx.cii_xml(invoice)
    # A draft is a plain PDF: it is not an invoice yet.
    with django_capture_on_commit_callbacks(execute=True):
        draft = draft_invoice()
    with default_storage.open(DocumentPdf.objects.get(invoice=draft).file.name, "rb") as stored:
        assert not get_xml_from_pdf(stored.read(), check_xsd=False)[1]


# --- what the PDF looks like ---------------------------------------------------------


def pdf_pages(pdf: DocumentPdf) -> list[str]:
    """Each page's text, in reading order."""
    return [" ".join(page.split()) for page in pdf_text(pdf).split("\f") if page.strip()]


def test_a_200_line_invoice_spans_pages_with_its_header_row_and_totals_once():
    items = [
        {
            "title": f"Phase {phase}",
            "items": [
                {
                    "type": "fixed",
                    "title": f"Task {phase}-{n}",
                    "description": "Two rounds of changes" if n % 10 == 0 else "",
                    "unitprice": 10,
                    "taxcode": "001",
                }
                for n in range(1, 51)
            ],
        }
        for phase in range(1, 5)
    ]
    invoice = issued_invoice(items=items)
    pages = pdf_pages(pdfs.render_pdf("invoice", invoice.pk))
    count = len(pages)
    assert count > 3
    for number, page in enumerate(pages, start=1):
        assert "DESCRIPTION QTY UNIT PRICE TAX NET" in page, number
        assert f"Page {number} of {count}" in page
    # Every line once, none split between pages (its title and money on one page).
    every = " ".join(pages)
    for phase in range(1, 5):
        for n in range(1, 51):
            assert every.count(f"Task {phase}-{n} ") == 1
    assert sum(page.count("£10.00 20% £10.00") for page in pages) == 200
    # The totals once, on the last page, after the last line.
    assert [i for i, page in enumerate(pages) if "Total due" in page] == [count - 1]
    last = pages[-1]
    assert last.index("Task 4-50") < last.index("Subtotal £2,000.00")
    assert "Tax £400.00" in last and "Total due £2,400.00" in last


def test_a_credit_note_at_the_invoices_discount_prints_it_and_its_totals():
    invoice = issued_invoice(items=lines(1234.50), total="1111.05", discount="10")
    note = credit_note(invoice, items=invoice.items, discount="10")
    text = " ".join(pdf_text(pdfs.render_pdf("creditnote", note.pk)).split())
    assert "Subtotal £1,234.50" in text
    assert "Discount (10%) −£123.45 Net total £1,111.05 Tax £222.21" in text
    assert "Total credited £1,333.26" in text


def test_a_unit_price_past_the_cent_prints_as_priced():
    line = {"title": "Prints", "quantity": 3, "unitprice": "33.335", "taxcode": "001"}
    items = [{"title": "", "items": [line]}]
    invoice = issued_invoice(items=items)
    text = " ".join(pdf_text(pdfs.render_pdf("invoice", invoice.pk)).split())
    assert "Prints 3 £33.335 20% £100.01" in text


def test_the_fonts_are_embedded_and_the_logo_drawn(tmp_path):
    from io import BytesIO

    from django.core.files.base import ContentFile
    from PIL import Image

    picture = BytesIO()
    Image.new("RGB", (300, 90), (20, 60, 140)).save(picture, "PNG")
    account = AccountSettings.load()
    account.logo.save("logo.png", ContentFile(picture.getvalue()))
    invoice = issued_invoice()
    path = tmp_path / "invoice.pdf"
    with default_storage.open(pdfs.render_pdf("invoice", invoice.pk).file.name, "rb") as stored:
        path.write_bytes(stored.read())
    fonts = subprocess.run(["pdffonts", path], capture_output=True, text=True, check=True).stdout
    rows = fonts.splitlines()[2:]
    assert rows and all(row.split()[-5] == "yes" for row in rows), fonts  # "emb"
    images = subprocess.run(["pdfimages", "-list", path], capture_output=True, text=True).stdout
    assert "300    90" in images, images


def test_a_proposal_prints_only_what_is_marked_to_print_and_money_only_with_printtotal(
    admin_user,
):
    from billing import proposals
    from billing.tests.documents import standard_vat

    standard_vat()
    client = CompanyFactory(name="Acme Studio")
    jobs = [
        {
            "name": "Discovery",
            "discount": 10,
            "items": [
                {"name": "Workshops", "hours": 10, "rate": 80, "taxcode": "001"},
                {"name": "Internal review", "print": False, "hours": 2, "rate": 80},
            ],
        },
        {"name": "Hidden job", "print": False, "items": [{"name": "Secret", "hours": 1}]},
        {"name": "Design", "items": [{"name": "Concepts", "hours": 20, "rate": 90}]},
    ]
    for job in jobs:
        for item in job["items"]:
            item.setdefault("taxcode", "001")
            item.setdefault("rate", 1)
    shown = proposals.create_proposal(
        added_by=admin_user,
        client=client.code,
        title="Brand refresh",
        expanded=[{"Scope": "Labels and the site."}],
        conclusion=[{"Terms": "Valid for 30 days."}],
        jobs=jobs,
        printtotal=True,
    )
    text = " ".join(pdf_text(pdfs.render_pdf("proposal", shown.pk)).split())
    assert "Scope Labels and the site." in text and "Terms Valid for 30 days." in text
    assert text.index("Scope") < text.index("1. Discovery") < text.index("Terms")
    assert "Workshops 10 £80.00 £800.00" in text and "2. Design" in text
    # Items not printed are still priced into their job and the proposal's totals.
    assert "Discovery, less 10% £864.00" in text
    assert "Internal review" not in text and "Hidden job" not in text and "Secret" not in text
    assert f"Grand total {shown.grandtotal:,.2f}".replace("total ", "total £") in text

    hidden = proposals.create_proposal(
        added_by=admin_user, client=client.code, title="Quiet", jobs=jobs, printtotal=False
    )
    text = " ".join(pdf_text(pdfs.render_pdf("proposal", hidden.pk)).split())
    assert "Workshops 10" in text and "Concepts 20" in text
    assert "£" not in text and "Total" not in text and "RATE" not in text
