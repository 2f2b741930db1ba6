from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import invoicing


@db_periodic_task(crontab(minute="*/5"))
def issue_due_documents() -> None:
    """Ready invoices and credit notes dated ahead are issued on their day (within
    five minutes of their time)."""
    invoicing.issue_due_invoices()
