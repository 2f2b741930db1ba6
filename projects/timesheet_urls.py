"""The timesheet's page URLs (/timesheet/), included by config/urls.py."""

from django.urls import path

from . import timesheet_views

app_name = "timesheet"

urlpatterns = [
    path("", timesheet_views.week, name="week"),
    path("cell/", timesheet_views.save_cell, name="cell"),
    path("rows/", timesheet_views.add_row_options, name="row_options"),
    path("timer/start/", timesheet_views.timer_start, name="timer_start"),
    path("timer/stop/", timesheet_views.timer_stop, name="timer_stop"),
    path("timer/discard/", timesheet_views.timer_discard, name="timer_discard"),
    path("entries/", timesheet_views.entries, name="entries"),
]
