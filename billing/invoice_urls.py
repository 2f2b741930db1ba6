from django.urls import path

from . import invoice_views as views
from . import pdf_views

app_name = "invoices"
NOTE = {"kind": "creditnote"}

urlpatterns = [
    path("", views.invoice_list, name="list"),
    path("add/", views.invoice_create, name="add"),
    path("totals/", views.totals, name="totals"),
    path("clients/", views.client_suggestions, name="client_suggestions"),
    path("work/", views.work_suggestions, name="work_suggestions"),
    path("<int:pk>/", views.invoice_detail, name="detail"),
    path("<int:pk>/edit/", views.invoice_edit, name="edit"),
    path("<int:pk>/issue/", views.invoice_issue, name="issue"),
    path("<int:pk>/factur-x.xml", views.invoice_factur_x, name="factur_x"),
    path("<int:pk>/delete/", views.invoice_delete, name="delete"),
    path("<int:pk>/pdf/", pdf_views.download, {"kind": "invoice"}, name="pdf"),
    path("<int:pk>/pdf/panel/", pdf_views.panel, {"kind": "invoice"}, name="pdf_panel"),
    path("<int:pk>/pdf/render/", pdf_views.render_again, {"kind": "invoice"}, name="pdf_render"),
    path("<int:pk>/payments/add/", views.payment_add, name="payment_add"),
    path("<int:pk>/send/", views.invoice_send, name="send"),
    path("<int:pk>/sendings/", views.invoice_sendings, name="sendings"),
    path("<int:pk>/credit/", views.credit_note_create, name="credit_note_add"),
    path("payments/", views.payment_list, name="payments"),
    path("payments/<int:pk>/delete/", views.payment_delete, name="payment_delete"),
    path("creditnotes/", views.credit_note_list, name="credit_notes"),
    path("creditnotes/<int:pk>/", views.credit_note_detail, name="credit_note"),
    path("creditnotes/<int:pk>/edit/", views.credit_note_edit, name="credit_note_edit"),
    path("creditnotes/<int:pk>/issue/", views.credit_note_issue, name="credit_note_issue"),
    path(
        "creditnotes/<int:pk>/factur-x.xml",
        views.credit_note_factur_x,
        name="credit_note_factur_x",
    ),
    path("creditnotes/<int:pk>/delete/", views.credit_note_delete, name="credit_note_delete"),
    path("creditnotes/<int:pk>/send/", views.credit_note_send, name="credit_note_send"),
    path("creditnotes/<int:pk>/sendings/", views.credit_note_sendings, name="credit_note_sendings"),
    path("creditnotes/<int:pk>/pdf/", pdf_views.download, NOTE, name="credit_note_pdf"),
    path("creditnotes/<int:pk>/pdf/panel/", pdf_views.panel, NOTE, name="credit_note_pdf_panel"),
    path(
        "creditnotes/<int:pk>/pdf/render/",
        pdf_views.render_again,
        NOTE,
        name="credit_note_pdf_render",
    ),
]
