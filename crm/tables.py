import django_tables2 as tables

from config.tables import PageDetailsTable

from .models import Company, Contact
from .queries import (
    COMPANY_LIST_ORDER,
    PEOPLE_LIST_ORDER,
    attach_company_names,
    attach_people_counts,
    attach_tag_lists,
)

# Every sortable column ends its order with the list's default order, so rows that
# tie keep one order from page to page (and in the CSV export).


class CompanyTable(PageDetailsTable):
    name = tables.Column(order_by=COMPANY_LIST_ORDER)
    telephone = tables.Column(orderable=False)
    city = tables.Column(verbose_name="Town / city", order_by=("city", *COMPANY_LIST_ORDER))
    people_count = tables.Column(
        verbose_name="People",
        attrs={"td": {"class": "num"}, "th": {"class": "num"}},
        order_by=("people_count", *COMPANY_LIST_ORDER),
    )
    tags = tables.Column(empty_values=(), orderable=False)
    lastupdated = tables.DateTimeColumn(
        verbose_name="Updated", format="j M Y", order_by=("lastupdated", "pk")
    )

    class Meta:
        model = Company
        fields = ("name", "telephone", "city", "people_count", "tags", "lastupdated")
        attrs = {"id": "companies-table"}
        empty_text = "No companies match."
        order_by = ("name",)

    container_id = "connections"
    # The columns give the headers and the sorting; the rows are written out in this
    # template (components/table.html), in the same order.
    cells_template = "crm/rows/company_cells.html"
    # What cells_template reads: a page loads no more (notes, custom fields, JSON).
    page_fields = ("name", "is_supplier", "telephone", "city", "lastupdated")
    result_nouns = "company,companies"  # the count announced after a search (components/table.html)

    def with_page_details(self, records: list) -> list:
        # The people counts and tags (see companies_for_list).
        return attach_tag_lists(attach_people_counts(records))


class ContactTable(PageDetailsTable):
    # People sort by last name, then first name, as an address book does.
    fullname = tables.Column(verbose_name="Name", order_by=PEOPLE_LIST_ORDER)
    company = tables.Column(order_by=("company__name", *PEOPLE_LIST_ORDER))
    email = tables.EmailColumn(order_by=("email", "pk"))
    telephone = tables.Column(orderable=False)
    tags = tables.Column(empty_values=(), orderable=False)

    class Meta:
        model = Contact
        fields = ("fullname", "company", "email", "telephone", "tags")
        attrs = {"id": "people-table"}
        empty_text = "No people match."
        order_by = ("fullname",)

    container_id = "connections"
    cells_template = "crm/rows/person_cells.html"
    # What cells_template reads: a page loads no more (notes, custom fields, address).
    page_fields = ("fullname", "company_id", "position", "email", "telephone")
    result_nouns = "person,people"

    def with_page_details(self, records: list) -> list:
        # The company and tags (see people_for_list).
        return attach_tag_lists(attach_company_names(records))
