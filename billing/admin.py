"""Invoices in the admin, to look at only: every change to a document goes through
billing.invoicing (numbering, frozen money, billed time), never a bare form."""

from django.contrib import admin

from .models import Invoice


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin):
    list_display = ("__str__", "date", "client_company", "client_contact", "grandtotal")
    list_select_related = ("client_company", "client_contact")
    raw_id_fields = ("client_company", "client_contact", "project", "job", "added_by")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
