"""The account's settings pages; the other apps' settings tables are
config.reference_tables mounted by config/urls.py."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from config.pages import add_service_errors, require_area, settings_context

from . import oauth, services, webhooks
from .models import AccountSettings, ApiCredential, Webhook, WebhookDelivery
from .settings_forms import (
    AppForm,
    CompanyDetailsForm,
    CredentialForm,
    LogoForm,
    NumberingForm,
    WebhookForm,
)


def _context(section: str, **extra) -> dict:
    return settings_context(section, **extra)


def settings_index(request):
    require_area(request, "settings")
    return redirect("settings:company")


def _account_form_page(request, section: str, form_class, title: str, intro: str):
    require_area(request, "settings")
    account = AccountSettings.load()
    form = form_class(request.POST or None, instance=account)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_account_settings(**form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{title} saved.")
            return redirect(f"settings:{section}")
    return render(
        request,
        "settings/form_page.html",
        _context(section, form=form, title=title, intro=intro),
    )


def company_details(request):
    return _account_form_page(
        request,
        "company",
        CompanyDetailsForm,
        "Company details",
        "Printed on your proposals, invoices and credit notes.",
    )


def numbering(request):
    return _account_form_page(
        request,
        "numbering",
        NumberingForm,
        "Numbering & time",
        "The next numbers documents take, how logged time is rounded, and the monthly "
        "takings you need to break even.",
    )


def logo(request):
    require_area(request, "settings")
    account = AccountSettings.load()
    form = LogoForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        services.set_logo(form.cleaned_data["logo"])
        messages.success(request, "Logo uploaded.")
        return redirect("settings:logo")
    return render(request, "settings/logo.html", _context("logo", form=form, account=account))


@require_POST
def logo_remove(request):
    require_area(request, "settings")
    services.remove_logo()
    messages.success(request, "Logo removed.")
    return redirect("settings:logo")


NEW_CREDENTIAL_KEY = "new_api_credential"


def api_credentials(request):
    require_area(request, "settings")
    form = CredentialForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            issued = services.create_api_credential(
                form.cleaned_data["name"],
                created_by=request.user,
                expires=form.expires_at(),
                scopes=form.scopes(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            # Redirect so a reload can't create a second pair; the secret rides in the
            # session for exactly one page view and is gone after it.
            request.session[NEW_CREDENTIAL_KEY] = {
                "id": issued.credential.pk,
                "secret": issued.secret,
            }
            return redirect("settings:api")
    issued = request.session.pop(NEW_CREDENTIAL_KEY, None) if request.method == "GET" else None
    if issued:
        issued["credential"] = ApiCredential.objects.filter(pk=issued["id"]).first()
    credentials = list(ApiCredential.objects.select_related("created_by"))
    for credential in credentials:
        credential.revocable = services.may_revoke_credential(request.user, credential)
    response = render(
        request,
        "settings/api.html",
        _context(
            "api",
            form=form,
            issued=issued if issued and issued["credential"] else None,
            credentials=credentials,
            access_tokens=services.visible_access_tokens(request.user),
            sees_all_tokens=services.has_full_access(request.user),
            docs_url=request.build_absolute_uri(reverse("api:openapi-view")),
            api_base=request.build_absolute_uri("/api/v1/"),
        ),
    )
    # Never keep a copy of a page that may hold a secret.
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def api_credential_revoke(request, pk: int):
    require_area(request, "settings")
    credential = get_object_or_404(ApiCredential.objects.select_related("created_by"), pk=pk)
    services.revoke_api_credential(credential, actor=request.user)
    messages.success(request, f"“{credential.name}” was revoked; it no longer works.")
    return redirect("settings:api")


@require_POST
def access_token_revoke(request, pk: int):
    require_area(request, "settings")
    access = get_object_or_404(services.visible_access_tokens(request.user), pk=pk)
    services.revoke_access_token(access)
    messages.success(request, f"“{access.name}” was revoked; it no longer works.")
    return redirect("settings:api")


# --- webhooks ----------------------------------------------------------------------------

NEW_WEBHOOK_KEY = "new_webhook"


def _require_webhooks(request) -> None:
    """The settings area, and access to every area: a webhook is sent changes from all."""
    require_area(request, "settings")
    if not webhooks.may_manage_webhooks(request.user):
        raise PermissionDenied


def webhook_list(request):
    _require_webhooks(request)
    form = WebhookForm(request.POST or None, initial={"active": True})
    if request.method == "POST" and form.is_valid():
        try:
            webhook, secret = webhooks.create_webhook(created_by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            # As with API credentials: the secret rides in the session for one page view.
            request.session[NEW_WEBHOOK_KEY] = {"id": webhook.pk, "secret": secret}
            return redirect("settings:webhook", pk=webhook.pk)
    response = render(
        request,
        "settings/webhooks.html",
        _context(
            "webhooks",
            form=form,
            webhooks=list(Webhook.objects.all()),
            allow_private=webhooks.allow_private(),
        ),
    )
    return response


def webhook_detail(request, pk: int):
    _require_webhooks(request)
    webhook = get_object_or_404(Webhook, pk=pk)
    if request.htmx and request.method == "GET":
        return render(
            request,
            "settings/webhook.html#deliveries",
            {"webhook": webhook, **_deliveries(webhook)},
        )
    form = WebhookForm(
        request.POST or None,
        initial={
            "url": webhook.url,
            "description": webhook.description,
            "active": webhook.active,
            "events": webhook.events,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            webhooks.update_webhook(webhook, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Webhook saved.")
            return redirect("settings:webhook", pk=webhook.pk)
    issued = request.session.pop(NEW_WEBHOOK_KEY, None) if request.method == "GET" else None
    response = render(
        request,
        "settings/webhook.html",
        _context(
            "webhooks",
            form=form,
            webhook=webhook,
            secret=issued["secret"] if issued and issued["id"] == webhook.pk else None,
            **_deliveries(webhook),
        ),
    )
    response["Cache-Control"] = "no-store"
    return response


def _deliveries(webhook: Webhook) -> dict:
    """The log, and whether the page should look again soon (something on its way)."""
    deliveries = webhooks.deliveries_of(webhook)
    pending = any(delivery.state in ("queued", "sending") for delivery in deliveries)
    return {"deliveries": deliveries, "pending": pending}


@require_POST
def webhook_delete(request, pk: int):
    _require_webhooks(request)
    webhook = get_object_or_404(Webhook, pk=pk)
    webhooks.delete_webhook(webhook)
    messages.success(request, f"The webhook to {webhook.url} was deleted.")
    return redirect("settings:webhooks")


@require_POST
def webhook_redeliver(request, pk: int, delivery_pk: int):
    _require_webhooks(request)
    delivery = get_object_or_404(
        WebhookDelivery.objects.select_related("webhook", "event"), pk=delivery_pk, webhook_id=pk
    )
    webhooks.redeliver(delivery)
    messages.success(request, f"{delivery.event.event} {delivery.event.uid} is being sent again.")
    return redirect("settings:webhook", pk=pk)


NEW_APP_KEY = "new_oauth_app"


def apps(request):
    """Settings → Apps: everyone signed in sees and revokes the apps they have
    allowed; those with the settings area also register apps and remove them."""
    manages = request.user.can("settings")
    form = AppForm(request.POST or None) if manages else None
    if request.method == "POST":
        require_area(request, "settings")
        if form.is_valid():
            try:
                issued = oauth.create_app(
                    form.cleaned_data["name"],
                    form.cleaned_data["redirect_uris"],
                    created_by=request.user,
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                # As with API credentials: the secret rides in the session for one view.
                request.session[NEW_APP_KEY] = {
                    "id": issued.app.pk,
                    "secret": issued.client_secret,
                }
                return redirect("settings:apps")
    issued = request.session.pop(NEW_APP_KEY, None) if request.method == "GET" else None
    if issued:
        issued["app"] = oauth.Application.objects.filter(pk=issued["id"]).first()
    context = _context(
        "apps",
        form=form,
        manages=manages,
        issued=issued if issued and issued["app"] else None,
        registered=list(oauth.registered_apps()) if manages else [],
        allowed=list(oauth.allowed_apps(request.user)),
        authorize_url=request.build_absolute_uri(reverse("oauth:authorize")),
        token_url=request.build_absolute_uri(reverse("oauth:token")),
    )
    if not manages:
        # Only this page of the settings is theirs.
        context["sections"] = [item for item in context["sections"] if item[0] == "apps"]
    response = render(request, "settings/apps.html", context)
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def app_delete(request, pk: int):
    require_area(request, "settings")
    app = get_object_or_404(oauth.Application, pk=pk)
    oauth.delete_app(app)
    messages.success(request, f"“{app.name}” was removed; everyone's access through it ended.")
    return redirect("settings:apps")


@require_POST
def app_revoke(request, pk: int):
    app = get_object_or_404(oauth.allowed_apps(request.user), pk=pk)
    oauth.revoke_app(request.user, app)
    messages.success(request, f"“{app.name}” can no longer use Docket as you.")
    return redirect("settings:apps")
