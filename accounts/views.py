from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST
from django_tables2 import RequestConfig

from config.pages import (
    add_service_errors,
    dashboard_panels_context,
    htmx_events,
    require_area,
)

from . import services
from .forms import UserForm
from .models import User
from .queries import users_for_list
from .tables import UserTable


def dashboard(request):
    hour = timezone.localtime().hour
    greeting = "morning" if hour < 12 else "afternoon" if hour < 18 else "evening"
    context = {
        "nav_section": "dashboard",
        "greeting": greeting,
        "team_count": User.objects.filter(is_active=True).count(),
    }
    context.update(dashboard_panels_context(request.user))
    return render(request, "dashboard.html", context)


def user_list(request):
    require_area(request, "users")
    filters = {
        "search": request.GET.get("search", "").replace("\x00", ""),  # PostgreSQL refuses NUL
        "type": request.GET.get("type", ""),
        "inactive": request.GET.get("inactive") == "1",
    }
    users = users_for_list(
        search=filters["search"],
        user_type=filters["type"],
        include_inactive=filters["inactive"],
    )
    table = UserTable(users)
    RequestConfig(request, paginate={"per_page": 25}).configure(table)
    context = {"table": table, "filters": filters, "nav_section": "users"}
    template = "accounts/user_list.html"
    # The search box, filters, sort and page links swap only the table.
    if request.htmx and request.htmx.target == UserTable.container_id:
        template += "#users-table"
    response = render(request, template, context)
    # The same URL answers a page or a table: caches must keep them apart.
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


def user_create(request, kind: str):
    require_area(request, "users")
    if kind not in ("standard", "collaborator"):
        raise Http404
    collaborator = kind == "collaborator"
    form = UserForm(request.POST or None, collaborator=collaborator)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.create_user(actor=request.user, **form.service_fields())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            text = f"{user.name} was added and an invitation sent to {user.email}."
            if not request.htmx:
                messages.success(request, text)
                return redirect("accounts:user_list")
            response = HttpResponse(status=204)
            return htmx_events(
                response,
                closeModal=True,
                usersChanged=True,
                showMessage={"level": "success", "text": text},
            )
    context = {
        "form": form,
        "title": "Add collaborator" if collaborator else "Add user",
        "action": request.path,
        "submit_label": "Add and send invitation",
        "nav_section": "users",
    }
    # The buttons open this form in the shared modal; opened directly (a new tab,
    # no JavaScript) it is a page of its own.
    template = "components/modal_form.html" if request.htmx else "accounts/user_add.html"
    return render(request, template, context)


def user_edit(request, pk: int):
    require_area(request, "users")
    user = get_object_or_404(User, pk=pk)
    try:
        services.require_reach(request.user, user)
    except PermissionDenied as exc:
        # They may see a colleague with more access, not change them.
        if request.method == "POST":
            raise
        context = {"subject": user, "refusal": str(exc), "nav_section": "users"}
        return render(request, "accounts/user_edit.html", context)
    form = UserForm(
        request.POST or None,
        initial=UserForm.initial_for(user),
        collaborator=user.is_collaborator,
        with_address=True,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_user(user, actor=request.user, **form.service_fields())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{user.name} was saved.")
            return redirect("accounts:user_edit", pk=user.pk)
    context = {"form": form, "subject": user, "nav_section": "users"}
    return render(request, "accounts/user_edit.html", context)


@require_POST
def user_set_active(request, pk: int):
    require_area(request, "users")
    user = get_object_or_404(User, pk=pk)
    active = request.POST.get("active") == "1"
    try:
        services.update_user(user, actor=request.user, active=active)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        state = "reactivated" if active else "deactivated: they can no longer sign in"
        messages.success(request, f"{user.name} was {state}.")
    return redirect("accounts:user_edit", pk=user.pk)


@require_POST
def user_delete(request, pk: int):
    require_area(request, "users")
    user = get_object_or_404(User, pk=pk)
    try:
        removal = services.remove_user(user, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("accounts:user_edit", pk=user.pk)
    if removal.deleted:
        messages.success(request, f"{user.name} was deleted.")
    else:
        messages.warning(
            request,
            f"{user.name} has time or documents to their name, so they were deactivated "
            "instead of deleted.",
        )
    return redirect("accounts:user_list")


@require_POST
def user_invite(request, pk: int):
    require_area(request, "users")
    user = get_object_or_404(User, pk=pk)
    try:
        services.invite_user(user, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"A new invitation is on its way to {user.email}.")
    return redirect("accounts:user_edit", pk=user.pk)


class ActiveUserPasswordConfirmView(auth_views.PasswordResetConfirmView):
    """The invitation and password-reset links. A link of a user who has since been
    deactivated says so at once: it used to show the form, set the password and then
    bounce to a sign-in that refuses them."""

    user_inactive = False

    def dispatch(self, *args, **kwargs):
        self.link_token = kwargs.get("token")
        return super().dispatch(*args, **kwargs)

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        if user is not None and not user.is_active:
            # Only a genuine link may learn that its account was deactivated:
            # uids are guessable, tokens are not.
            token = self.link_token
            if token == self.reset_url_token:
                token = self.request.session.get(auth_views.INTERNAL_RESET_SESSION_TOKEN)
            self.user_inactive = self.token_generator.check_token(user, token)
            return None
        return user

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["user_inactive"] = self.user_inactive
        return context


class SignOutView(auth_views.LogoutView):
    """Signs out and says so on the sign-in page it lands on."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        # After logout(): the message rides in the fresh, anonymous session.
        messages.info(request, "You have signed out.")
        return response
