import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from .models import User


class UserTable(tables.Table):
    name = tables.Column(linkify=lambda record: reverse("accounts:user_edit", args=[record.pk]))
    email = tables.EmailColumn()
    jobtitle = tables.Column(verbose_name="Job title")
    type = tables.Column(verbose_name="Type")
    is_active = tables.Column(verbose_name="Status")
    restricted = tables.Column(verbose_name="Access", order_by=("restricted", "name"))

    class Meta:
        model = User
        fields = ("name", "email", "jobtitle", "type", "restricted", "is_active")
        attrs = {"id": "users-table"}
        empty_text = "No users match."
        order_by = "name"

    container_id = "users"
    result_nouns = "user,users"  # the count announced after a search (components/table.html)
    refresh_event = "usersChanged"  # fired after a user is added in the modal

    def render_type(self, record):
        if record.is_collaborator:
            return mark_safe('<span class="badge badge-amber">Collaborator</span>')
        return mark_safe('<span class="badge badge-blue">Standard</span>')

    def render_is_active(self, value, record):
        if not value:
            return mark_safe('<span class="badge badge-grey">Inactive</span>')
        if not record.has_usable_password():
            if record.invitation_failed:
                # The worker couldn't send it; the edit page offers to resend.
                return format_html(
                    '<span class="badge badge-red" title="{}">Invitation failed</span>',
                    record.invitation_error,
                )
            # Invited but never signed in: they can't work yet.
            return mark_safe('<span class="badge badge-amber">Invitation pending</span>')
        return mark_safe('<span class="badge badge-green">Active</span>')

    def render_restricted(self, record):
        if record.is_superuser:
            return "Administrator"
        if record.is_collaborator:
            jobs = len(record.collaborator_jobs)
            return f"{jobs} job{'s' if jobs != 1 else ''}"
        if record.restricted:
            areas = len(record.permissions)
            return f"Restricted ({areas} area{'s' if areas != 1 else ''})"
        return "Full access"
