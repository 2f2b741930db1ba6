from django import template
from django.utils.html import format_html_join

register = template.Library()


@register.filter
def tag_badges(names) -> str:
    """`{{ record.tag_list|tag_badges }}`: a row's tag names as badges, spaced.
    Included as a template, they were a fifth of a 25-row list's rendering."""
    return format_html_join(" ", '<span class="badge">{}</span>', ((name,) for name in names))
