"""Accountants' exports: the ZIP of a period's issued PDFs and its CSV, as the
accountant opens them, and the page that asks for one and downloads it."""

import csv
import io
import subprocess
import zipfile
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from billing import exports, pdfs
from billing.models import DocumentPdf, Export, TaxCode
from billing.tests.documents import credit_note, draft_invoice, issued_invoice, payment
from crm.tests.factories import CompanyFactory

pytestmark = pytest.mark.django_db

URL = "/invoices/exports/"
CSV_NAME = "Docket export 2024-01-01 to 2024-03-31.csv"


def fixed(title: str, amount, taxcode: str) -> dict:
    return {"type": "fixed", "title": title, "unitprice": str(amount), "taxcode": taxcode}


def section(*lines) -> list[dict]:
    return [{"title": "Work", "items": list(lines)}]


@pytest.fixture(autouse=True)
def tax_codes():
    TaxCode.objects.create(code="001", name="Standard", rate=Decimal("0.2"))
    TaxCode.objects.create(code="002", name="Reduced", rate=Decimal("0.05"))
    TaxCode.objects.create(code="003", name="Zero", rate=Decimal("0"))


@pytest.fixture
def fake_pdfs(monkeypatch):
    """PDFs written without WeasyPrint (a second each): the bytes name the document's
    HTML's length, and every rendering is counted."""
    rendered = []

    def write_pdf(html, **options):
        rendered.append(html)
        return b"%PDF-1.7 fake " + str(len(rendered)).encode()

    monkeypatch.setattr(pdfs, "write_pdf", write_pdf)
    return rendered


@pytest.fixture
def quarter(fake_pdfs):
    """The first quarter of 2024: a discounted invoice at two rates, part paid and
    partly credited; a zero-rated invoice; and what must stay out (a draft in the
    quarter, an invoice and a credit note after it, a draft credit note in it)."""
    acme = CompanyFactory(name="Acme Studio")
    first = issued_invoice(
        client=acme,
        items=section(fixed("Design", 100, "001"), fixed("Books", 50, "002")),
        discount="10",
        total="135.00",
        date="2024-02-10",
    )
    payment(first, "50", day=date(2024, 2, 20))
    credit = credit_note(first, items=section(fixed("Design", 30, "001")), date="2024-03-20")
    zero = issued_invoice(
        client=CompanyFactory(name="Export Ltd"),
        items=section(fixed("Overseas work", 200, "003")),
        date="2024-03-05",
    )
    draft_invoice(client=acme, date="2024-03-10")
    later = issued_invoice(client=acme, date="2024-04-01")
    credit_note(later, 10, date="2024-04-02")
    credit_note(zero, 5, issue=False, date="2024-03-25")
    return {"first": first, "credit": credit, "zero": zero}


def built(user=None, date_from=date(2024, 1, 1), date_to=date(2024, 3, 31)) -> Export:
    export = Export.objects.create(
        requested_by=user or UserFactory(), date_from=date_from, date_to=date_to
    )
    exports.build_export(export.pk)
    export.refresh_from_db()
    return export


def opened(export: Export) -> zipfile.ZipFile:
    with default_storage.open(export.file.name, "rb") as stored:
        return zipfile.ZipFile(io.BytesIO(stored.read()))


def csv_rows(archive: zipfile.ZipFile, name: str = CSV_NAME) -> list[list[str]]:
    text = archive.read(name).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


def export_files() -> list[str]:
    folder = Path(settings.MEDIA_ROOT) / "exports"
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


# --- the CSV and the ZIP --------------------------------------------------------------


