import django_tables2 as tables
from django_tables2.rows import BoundRows

from .models import Project
from .queries import PROJECT_LIST_ORDER, attach_teams

# Every sortable column ends its order with the list's default order, so rows that
# tie keep one order from page to page.


class ProjectTable(tables.Table):
    id = tables.Column(
        verbose_name="No.",
        attrs={"td": {"class": "num"}, "th": {"class": "num"}},
        order_by=("id",),
    )
    title = tables.Column(order_by=("title", *PROJECT_LIST_ORDER))
    client = tables.Column(empty_values=(), order_by=("client_name", *PROJECT_LIST_ORDER))
    status = tables.Column(order_by=("status", *PROJECT_LIST_ORDER))
    deadline = tables.DateColumn(format="j M Y", order_by=("deadline", *PROJECT_LIST_ORDER))
    team = tables.Column(empty_values=(), orderable=False)

    class Meta:
        model = Project
        fields = ("id", "title", "client", "status", "deadline", "team")
        attrs = {"id": "projects-table"}
        empty_text = "No projects match."
        order_by = PROJECT_LIST_ORDER

    container_id = "projects"
    # The columns give the headers and the sorting; the rows are written out in this
    # template (components/table.html), in the same order.
    cells_template = "projects/rows/project_cells.html"
    result_nouns = "project,projects"

    def paginate(self, *args, **kwargs):
        # The teams of the rows on this page only, in one query.
        super().paginate(*args, **kwargs)
        records = attach_teams(list(self.page.object_list.data))
        self.page.object_list = BoundRows(data=records, table=self)
        return self
