"""The real worker (`manage.py run_huey`, its own process) renders the PDF a saved
invoice asked for, from the queue file the web process wrote into."""

import os
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from huey.contrib.djhuey import HUEY

from accounts.tests.test_worker import database_url_for_subprocess, queue_file  # noqa: F401
from billing.models import DocumentPdf
from billing.tests.documents import draft_invoice
from crm.tests.factories import CompanyFactory


@pytest.mark.django_db(transaction=True)
def test_run_huey_renders_the_pdf_a_saved_invoice_asked_for(queue_file, tmp_path):  # noqa: F811
    invoice = draft_invoice(client=CompanyFactory(name="Harbour Bakery"), purchaseorder="PO-31")
    # Committed (a transactional test): the rendering waits in the queue file.
    pdf = DocumentPdf.objects.get(invoice=invoice)
    assert pdf.state == DocumentPdf.State.QUEUED and not pdf.file
    assert HUEY.pending_count() == 1

    env = {
        **os.environ,
        "DATABASE_URL": database_url_for_subprocess(),
        "HUEY_URL": f"sqlite:///{queue_file}",
        "DOCKET_VAR_DIR": str(tmp_path / "worker-var"),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "HUEY_WORKERS": "1",
    }
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "run_huey", "--no-periodic"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            pdf.refresh_from_db()
            if pdf.state in (DocumentPdf.State.READY, DocumentPdf.State.FAILED):
                break
            time.sleep(0.2)
    finally:
        worker.terminate()
        output = worker.communicate(timeout=10)[0].decode(errors="replace")

    assert pdf.state == DocumentPdf.State.READY, f"{pdf.reason}\n{output}"
    assert pdf.file.name.startswith("documents/invoice-") and pdf.rendered is not None
    with default_storage.open(pdf.file.name, "rb") as stored:
        content = stored.read()
    assert content.startswith(b"%PDF-")
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=content, capture_output=True, check=True
    ).stdout.decode()
    assert "Harbour Bakery" in text and "PO-31" in text
    assert HUEY.pending_count() == 0


@pytest.mark.django_db(transaction=True)
def test_benchmark_pdfs_reports_its_figures_and_leaves_nothing_behind():
    from io import StringIO

    from django.core.management import call_command

    from billing.models import Invoice, TaxCode

    out = StringIO()
    call_command("benchmark_pdfs", invoices=2, lines=4, workers=1, stdout=out)
    said = out.getvalue()
    assert "2 invoices: worker path median" in said and "WeasyPrint alone" in said, said
    assert "PDFs/s with 1 worker thread" in said
    assert not Invoice.objects.exists() and not DocumentPdf.objects.exists()
    assert not TaxCode.objects.exists()
