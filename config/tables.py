"""What every list table with per-page details shares."""

import django_tables2 as tables
from django.core.paginator import EmptyPage, PageNotAnInteger
from django_tables2.rows import BoundRows


class PageDetailsTable(tables.Table):
    """A table whose shown rows get what they show from other tables (a company's
    name, tags, counts, a team) in a query or two for the page alone, by
    `with_page_details`: selected or joined in the list's query, a deep page's OFFSET
    read them for every row it skipped.

    An out-of-range page number (a stale link, `?page=0`) shows the nearest page, as
    django-tables2's RequestConfig does; it is settled here, because RequestConfig's
    own fallback sets the page past `paginate` and its rows would get no details."""

    def with_page_details(self, records: list) -> list:
        return records

    def paginate(self, *args, **kwargs):
        try:
            super().paginate(*args, **kwargs)
        except PageNotAnInteger:
            self.page = self.paginator.page(1)
        except EmptyPage:
            self.page = self.paginator.page(self.paginator.num_pages)
        records = self.with_page_details(list(self.page.object_list.data))
        self.page.object_list = BoundRows(data=records, table=self)
        return self
