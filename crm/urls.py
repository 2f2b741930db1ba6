from django.urls import path
from django.views.generic import RedirectView

from . import views

app_name = "crm"

urlpatterns = [
    path(
        "",
        RedirectView.as_view(pattern_name="crm:list", permanent=False),
        {"kind": "people"},
        name="index",
    ),
    path("import/", views.connection_import, name="import"),
    path("import/<int:pk>/", views.import_job, name="import_job"),
    path("companies/add/", views.company_create, name="company_add"),
    path("companies/suggestions/", views.company_suggestions, name="company_suggestions"),
    path("companies/<int:pk>/", views.company_detail, name="company"),
    path("companies/<int:pk>/edit/", views.company_edit, name="company_edit"),
    path("people/add/", views.person_create, name="person_add"),
    path("people/<int:pk>/", views.person_detail, name="person"),
    path("people/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("journal/<str:code>/add/", views.journal_add, name="journal_add"),
    path("journal/<int:pk>/reply/", views.journal_reply, name="journal_reply"),
    path("journal/<int:pk>/delete/", views.journal_delete, name="journal_delete"),
    path("<str:kind>/<int:pk>/delete/", views.connection_delete, name="delete"),
    path("<str:kind>/", views.connection_list, name="list"),
]
