"""Template tags of the invoice pages."""

from decimal import Decimal

from django import template
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def percent(rate) -> str:
    """A tax rate kept as a fraction, as people read it: 0.2 → 20, 0.175 → 17.5."""
    return plain_number(Decimal(str(rate)) * 100)


@register.filter
def plain_number(value) -> str:
    """A stored quantity or percentage as people write it: 10, 2.5 (not 1E+1, 2.50)."""
    number = Decimal(str(value))
    return format(number.normalize(), "f") if number else "0"


@register.simple_tag
def invoice_status(invoice):
    """A draft, an issued invoice still owed (overdue in red), or a paid one, as a
    badge. Reads `billing.queries.with_balance`'s annotations; a tag, as lists draw
    one per row."""
    if invoice.issued_at is None:
        return mark_safe('<span class="badge badge-grey">Draft</span>')
    if invoice.is_paid:
        return mark_safe('<span class="badge badge-green">Paid</span>')
    if invoice.is_overdue:
        return mark_safe('<span class="badge badge-red">Overdue</span>')
    return mark_safe('<span class="badge badge-blue">Issued</span>')


@register.simple_tag
def document_status(document):
    """A credit note's state: a draft or issued."""
    if document.issued_at is None:
        return mark_safe('<span class="badge badge-grey">Draft</span>')
    return mark_safe('<span class="badge badge-blue">Issued</span>')
