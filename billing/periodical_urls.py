from django.urls import path

from . import periodical_views as views

app_name = "recurring"

urlpatterns = [
    path("", views.periodical_list, name="list"),
    path("add/", views.periodical_create, name="add"),
    path("clients/", views.client_suggestions, name="clients"),
    path("recipients/", views.recipients, name="recipients"),
    path("preview/", views.preview, name="preview"),
    path("lines/", views.lines, name="lines"),
    path("<int:pk>/", views.periodical_edit, name="edit"),
    path("<int:pk>/preview/", views.preview, name="preview"),
    path("<int:pk>/lines/", views.lines, name="lines"),
    path("<int:pk>/delete/", views.periodical_delete, name="delete"),
]
