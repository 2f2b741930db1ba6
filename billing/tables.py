import django_tables2 as tables

from .models import Proposal
from .queries import PROPOSAL_LIST_ORDER

# Every sortable column ends its order with the list's default order, so rows that
# tie keep one order from page to page.
MONEY = {"td": {"class": "num"}, "th": {"class": "num"}}


class ProposalTable(tables.Table):
    id = tables.Column(verbose_name="No.", attrs=MONEY, order_by=("id",))
    title = tables.Column(order_by=("title", *PROPOSAL_LIST_ORDER))
    client = tables.Column(empty_values=(), order_by=("client_name", *PROPOSAL_LIST_ORDER))
    status = tables.Column(order_by=("status", *PROPOSAL_LIST_ORDER))
    submitdate = tables.DateColumn(
        verbose_name="Submit by", format="j M Y", order_by=("submitdate", *PROPOSAL_LIST_ORDER)
    )
    total = tables.Column(attrs=MONEY, order_by=("total", *PROPOSAL_LIST_ORDER))
    grandtotal = tables.Column(
        verbose_name="With tax", attrs=MONEY, order_by=("grandtotal", *PROPOSAL_LIST_ORDER)
    )

    class Meta:
        model = Proposal
        fields = ("id", "title", "client", "status", "submitdate", "total", "grandtotal")
        attrs = {"id": "proposals-table"}
        empty_text = "No proposals match."
        order_by = PROPOSAL_LIST_ORDER

    container_id = "proposals"
    # The columns give the headers and the sorting; the rows are written out in this
    # template (components/table.html), in the same order.
    cells_template = "billing/rows/proposal_cells.html"
    result_nouns = "proposal,proposals"
