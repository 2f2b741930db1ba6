"""Editable reference tables (tax codes, ledgers, charge rates, activity types): one
htmx row editor on the settings pages. Each app declares its table in its own views
module, and config/urls.py mounts the table's URLs in the "settings" namespace."""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404
from django.shortcuts import render
from django.urls import path, reverse

from config.pages import add_service_errors, htmx_events, require_area, settings_context


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


def _autofocus(form, cells) -> None:
    """The row htmx swaps in starts the keyboard at its first wrong input, else its
    first input (htmx focuses [autofocus] in what it swaps in)."""
    shown = [bound for _, bound, _ in cells if bound is not None]
    first = next((bound for bound in shown if bound.errors), shown[0] if shown else None)
    if first is not None:
        first.field.widget.attrs["autofocus"] = True


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

    def _add_context(self, form, focus=False) -> dict:
        cells = self.form_cells(form)
        if focus:
            _autofocus(form, cells)
        return {"add_form": form, "add_cells": cells}

    def _edit_context(self, obj, form, focus=False) -> dict:
        cells = self.form_cells(form, obj)
        if focus:
            _autofocus(form, cells)
        return {"obj": obj, "form": form, "form_cells": cells}

    def _render(self, request, partial: str | None, **extra):
        template = "settings/reference_table.html"
        if partial:
            template += f"#{partial}"
        context = settings_context(self.slug, table=self, **extra)
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
        return self._render(request, "row", row=self._row_context(self._get(pk)), focus_edit=True)

    def _edit(self, request, pk: int):
        require_area(request, "settings")
        obj = self._get(pk)
        form = self.form_class(initial=self.initial(obj), prefix=f"row{pk}")
        return self._render(request, "row-form", **self._edit_context(obj, form, focus=True))

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
                response = self._render(request, "row", row=self._row_context(obj), focus_edit=True)
                return htmx_events(
                    response, showMessage={"level": "success", "text": f"{self.noun} saved."}
                )
        return self._render(request, "row-form", **self._edit_context(obj, form, focus=True))

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
                    **self._add_context(self.new_form(), focus=True),
                )
                return htmx_events(
                    response, showMessage={"level": "success", "text": f"{self.noun} added."}
                )
        return self._render(request, "add-row", **self._add_context(form, focus=True))

    def _delete(self, request, pk: int):
        require_area(request, "settings")
        if request.method != "POST":
            raise Http404
        obj = self._get(pk)
        try:
            self.delete(obj)
        except ValidationError as exc:
            response = self._render(
                request,
                "row",
                row=self._row_context(obj),
                row_error=" ".join(exc.messages),
                focus_edit=True,
            )
            return response
        response = render(request, "settings/reference_table.html#deleted", {})
        return htmx_events(
            response, showMessage={"level": "success", "text": f"{self.noun} deleted."}
        )
