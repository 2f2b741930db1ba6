import django_tables2 as tables
from django.utils import timezone
from django_tables2.rows import BoundRows

from . import periodicals
from .models import Periodical

# Newest first; every sortable column ends its order with it, so ties keep one order.
PERIODICAL_LIST_ORDER = ("-id",)


class PeriodicalTable(tables.Table):
    title = tables.Column(order_by=("title", *PERIODICAL_LIST_ORDER))
    client = tables.Column(empty_values=(), order_by=("client_name", *PERIODICAL_LIST_ORDER))
    repeat = tables.Column(
        verbose_name="Schedule", order_by=("repeat", "repeatinterval", *PERIODICAL_LIST_ORDER)
    )
    next_run = tables.Column(verbose_name="Next invoice", empty_values=(), orderable=False)
    invoice_count = tables.Column(
        verbose_name="Invoices made",
        attrs={"td": {"class": "num"}, "th": {"class": "num"}},
        order_by=("invoice_count", *PERIODICAL_LIST_ORDER),
    )
    grandtotal = tables.Column(
        verbose_name="Amount",
        attrs={"td": {"class": "num"}, "th": {"class": "num"}},
        order_by=("grandtotal", *PERIODICAL_LIST_ORDER),
    )

    class Meta:
        model = Periodical
        fields = ("title", "client", "repeat", "next_run", "invoice_count", "grandtotal")
        attrs = {"id": "periodicals-table"}
        empty_text = "No recurring invoices match."
        order_by = PERIODICAL_LIST_ORDER

    container_id = "periodicals"
    cells_template = "billing/rows/periodical_cells.html"
    result_nouns = "recurring invoice,recurring invoices"

    def paginate(self, *args, **kwargs):
        # The next invoice's date of the rows on this page only, worked out from each
        # row's schedule and the last period it invoiced (`queries.with_runs`).
        super().paginate(*args, **kwargs)
        today = timezone.localdate()
        records = list(self.page.object_list.data)
        for record in records:
            dates = periodicals.upcoming(record, 1, last_made=record.last_made)
            record.next_run = dates[0] if dates else None
            record.due_now = bool(dates) and dates[0] <= today
            record.schedule_words = periodicals.repeat_words(record.repeat, record.repeatinterval)
        self.page.object_list = BoundRows(data=records, table=self)
        return self