def test_the_csv_has_a_row_per_issued_document_in_the_period_with_tax_per_code(quarter):
    first, credit, zero = quarter["first"], quarter["credit"], quarter["zero"]
    export = built()
    assert export.state == Export.State.READY
    rows = csv_rows(opened(export))
    assert rows[0] == [
        "Type",
        "Reference",
        "Date",
        "Client",
        "Net",
        "Net 001 at 20%",
        "Tax 001 at 20%",
        "Net 002 at 5%",
        "Tax 002 at 5%",
        "Net 003 at 0%",
        "Tax 003 at 0%",
        "Tax",
        "Gross",
        "Paid",
        "Balance",
        "Credits invoice",
    ]
    # 100 at 20 % and 50 at 5 %, 10 % off: nets 90 and 45, tax 18 and 2.25. Paid 50
    # and credited 36 of its 155.25.
    assert rows[1:] == [
        [
            "Invoice",
            first.reference,
            "2024-02-10",
            "Acme Studio",
            "135.00",
            "90.00",
            "18.00",
            "45.00",
            "2.25",
            "",
            "",
            "20.25",
            "155.25",
            "50.00",
            "69.25",
            "",
        ],
        [
            "Invoice",
            zero.reference,
            "2024-03-05",
            "Export Ltd",
            "200.00",
            "",
            "",
            "",
            "",
            "200.00",
            "0.00",
            "0.00",
            "200.00",
            "0.00",
            "200.00",
            "",
        ],
        [
            "Credit note",
            credit.reference,
            "2024-03-20",
            "Acme Studio",
            "-30.00",
            "-30.00",
            "-6.00",
            "",
            "",
            "",
            "",
            "-6.00",
            "-36.00",
            "",
            "",
            first.reference,
        ],
    ]


def test_the_zip_holds_one_pdf_per_document_named_by_its_reference(quarter):
    export = built()
    archive = opened(export)
    first, credit, zero = quarter["first"], quarter["credit"], quarter["zero"]
    assert sorted(archive.namelist()) == sorted(
        [
            f"Invoice {first.reference}.pdf",
            f"Invoice {zero.reference}.pdf",
            f"Credit note {credit.reference}.pdf",
            CSV_NAME,
        ]
    )
    for name in archive.namelist():
        if name.endswith(".pdf"):
            assert archive.read(name).startswith(b"%PDF-")
    assert export.done == export.total == 3


def test_the_pdf_in_the_zip_is_the_issued_document(settings):
    invoice = issued_invoice(client=CompanyFactory(name="Acme Studio"), date="2024-02-10")
    export = built()
    content = opened(export).read(f"Invoice {invoice.reference}.pdf")
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True
    ).stdout.decode()
    assert f"Invoice no. {invoice.reference}" in " ".join(text.split())
    assert "Acme Studio" in text and "Draft" not in text


def test_kept_pdfs_are_reused_and_missing_ones_rendered_and_kept(fake_pdfs):
    kept = issued_invoice(date="2024-02-10")
    pdfs.render_pdf("invoice", kept.pk)
    kept_bytes = default_storage.open(DocumentPdf.objects.get(invoice=kept).file.name).read()
    missing = issued_invoice(date="2024-02-11")
    assert len(fake_pdfs) == 1
    archive = opened(built())
    assert archive.read(f"Invoice {kept.reference}.pdf") == kept_bytes
    assert len(fake_pdfs) == 2  # only the missing one
    pdf = DocumentPdf.objects.get(invoice=missing)
    assert pdf.final and pdf.state == DocumentPdf.State.READY


def test_text_a_spreadsheet_would_run_is_neutralised_and_numbers_stay_numbers(fake_pdfs):
    invoice = issued_invoice(
        client=CompanyFactory(name='=HYPERLINK("http://evil.test","x")'), date="2024-02-10"
    )
    credit_note(invoice, 10, date="2024-02-11")
    rows = csv_rows(opened(built()))
    assert rows[1][3] == '\'=HYPERLINK("http://evil.test","x")'
    assert rows[2][3].startswith("'=") and rows[2][4] == "-10.00"


def test_an_empty_period_gives_a_csv_of_headings_only(fake_pdfs):
    export = built()
    archive = opened(export)
    assert archive.namelist() == [CSV_NAME]
    assert csv_rows(archive) == [
        ["Type", "Reference", "Date", "Client", "Net"]
        + ["Tax", "Gross", "Paid", "Balance", "Credits invoice"]
    ]
    assert export.state == Export.State.READY and export.total == 0


# --- progress, state, failures and running twice --------------------------------------


def test_progress_is_recorded_as_each_document_is_added(quarter, monkeypatch):
    monkeypatch.setattr(exports, "PROGRESS_EVERY", 0)
    seen = []
    row_of = exports.document_row

    def watched(document):
        seen.append(Export.objects.values_list("state", "done", "total").get())
        return row_of(document)

    monkeypatch.setattr(exports, "document_row", watched)
    export = built()
    assert seen == [("building", 0, 3), ("building", 1, 3), ("building", 2, 3)]
    assert (export.state, export.done, export.total) == ("ready", 3, 3)
    assert export.finished is not None and export.reason == ""


