from django.urls import path

from . import pdf_views
from . import proposal_views as views

app_name = "proposals"

urlpatterns = [
    path("", views.proposal_list, name="list"),
    path("add/", views.proposal_create, name="add"),
    path("clients/", views.client_suggestions, name="clients"),
    path("editor/", views.editor_change, name="editor"),
    path("editor/totals/", views.editor_totals, name="totals"),
    path("<int:pk>/", views.proposal_detail, name="detail"),
    path("<int:pk>/edit/", views.proposal_edit, name="edit"),
    path("<int:pk>/status/", views.proposal_status, name="status"),
    path("<int:pk>/project/", views.proposal_make_project, name="make_project"),
    path("<int:pk>/delete/", views.proposal_delete, name="delete"),
    path("<int:pk>/send/", views.proposal_send, name="send"),
    path("<int:pk>/sendings/", views.proposal_sendings, name="sendings"),
    path("<int:pk>/pdf/", pdf_views.download, {"kind": "proposal"}, name="pdf"),
    path("<int:pk>/pdf/panel/", pdf_views.panel, {"kind": "proposal"}, name="pdf_panel"),
    path("<int:pk>/pdf/render/", pdf_views.render_again, {"kind": "proposal"}, name="pdf_render"),
]
