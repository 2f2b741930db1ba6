import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from .models import Company, Contact


def tag_badges(record) -> str:
    return format_html_join(
        " ", '<span class="badge">{}</span>', ((t.name,) for t in record.tags.all())
    )


class CompanyTable(tables.Table):
    name = tables.Column(linkify=lambda record: reverse("crm:company", args=[record.pk]))
    telephone = tables.Column(orderable=False)
    city = tables.Column(verbose_name="Town / city")
    people_count = tables.Column(
        verbose_name="People", attrs={"td": {"class": "num"}, "th": {"class": "num"}}
    )
    tags = tables.Column(empty_values=(), orderable=False)
    lastupdated = tables.DateTimeColumn(verbose_name="Updated", format="j M Y")

    class Meta:
        model = Company
        fields = ("name", "telephone", "city", "people_count", "tags", "lastupdated")
        attrs = {"id": "companies-table"}
        empty_text = "No companies match."

    container_id = "connections"

    def render_name(self, record, value):
        if record.is_supplier:
            return format_html('{} <span class="badge badge-amber">Supplier</span>', value)
        return value

    def render_tags(self, record):
        return tag_badges(record)


class ContactTable(tables.Table):
    fullname = tables.Column(
        verbose_name="Name", linkify=lambda record: reverse("crm:person", args=[record.pk])
    )
    company = tables.Column(
        order_by=("company__name", "fullname"),
        linkify=lambda record: (
            reverse("crm:company", args=[record.company_id]) if record.company_id else None
        ),
    )
    email = tables.EmailColumn()
    telephone = tables.Column(orderable=False)
    tags = tables.Column(empty_values=(), orderable=False)

    class Meta:
        model = Contact
        fields = ("fullname", "company", "email", "telephone", "tags")
        attrs = {"id": "people-table"}
        empty_text = "No people match."

    container_id = "connections"

    def render_company(self, record, value):
        if record.position:
            return format_html('{}<br><small class="muted">{}</small>', value, record.position)
        return value

    def render_tags(self, record):
        return tag_badges(record)
