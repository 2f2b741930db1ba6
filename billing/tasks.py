from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from . import delivery, exports, invoicing, pdfs, periodicals


@db_periodic_task(crontab(minute="*/5"))
def issue_due_documents() -> None:
    """Ready invoices and credit notes dated ahead are issued on their day (within
    five minutes of their time)."""
    invoicing.issue_due_invoices()


@db_periodic_task(crontab(minute="*/15"))
def invoice_recurring() -> None:
    """Each recurring invoice's periods that have come get their invoice, made and
    issued once each: a worker that was down catches up on the next round."""
    periodicals.invoice_due_periods()


@db_task(retries=3, retry_delay=10)
def render_document_pdf(kind: str, pk: int) -> None:
    """A document's PDF, rendered as the document is now (billing.pdfs)."""
    pdfs.render_pdf(kind, pk)


@db_task(
    retries=delivery.MAX_ATTEMPTS - 1,
    retry_delay=delivery.RETRY_DELAY_SECONDS,
    retry_backoff=delivery.RETRY_BACKOFF,
)
def deliver_document(sending_id: int) -> None:
    """A document sent by email, once however often this runs (billing.delivery)."""
    delivery.deliver(sending_id)


@db_task()
def build_export(export_id: int) -> None:
    """An accountants' export's ZIP, built once (billing.exports)."""
    exports.build_export(export_id)
