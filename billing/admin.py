"""Billing's documents in Django's admin: to look at, never to write.

Invoices, credit notes and payments are written by `billing.invoicing` alone, which
prices the lines, numbers what it issues and keeps an issued document's money fixed.
A form here would save the columns behind its back (a changed line with the old
total, a `ready` that never issues), so the admin shows them read-only: no adding,
no changing. Deleting goes through the same services: a draft or a payment may go, an
issued invoice or credit note can't (they are corrected with a credit note), whether
from its page or from the list's bulk action."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from . import invoicing
from .models import CreditNote, DocumentEvent, Invoice, Payment


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class EventInline(admin.TabularInline):
    model = DocumentEvent
    fields = ("kind", "at", "by", "detail")
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class DocumentAdmin(ReadOnlyAdmin):
    """An invoice or a credit note: a draft may be deleted, an issued one never."""

    inlines = (EventInline,)
    delete_document = None  # the service that deletes one

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.issued:
            return False
        return super().has_delete_permission(request, obj)

    def delete_model(self, request, obj):
        type(self).delete_document(obj)

    def delete_queryset(self, request, queryset):
        # The bulk action's confirmation already refuses a selection with an issued
        # document in it (has_delete_permission); the service refuses again here.
        for document in queryset:
            try:
                type(self).delete_document(document)
            except ValidationError as refusal:
                self.message_user(request, " ".join(refusal.messages), messages.ERROR)


@admin.register(Invoice)
class InvoiceAdmin(DocumentAdmin):
    delete_document = invoicing.delete_invoice
    list_display = (
        "__str__",
        "date",
        "client_company",
        "client_contact",
        "grandtotal",
        "issued_at",
    )
    list_select_related = ("client_company", "client_contact")
    list_filter = ("issued_at",)
    search_fields = ("reference", "purchaseorder")


@admin.register(CreditNote)
class CreditNoteAdmin(DocumentAdmin):
    delete_document = invoicing.delete_credit_note
    list_display = ("__str__", "date", "invoice", "grandtotal", "issued_at")
    list_select_related = ("invoice",)
    search_fields = ("reference",)


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    """Payments are never edited (Depot's rule); deleting one gives its invoice the
    amount back, through the service that locks the invoice while it does."""

    list_display = ("__str__", "invoice", "method", "date")
    list_select_related = ("invoice",)

    def delete_model(self, request, obj):
        invoicing.delete_payment(obj)

    def delete_queryset(self, request, queryset):
        for payment in queryset:
            invoicing.delete_payment(payment)
