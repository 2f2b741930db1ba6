"""Template tags of the projects pages."""

from decimal import Decimal

from django import template
from django.utils.html import format_html

register = template.Library()


def plain_hours(value: Decimal) -> str:
    """Hours as people write them: 110, 2.5, 0.25 (not 1.1E+2 nor 2.50)."""
    return format(Decimal(value).normalize(), "f")


@register.simple_tag
def hours_bar(owner, label: str):
    """Allocated against logged hours of a project, job or item (annotated by
    queries.with_hours): a bar and "3.5 / 6 h · 2.5 h left" (or "… h over"). A tag
    rather than an include: a project page draws one for each of its items, and an
    include each was a sixth of the page's time."""
    logged, allocated = owner.hours_logged, owner.hours_allocated
    remaining = owner.hours_remaining
    over = remaining < 0
    return format_html(
        '<span class="hours-bar{}"><progress value="{}" max="{}" aria-label="Hours logged on {}">'
        "{} of {} hours</progress>"
        '<span class="small-text">{} / {} h · {} h {}</span></span>',
        " over" if over else "",
        logged,
        allocated if allocated else 1,
        label,
        plain_hours(logged),
        plain_hours(allocated),
        plain_hours(logged),
        plain_hours(allocated),
        plain_hours(abs(remaining)),
        "over" if over else "left",
    )


STATUS_BADGES = {"O": "badge-green", "H": "badge-amber", "P": "badge-blue", "C": "badge-red"}


@register.simple_tag
def status_badge(owner):
    """A project's, job's or item's status as a badge: open work green, waiting amber
    or blue, cancelled red, finished grey. A tag for the same reason as hours_bar."""
    return format_html(
        '<span class="badge {}">{}</span>',
        STATUS_BADGES.get(owner.status, "badge-grey"),
        owner.get_status_display(),
    )
