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
    path("<int:pk>/jobs/reorder/", views.jobs_reorder, name="jobs_reorder"),
    path("<int:pk>/delete/", views.project_delete, name="delete"),
    path("jobs/mine/", views.my_jobs, name="my_jobs"),
    path("jobs/<int:pk>/", views.job_detail, name="job"),
    path("jobs/<int:pk>/section/", views.job_section, name="job_section"),
    path("jobs/<int:pk>/edit/", views.job_edit, name="job_edit"),
    path("jobs/<int:pk>/delete/", views.job_delete, name="job_delete"),
    path("jobs/<int:pk>/move/", views.job_move, name="job_move"),
    path("jobs/<int:job_id>/items/", views.job_items, name="job_items"),
    path("jobs/<int:job_id>/items/add/", views.item_create, name="item_add"),
    path("jobs/<int:job_id>/items/reorder/", views.items_reorder, name="items_reorder"),
    path("items/<int:pk>/edit/", views.item_edit, name="item_edit"),
    path("items/<int:pk>/delete/", views.item_delete, name="item_delete"),
    path("items/<int:pk>/move/", views.item_move, name="item_move"),
    path("items/<int:item_id>/actions/add/", views.action_create, name="action_add"),
    path("actions/<int:pk>/toggle/", views.action_toggle, name="action_toggle"),
    path("actions/", views.my_actions, name="my_actions"),
    path("actions/<int:pk>/complete/", views.my_action_complete, name="my_action_complete"),
    path("actions/<int:pk>/update/", views.my_action_update, name="my_action_update"),
]
