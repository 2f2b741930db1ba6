"""Template tags of billing's pages."""

from decimal import Decimal

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()

PROPOSAL_BADGES = {"P": "badge-blue", "A": "badge-green", "X": "badge-red"}


@register.simple_tag
def proposal_badge(proposal):
    """A proposal's status as a badge: pending blue, accepted green, rejected red."""
    return format_html(
        '<span class="badge {}">{}</span>',
        PROPOSAL_BADGES.get(proposal.status, "badge-grey"),
        proposal.get_status_display(),
    )


@register.filter
def percent(rate) -> str:
    """A tax rate kept as a fraction, as people read it: 0.2 → 20%, 0.175 → 17.5%."""
    return f"{(Decimal(rate) * 100).normalize():f}%"


@register.filter
def plain(number) -> str:
    """A percentage or quantity without trailing zeros: 10.00 → 10, 2.50 → 2.5."""
    return format(Decimal(str(number)).normalize(), "f")


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
