from django.urls import path

from . import views

app_name = "projects"

urlpatterns = [
    path("", views.project_list, name="list"),
    path("add/", views.project_create, name="add"),
    path("clients/", views.client_suggestions, name="client_suggestions"),
    path("<int:pk>/", views.project_detail, name="detail"),
    path("<int:pk>/edit/", views.project_edit, name="edit"),
    path("<int:pk>/jobs/add/", views.job_create, name="job_add"),
    path("<int:pk>/delete/", views.project_delete, name="delete"),
]
