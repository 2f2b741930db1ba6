from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_POST
from django_tables2 import RequestConfig

from config.pages import (
    add_service_errors,
    dashboard_panels_context,
    htmx_events,
    link_target,
    require_area,
)

from . import queries, services
from .forms import PrivateTaskForm, UserForm
from .models import Notification, PrivateTask, User
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
    day = shown_day(request)
    context.update(my_day_context(request, day))
    if request.htmx and request.htmx.target == "my-day":
        return render(request, "dashboard.html#my-day", context)
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


# --- notifications and private tasks: a person's own ------------------------------

NOTIFICATIONS_PER_PAGE = 25
# Other pages' badges refresh themselves on this event (base.html).
CHANGED = "notificationsChanged"


@require_GET
def notification_badge(request):
    """Polled by every page's header: one count, nothing else (no session write, no
    account settings), so a minute's polling by every open tab costs little."""
    count = queries.unread_notification_count(request.user)
    return render(request, "accounts/_notification_badge.html", {"unread": count})


def _own_notification(request, pk: int) -> Notification:
    return get_object_or_404(Notification, pk=pk, recipients__user=request.user)


def notification_list(request):
    paginator = Paginator(queries.notifications_for_page(request.user), NOTIFICATIONS_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    for notification in page:
        notification.opens = link_target(request.user, notification.link) is not None
    context = {"page": page, "nav_section": "notifications"}
    template = "accounts/notification_list.html"
    if request.htmx and request.htmx.target == "notifications":
        template += "#notifications"
    return render(request, template, context)


def _list_changed(request) -> HttpResponse:
    response = notification_list(request)
    return htmx_events(response, **{CHANGED: True})


@require_POST
def notification_read(request, pk: int):
    services.mark_notification_read(_own_notification(request, pk), request.user)
    if not request.htmx:
        return redirect("notes:notifications")
    return _list_changed(request)


@require_POST
def notification_read_all(request):
    services.mark_all_notifications_read(request.user)
    if not request.htmx:
        return redirect("notes:notifications")
    return _list_changed(request)


@require_POST
def notification_delete(request, pk: int):
    services.delete_notification_for(_own_notification(request, pk), request.user)
    if not request.htmx:
        return redirect("notes:notifications")
    return _list_changed(request)


def notification_open(request, pk: int):
    """Follow a notification's link: it is read once opened."""
    notification = _own_notification(request, pk)
    services.mark_notification_read(notification, request.user)
    target = link_target(request.user, notification.link)
    url = target[0](target[1]) if target else None
    return redirect(url or "notes:notifications")


# --- my day -----------------------------------------------------------------------


def shown_day(request) -> date:
    """The day "My day" shows: ?day=YYYY-MM-DD, else today (the account's time zone)."""
    try:
        return date.fromisoformat(request.GET.get("day", "")[:10])
    except ValueError:
        return timezone.localdate()


def my_day_context(request, day: date, form: PrivateTaskForm | None = None) -> dict:
    today = timezone.localdate()
    return {
        "day": day,
        "today": today,
        "previous_day": day - timedelta(days=1),
        "next_day": day + timedelta(days=1),
        "private_tasks": list(queries.private_tasks_on(request.user, day)),
        "task_form": form or PrivateTaskForm(),
    }


def _my_day(request, day: date, form=None, status: int = 200) -> HttpResponse:
    if not request.htmx:
        return redirect(f"/?day={day.isoformat()}" if day != timezone.localdate() else "/")
    return render(
        request, "dashboard.html#my-day", my_day_context(request, day, form), status=status
    )


def _own_task(request, pk: int) -> PrivateTask:
    return get_object_or_404(PrivateTask, pk=pk, user=request.user)


@require_POST
def private_task_add(request):
    day = shown_day(request)
    form = PrivateTaskForm(request.POST)
    if form.is_valid():
        try:
            services.create_private_task(
                actor=request.user, user=request.user, date=day, text=form.cleaned_data["text"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            form = None
    return _my_day(request, day, form)


@require_POST
def private_task_done(request, pk: int):
    task = _own_task(request, pk)
    services.update_private_task(task, actor=request.user, done=not task.done)
    return _my_day(request, task.date)


@require_POST
def private_task_delete(request, pk: int):
    task = _own_task(request, pk)
    services.delete_private_task(task, actor=request.user)
    return _my_day(request, task.date)
