from django import template
from django.utils.html import format_html_join

register = template.Library()


@register.filter
def tag_badges(tags) -> str:
    """`{{ record.tag_list|tag_badges }}`: a row's tags as badges, spaced. Included
    as a template, they were a fifth of a 25-row list's rendering."""
    return format_html_join(" ", '<span class="badge">{}</span>', ((tag.name,) for tag in tags))
