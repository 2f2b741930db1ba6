"""The accountants' exports page (billing/export_views.py), under /invoices/exports/."""

from django.urls import path

from . import export_views

app_name = "exports"

urlpatterns = [
    path("", export_views.export_list, name="list"),
    path("<int:pk>/download/", export_views.export_download, name="download"),
]