def test_a_pdf_that_cannot_be_made_fails_the_export_with_its_reason(monkeypatch):
    invoice = issued_invoice(date="2024-02-10")

    def broken(html, **options):
        raise OSError("font cache unreadable")

    monkeypatch.setattr(pdfs, "write_pdf", broken)
    export = built()
    assert export.state == Export.State.FAILED
    assert export.reason.startswith(
        f"The PDF of invoice {invoice.reference} could not be made (OSError: font cache unreadable)"
    )
    assert not export.file and export_files() == []


def test_an_error_on_our_side_fails_the_export_and_leaves_no_file(quarter, monkeypatch):
    def broken(document):
        raise RuntimeError("boom")

    monkeypatch.setattr(exports, "document_row", broken)
    export = built()
    assert export.state == Export.State.FAILED
    assert export.reason == "The export stopped because of an error on our side (RuntimeError)."
    assert export_files() == []


def test_building_twice_makes_one_zip(quarter):
    export = built()
    name = export.file.name
    exports.build_export(export.pk)
    export.refresh_from_db()
    assert export.file.name == name and export.state == Export.State.READY
    assert export_files() == [Path(name).name]


# --- asking for one -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("date_from", "date_to", "field", "message"),
    [
        (date(2024, 3, 1), date(2024, 2, 1), "date_to", "must be on or after the start"),
        (date(2020, 1, 1), date(2025, 1, 1), "date_to", "at most 5 years"),
        (date(1800, 1, 1), date(1800, 2, 1), "date_from", "between 1900-01-01 and 2999-12-31"),
    ],
)
def test_a_wrong_period_is_refused_naming_the_rule(date_from, date_to, field, message):
    with pytest.raises(exports.ValidationError) as refused:
        exports.request_export(requested_by=UserFactory(), date_from=date_from, date_to=date_to)
    assert message in " ".join(refused.value.message_dict[field])
    assert not Export.objects.exists()


def test_five_years_less_a_day_is_allowed(fake_pdfs):
    exports.check_period(date(2020, 1, 1), date(2024, 12, 31))
    exports.check_period(date(2024, 2, 29), date(2029, 2, 28))


def test_a_user_may_have_three_exports_building_at_once():
    user = UserFactory()
    for _ in range(3):
        Export.objects.create(
            requested_by=user, date_from=date(2024, 1, 1), date_to=date(2024, 1, 2)
        )
    with pytest.raises(exports.ValidationError, match="3 exports being built"):
        exports.request_export(
            requested_by=user, date_from=date(2024, 1, 1), date_to=date(2024, 1, 2)
        )


def test_an_export_lost_with_its_worker_stops_counting_as_running(member, member_client):
    hours_ago = timezone.now() - timedelta(hours=2)
    for _ in range(3):
        Export.objects.create(
            requested_by=member,
            date_from=date(2024, 1, 1),
            date_to=date(2024, 1, 2),
            created=hours_ago,
            touched=hours_ago,
        )
    page = member_client.get(URL).content.decode()
    assert "check that the worker (<code>manage.py run_huey</code>) is running" in page
    exports.request_export(
        requested_by=member, date_from=date(2024, 1, 1), date_to=date(2024, 1, 2)
    )
    assert Export.objects.count() == 4


def test_asking_for_another_forgets_the_oldest_past_ten(
    fake_pdfs, django_capture_on_commit_callbacks
):
    user = UserFactory()
    oldest = built(user)
    oldest_file = oldest.file.name
    for _ in range(9):
        built(user)
    with django_capture_on_commit_callbacks(execute=True):
        exports.request_export(
            requested_by=user, date_from=date(2024, 1, 1), date_to=date(2024, 1, 31)
        )
    assert Export.objects.filter(requested_by=user).count() == 10
    assert not Export.objects.filter(pk=oldest.pk).exists()
    assert not default_storage.exists(oldest_file)


# --- the page -------------------------------------------------------------------------


def test_the_page_is_in_the_billing_lists_navigation(member_client):
    page = member_client.get(reverse("invoices:list")).content.decode()
    assert f'href="{URL}"' in page
    page = member_client.get(URL).content.decode()
    assert 'aria-current="page">Exports</a>' in page and "No exports yet." in page


