"""`manage.py benchmark_pdfs`: what the worker's path adds to WeasyPrint, and how
many PDFs a second the worker turns out (BENCHMARKS.md, "Documents' PDFs").

It writes N draft invoices of L lines each (committed: the worker's threads read them
from their own connections) without asking for their PDFs, then renders each one
twice, alternately: through `billing.pdfs.render_pdf` as the task runs it (load the
document, template, tax codes, WeasyPrint, storage, the PDF's row) and with WeasyPrint
alone on the same HTML, made beforehand. Then it renders them all again through the
task function on as many threads as the consumer runs (HUEY["consumer"]["workers"],
thread workers, as `run_huey` does) and counts PDFs a second. Files go to a
temporary MEDIA_ROOT; the invoices, their client and anything it made are deleted at
the end."""

import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.db.models.signals import post_save
from django.test.utils import override_settings

from accounts.models import User
from billing import invoicing, pdfs, tasks
from billing.models import Invoice, TaxCode
from billing.totals import clean_sections, document_totals
from crm.models import Company
from crm.services import create_company

GOAL = 1.2


class Command(BaseCommand):
    help = "Time the worker's PDF rendering against WeasyPrint alone, and its throughput."

    def add_arguments(self, parser):
        parser.add_argument("--invoices", type=int, default=100)
        parser.add_argument("--lines", type=int, default=30)
        parser.add_argument("--profile", action="store_true", help="cProfile the worker path")
        parser.add_argument(
            "--workers", type=int, default=None, help="threads (default: the consumer's)"
        )

    def handle(self, *, invoices: int, lines: int, profile: bool, workers, **options):
        self.workers = workers or settings.HUEY.get("consumer", {}).get("workers", 1)
        with tempfile.TemporaryDirectory() as media, override_settings(MEDIA_ROOT=media):
            made = _Made()
            try:
                ids = made.invoices(invoices, lines)
                self._measure(ids, profile)
            finally:
                made.delete()

    def _measure(self, ids: list[int], profile: bool) -> None:
        from weasyprint import HTML
        from weasyprint.text.fonts import FontConfiguration

        html = {pk: pdfs.document_html(pdfs.find_document("invoice", pk)) for pk in ids}
        fonts = FontConfiguration()
        pdfs.render_pdf("invoice", ids[0])  # warm up: WeasyPrint's import, fonts, caches
        fetch = pdfs.own_files_fetcher()

        def direct(pk):
            HTML(string=html[pk], base_url=pdfs.BASE_URL, url_fetcher=fetch).write_pdf(
                font_config=fonts
            )

        direct(ids[0])
        worker_ms, direct_ms = [], []
        profiler = None
        if profile:
            import cProfile

            profiler = cProfile.Profile()
        for pk in ids:
            started = time.perf_counter()
            direct(pk)
            direct_ms.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            if profiler:
                profiler.enable()
            pdfs.render_pdf("invoice", pk)
            if profiler:
                profiler.disable()
            worker_ms.append((time.perf_counter() - started) * 1000)
        worker, alone = statistics.median(worker_ms), statistics.median(direct_ms)
        ratio = worker / alone
        self.stdout.write(
            f"{len(ids)} invoices: worker path median {worker:.1f} ms per PDF, "
            f"WeasyPrint alone {alone:.1f} ms: {ratio:.2f}× "
            f"({'within' if ratio <= GOAL else 'past'} the {GOAL}× goal)"
        )
        if profiler:
            import pstats

            pstats.Stats(profiler, stream=self.stdout).sort_stats("cumulative").print_stats(30)

        workers = self.workers

        def task(pk):
            try:
                tasks.render_document_pdf.call_local("invoice", pk)
            finally:
                close_old_connections()

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(task, ids))
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"throughput: {len(ids) / elapsed:.1f} PDFs/s with {workers} worker thread"
            f"{'s' if workers != 1 else ''} ({elapsed:.1f} s for {len(ids)})"
        )


class _Made:
    """What the benchmark writes, to take away again."""

    def __init__(self):
        self.company = self.taxcode = self.user = None
        self.ids: list[int] = []

    def invoices(self, count: int, lines: int) -> list[int]:
        if not TaxCode.objects.filter(code="001").exists():
            self.taxcode = TaxCode.objects.create(code="001", name="Standard", rate=Decimal("0.2"))
        author = User.objects.order_by("pk").first()
        if author is None:
            author = self.user = User.objects.create(email="benchmark@docket.invalid")
        self.company = create_company(
            name="Benchmark Brewing Ltd", line1="1 Quay Street", city="Bristol"
        )
        items = [
            {
                "title": f"Phase {phase}",
                "items": [
                    {
                        "type": "hourly",
                        "title": f"Task {phase}-{n}",
                        "description": "Design, changes and final artwork" if n % 4 == 0 else "",
                        "quantity": 1 + n % 5,
                        "unitprice": 40 + n,
                        "taxcode": "001",
                    }
                    for n in range(1, lines // 3 + (phase <= lines % 3) + 1)
                ],
            }
            for phase in range(1, 4)
        ]
        total = str(document_totals(clean_sections(items)).total)
        # Written as seed_scale writes them: no PDF asked for on save.
        receivers = [
            (model, f"request-pdf-{model.__name__}")
            for model in pdfs.MODEL_KINDS
            if model is Invoice
        ]
        for model, uid in receivers:
            post_save.disconnect(sender=model, dispatch_uid=uid)
        try:
            for _ in range(count):
                invoice = invoicing.create_invoice(
                    added_by=author, client=self.company.code, items=items, total=total
                )
                self.ids.append(invoice.pk)
        finally:
            for model, uid in receivers:
                post_save.connect(pdfs.request_pdf_on_save, sender=model, dispatch_uid=uid)
        return self.ids

    def delete(self) -> None:
        Invoice.objects.filter(pk__in=self.ids).delete()
        if self.company is not None:
            Company.objects.filter(pk=self.company.pk).delete()
        if self.taxcode is not None:
            self.taxcode.delete()
        if self.user is not None:
            self.user.delete()
