"""The pages that invoice the work (billing/work_views.py), under /invoices/."""

from django.urls import path

from . import work_views

app_name = "billing_work"

urlpatterns = [
    path("from-project/<int:pk>/", work_views.invoice_project, name="invoice_project"),
    path("from-job/<int:pk>/", work_views.invoice_job, name="invoice_job"),
]
