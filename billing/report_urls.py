"""The reports' pages (billing/report_views.py), under /reports/."""

from django.urls import path

from . import report_views

app_name = "reports"

urlpatterns = [
    path("", report_views.index, name="index"),
    path("clients/", report_views.client_options, name="client_options"),
    path("projects/", report_views.project_options, name="project_options"),
    path("invoiced/", report_views.invoiced, name="invoiced"),
    path("outstanding/", report_views.outstanding, name="outstanding"),
    path("recurring/", report_views.recurring, name="recurring"),
]
