"""The settings pages. Editable reference tables (tax codes, ledgers, charge rates,
activity types) share one htmx row editor; each app declares its table in its own
views module and these views drive it."""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from . import services
from .forms import add_service_errors
from .models import AccountSettings, ApiCredential
from .settings_forms import CompanyDetailsForm, CredentialForm, LogoForm, NumberingForm
from .views import htmx_events, require_area

SECTIONS = [
    ("company", "Company details"),
    ("numbering", "Numbering & time"),
    ("tax-codes", "Tax codes"),
    ("ledgers", "Ledger categories"),
    ("charge-rates", "Charge rates"),
    ("activity-types", "Activity types"),
    ("logo", "Logo"),
    ("api", "API credentials"),
]


def _context(section: str, **extra) -> dict:
    return {"nav_section": "settings", "sections": SECTIONS, "section": section, **extra}


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
    credentials = ApiCredential.objects.select_related("created_by")
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
    credential = get_object_or_404(ApiCredential, pk=pk)
    services.revoke_api_credential(credential)
    messages.success(request, f"“{credential.name}” was revoked; it no longer works.")
    return redirect("settings:api")


@require_POST
def access_token_revoke(request, pk: int):
    require_area(request, "settings")
    access = get_object_or_404(services.visible_access_tokens(request.user), pk=pk)
    services.revoke_access_token(access)
    messages.success(request, f"“{access.name}” was revoked; it no longer works.")
    return redirect("settings:api")


# --- editable reference tables -----------------------------------------------------


@dataclass
class Column:
    label: str
    value: Callable[[Any], Any]
    css: str = ""
    currency: bool = False  # shown after the account's currency symbol
    # The form field edited in this column. Left out, the field whose name or label
    # matches the column's label ("Rate" ↔ "Rate (%)"); a column with no field (an
    # activity type's number) stays read-only in the edit and add rows.
    field: str | None = None


def _label_key(text) -> str:
    """Labels compared without decoration: "Rate (%)" → "rate", "No." → "no"."""
    return re.sub(r"\(.*?\)|[^a-z0-9 ]", "", str(text).lower()).strip()


@dataclass
class ReferenceTable:
    """One settings table whose rows are edited in place with htmx."""

    slug: str
    title: str
    noun: str
    intro: str
    model: type[models.Model]
    form_class: type[forms.Form]
    columns: list[Column]
    save: Callable[..., models.Model]
    delete: Callable[[models.Model], None]
    initial: Callable[[models.Model], dict] = field(default=lambda obj: {})
    queryset: Callable[[], models.QuerySet] | None = None

    def rows(self):
        return self.queryset() if self.queryset else self.model._default_manager.all()

    def url(self, action: str, pk=None) -> str:
        name = f"settings:{self.slug}" if action == "list" else f"settings:{self.slug}-{action}"
        return reverse(name, args=[pk] if pk is not None else [])

    def urls(self) -> list:
        return [
            path(f"{self.slug}/", self._list, name=self.slug),
            path(f"{self.slug}/<int:pk>/", self._row, name=f"{self.slug}-row"),
            path(f"{self.slug}/<int:pk>/edit/", self._edit, name=f"{self.slug}-edit"),
            path(f"{self.slug}/<int:pk>/save/", self._save, name=f"{self.slug}-save"),
            path(f"{self.slug}/add/", self._add, name=f"{self.slug}-add"),
            path(f"{self.slug}/<int:pk>/delete/", self._delete, name=f"{self.slug}-delete"),
        ]

    def new_form(self, data=None, prefix="new"):
        form = self.form_class(data, prefix=prefix)
        for bound in form:
            bound.field.widget.attrs.setdefault("placeholder", bound.label)
        return form

    def form_cells(self, form, obj=None) -> list[tuple[Column, Any, Any]]:
        """(column, bound field or None, shown value) for an add or edit row, so each
        input sits under its own column header."""
        fields = list(form)
        by_name = {bound.name: bound for bound in fields}
        by_key = {}
        for bound in fields:
            by_key.setdefault(_label_key(bound.name), bound)
            by_key.setdefault(_label_key(bound.label), bound)
        placed = [
            by_name.get(column.field) if column.field else by_key.get(_label_key(column.label))
            for column in self.columns
        ]
        if sorted(b.name for b in placed if b) != sorted(by_name):
            # No clean match: fall back to the form's order, column by column.
            placed = fields[: len(self.columns)]
            placed += [None] * (len(self.columns) - len(placed))
        return [
            (column, bound, column.value(obj) if obj is not None and bound is None else "")
            for column, bound in zip(self.columns, placed, strict=True)
        ]

    def _add_context(self, form) -> dict:
        return {"add_form": form, "add_cells": self.form_cells(form)}

    def _edit_context(self, obj, form) -> dict:
        return {"obj": obj, "form": form, "form_cells": self.form_cells(form, obj)}

    def _render(self, request, partial: str | None, **extra):
        template = "settings/reference_table.html"
        if partial:
            template += f"#{partial}"
        context = _context(self.slug, table=self, **extra)
        return render(request, template, context)

    def _row_context(self, obj) -> dict:
        return {"obj": obj, "cells": [(col, col.value(obj)) for col in self.columns]}

    def _list(self, request):
        require_area(request, "settings")
        rows = [self._row_context(obj) for obj in self.rows()]
        return self._render(request, None, rows=rows, **self._add_context(self.new_form()))

    def _get(self, pk: int):
        obj = self.model._default_manager.filter(pk=pk).first()
        if obj is None:
            raise Http404
        return obj

    def _row(self, request, pk: int):
        require_area(request, "settings")
        return self._render(request, "row", row=self._row_context(self._get(pk)))

    def _edit(self, request, pk: int):
        require_area(request, "settings")
        obj = self._get(pk)
        form = self.form_class(initial=self.initial(obj), prefix=f"row{pk}")
        return self._render(request, "row-form", **self._edit_context(obj, form))

    def _save(self, request, pk: int):
        require_area(request, "settings")
        if request.method != "POST":
            raise Http404
        obj = self._get(pk)
        form = self.form_class(request.POST, prefix=f"row{pk}")
        if form.is_valid():
            try:
                obj = self.save(obj, **form.service_values())
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                response = self._render(request, "row", row=self._row_context(obj))
                return htmx_events(
                    response, showMessage={"level": "success", "text": f"{self.noun} saved."}
                )
        return self._render(request, "row-form", **self._edit_context(obj, form))

    def _add(self, request):
        require_area(request, "settings")
        if request.method != "POST":
            raise Http404
        form = self.new_form(request.POST)
        if form.is_valid():
            try:
                obj = self.save(None, **form.service_values())
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                response = self._render(
                    request,
                    "added",
                    row=self._row_context(obj),
                    **self._add_context(self.new_form()),
                )
                return htmx_events(
                    response, showMessage={"level": "success", "text": f"{self.noun} added."}
                )
        return self._render(request, "add-row", **self._add_context(form))

    def _delete(self, request, pk: int):
        require_area(request, "settings")
        if request.method != "POST":
            raise Http404
        obj = self._get(pk)
        try:
            self.delete(obj)
        except ValidationError as exc:
            response = self._render(
                request, "row", row=self._row_context(obj), row_error=" ".join(exc.messages)
            )
            return response
        response = render(request, "settings/reference_table.html#deleted", {})
        return htmx_events(
            response, showMessage={"level": "success", "text": f"{self.noun} deleted."}
        )