def test_exporting_from_the_page_builds_it_and_offers_the_download(
    member, member_client, quarter, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = member_client.post(URL, {"date_from": "2024-01-01", "date_to": "2024-03-31"})
    assert response.status_code == 302 and response.url == URL
    export = Export.objects.get()
    assert export.requested_by == member and export.state == Export.State.READY
    page = member_client.get(URL).content.decode()
    assert "1 Jan 2024 to 31 Mar 2024" in page and "3 documents" in page
    assert "every 1s" not in page
    download = reverse("exports:download", args=[export.pk])
    assert f'href="{download}"' in page
    response = member_client.get(download)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == (
        'attachment; filename="Docket export 2024-01-01 to 2024-03-31.zip"'
    )
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert CSV_NAME in archive.namelist() and len(archive.namelist()) == 4


def test_the_page_reads_its_list_in_one_query(member, member_client, django_assert_max_num_queries):
    for state in ("queued", "building", "ready", "failed") * 3:
        Export.objects.create(
            requested_by=member, date_from=date(2024, 1, 1), date_to=date(2024, 1, 2), state=state
        )
    member_client.get(URL)
    # The session, the user, the account's settings and the exports.
    with django_assert_max_num_queries(4):
        part = member_client.get(URL, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="exports")
    assert part.content.decode().count("<tr data-state=") == 10


def test_the_page_polls_while_an_export_is_building_and_shows_its_progress(member, member_client):
    Export.objects.create(
        requested_by=member,
        date_from=date(2024, 1, 1),
        date_to=date(2024, 3, 31),
        state=Export.State.BUILDING,
        done=40,
        total=120,
    )
    page = member_client.get(URL).content.decode()
    assert 'hx-trigger="every 1s"' in page
    assert 'value="40" max="120"' in page and "40 of 120 documents…" in page
    part = member_client.get(URL, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="exports")
    assert part.content.decode().lstrip().startswith('<div id="exports"')
    Export.objects.update(state=Export.State.FAILED, reason="The PDF of invoice 7 is missing.")
    part = member_client.get(URL, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="exports").content.decode()
    assert "every 1s" not in part and "The PDF of invoice 7 is missing." in part
    assert "download/" not in part


@pytest.mark.parametrize(
    ("sent", "field_error"),
    [
        (
            {"date_from": "2024-03-01", "date_to": "2024-02-01"},
            "To must be on or after the start of the period.",
        ),
        (
            {"date_from": "2019-01-01", "date_to": "2024-06-30"},
            "An export covers at most 5 years: To must be before 2024-01-01.",
        ),
        ({"date_from": "2024-13-01", "date_to": "2024-02-01"}, "Enter a valid date."),
        ({"date_from": "", "date_to": "2024-02-01"}, "This field is required."),
    ],
)
def test_a_wrong_period_shows_inline_and_nothing_is_queued(member_client, sent, field_error):
    response = member_client.post(URL, sent)
    assert response.status_code == 200
    assert field_error in response.content.decode()
    assert not Export.objects.exists()


def test_only_the_invoices_area_may_export_or_download(restricted_client, member, fake_pdfs):
    export = built(member)
    download = reverse("exports:download", args=[export.pk])
    assert restricted_client.get(URL).status_code == 403
    assert (
        restricted_client.post(
            URL, {"date_from": "2024-01-01", "date_to": "2024-01-31"}
        ).status_code
        == 403
    )
    assert restricted_client.get(download).status_code == 403
    # Nor from the media URL the file sits under.
    assert restricted_client.get(f"/media/{export.file.name}").status_code == 403
    assert not Export.objects.exclude(pk=export.pk).exists()


def test_signed_out_visitors_are_sent_to_sign_in(client, member, fake_pdfs):
    export = built(member)
    for url in (URL, reverse("exports:download", args=[export.pk])):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_a_colleagues_export_or_one_not_ready_is_not_found(
    member, member_client, admin_user, fake_pdfs
):
    theirs = built(admin_user)
    waiting = Export.objects.create(
        requested_by=member, date_from=date(2024, 1, 1), date_to=date(2024, 1, 2)
    )
    assert member_client.get(reverse("exports:download", args=[theirs.pk])).status_code == 404
    assert member_client.get(reverse("exports:download", args=[waiting.pk])).status_code == 404
