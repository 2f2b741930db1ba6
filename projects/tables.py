import django_tables2 as tables

from config.tables import PageDetailsTable

from .models import Project, TimeEntry
from .queries import PROJECT_LIST_ORDER, attach_teams

# Every sortable column ends its order with the list's default order, so rows that
# tie keep one order from page to page.


class ProjectTable(PageDetailsTable):
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

    def with_page_details(self, records: list) -> list:
        # The teams, in one query.
        return attach_teams(records)


# Newest first, as a manager reads a timesheet; ties by the entry's id.
TIME_ENTRY_LIST_ORDER = ("-date", "-id")


class TimeEntryTable(tables.Table):
    # The column sorts oldest first; the table's default is its reverse.
    date = tables.DateColumn(format="D j M Y", order_by=("date", "id"))
    user = tables.Column(verbose_name="Person", order_by=("user__name", *TIME_ENTRY_LIST_ORDER))
    project = tables.Column(
        verbose_name="Work", order_by=("project__title", "job__title", *TIME_ENTRY_LIST_ORDER)
    )
    activity_type = tables.Column(verbose_name="Type", orderable=False)
    notes = tables.Column(orderable=False)
    hours = tables.Column(
        attrs={"td": {"class": "num"}, "th": {"class": "num"}},
        order_by=("hours", *TIME_ENTRY_LIST_ORDER),
    )

    class Meta:
        model = TimeEntry
        fields = ("date", "user", "project", "activity_type", "notes", "hours")
        attrs = {"id": "entries-table"}
        empty_text = "No time matches."
        order_by = ("-date",)

    container_id = "entries"
    cells_template = "projects/rows/time_entry_cells.html"
    result_nouns = "entry,entries"
