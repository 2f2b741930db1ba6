"""Helpers every app's pages share: area checks, htmx events, a service's errors on a
form, query parameters, and the settings pages' sections (each app adds its own from
its AppConfig.ready, so the settings layout names no app above it)."""

import json
import re
from collections.abc import Callable

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse

from config.errors import render
from config.limits import MAX_ID


def require_area(request, area: str) -> None:
    if not request.user.can(area):
        raise PermissionDenied


def htmx_events(response: HttpResponse, **events) -> HttpResponse:
    response["HX-Trigger"] = json.dumps(events)
    return response


def query_int(request, name: str, *, low: int = 1, high: int = MAX_ID) -> int | None:
    """The whole number in query parameter `name`, or None when it is missing, not a
    whole number or outside low..high. A link that carries a stale or mistyped id
    (`?company=abc`) then shows the page without it instead of failing; the default
    range is that of a primary key, so an id past it never reaches the database."""
    raw = request.GET.get(name, "").strip()
    # A digit run long enough to be slow to convert is out of any range anyway.
    if not raw or len(raw) > 20:
        return None
    try:
        value = int(raw)
    except ValueError:
        return None
    return value if low <= value <= high else None


def add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form: each message on the field it is
    keyed by, named by the field's label ("Email x is already used…" where the API
    says "email x …"). A form whose fields are named differently from the service's
    maps them in `service_field_names`, and may word a rule its own way for the page
    in `service_messages`, keyed by the error's code.
    Messages for fields the form doesn't have, or about the whole request, are the
    form's own."""
    names = getattr(form, "service_field_names", {})
    wordings = getattr(form, "service_messages", {})
    if not hasattr(exc, "error_dict"):
        for message in exc.messages:
            form.add_error(None, message[:1].upper() + message[1:])
        return
    for service_name, errors in exc.error_dict.items():
        field_name = names.get(service_name, service_name)
        for error in errors:
            if field_name in form.fields:
                message = wordings.get(error.code) or render(error, str(form[field_name].label))
                form.add_error(field_name, message)
            else:
                message = render(error, service_name)
                form.add_error(None, message[:1].upper() + message[1:])


def refusal_text(exc: ValidationError) -> str:
    """A service's refusal as one sentence for a page with no form to put it on (a
    reorder, a deletion, the timer), each field named as the service names it."""
    if not hasattr(exc, "error_dict"):
        sentences = list(exc.messages)
    else:
        sentences = [
            render(error, field) for field, errors in exc.error_dict.items() for error in errors
        ]
    text = " ".join(sentences)
    return text[:1].upper() + text[1:]


# (position, slug, title): the settings navigation, in the order people expect it
# whichever app adds an entry first.
_SETTINGS_SECTIONS: dict[str, tuple[int, str]] = {}


def register_settings_section(slug: str, title: str, *, position: int) -> None:
    """Add a page to the settings navigation; `slug` is its URL name in the
    "settings" namespace."""
    _SETTINGS_SECTIONS[slug] = (position, title)


def settings_sections() -> list[tuple[str, str]]:
    ordered = sorted(_SETTINGS_SECTIONS.items(), key=lambda item: item[1][0])
    return [(slug, title) for slug, (_, title) in ordered]


def settings_context(section: str, **extra) -> dict:
    return {
        "nav_section": "settings",
        "sections": settings_sections(),
        "section": section,
        **extra,
    }


# The dashboard's panels: (area, context function, template). Each app adds its own
# from its AppConfig.ready; a panel shows to those who can open its area (every
# signed-in person when the area is None).
_DASHBOARD_PANELS: list[tuple[int, str | None, Callable, str | None]] = []


def register_dashboard_panel(
    area: str | None, context: Callable, *, template: str | None = None, position: int = 100
) -> None:
    """`context(user)` returns the template variables the panel reads. A panel with
    a `template` is drawn by the dashboard by `position`, then in the order
    registered; one without is read by the dashboard's own markup."""
    _DASHBOARD_PANELS.append((position, area, context, template))
    _DASHBOARD_PANELS.sort(key=lambda panel: panel[0])


def dashboard_panels_context(user) -> dict:
    context: dict = {"dashboard_panels": []}
    for _position, area, panel_context, template in _DASHBOARD_PANELS:
        if area is None or user.can(area):
            context.update(panel_context(user))
            if template:
                context["dashboard_panels"].append(template)
    return context


# Panels an app above adds to a page of an app below (a client's projects on a company
# page): (area, template, context function) per page name, registered from the
# higher app's AppConfig.ready so the lower page's template names no app above it.
_DETAIL_PANELS: dict[str, list[tuple[str, str, Callable]]] = {}


def register_detail_panel(page: str, area: str, template: str, context: Callable) -> None:
    """`context(obj)` returns what `template` reads as `panel` beside the page's `obj`."""
    _DETAIL_PANELS.setdefault(page, []).append((area, template, context))


def detail_panels(user, page: str, obj) -> list[dict]:
    return [
        {"template": template, "context": context(obj)}
        for area, template, context in _DETAIL_PANELS.get(page, [])
        if user.can(area)
    ]


# Where a notification's link leads. Links are Depot's paths ("job/3", "projects/12");
# the app that owns each kind registers, from its AppConfig.ready, the area a reader
# needs and how to turn the id into a Docket URL (None when it is gone), and may give
# readers outside the area a way of their own (a collaborator's job page).
_LINK_TARGETS: dict[str, tuple[str, Callable[[int], str | None], Callable | None]] = {}
LINK_PATTERN = re.compile(r"/?([a-z]+)/(\d{1,18})/?\Z")


def register_link_target(
    kinds: tuple[str, ...], area: str, resolve: Callable, *, outside_area: Callable | None = None
) -> None:
    """`resolve(id)` returns the page's URL for the kinds ("job", "jobs") it names;
    `outside_area(user, id)` returns, without reading rows, the resolver for a reader
    without the area who may still open it, else None."""
    for kind in kinds:
        _LINK_TARGETS[kind] = (area, resolve, outside_area)


def link_target(user, link: str) -> tuple[Callable, int] | None:
    """The resolver and id a link names, if it is a kind some app registered and the
    user may open it; None for anything else, which pages show as plain text.
    Reads no rows, so a list can ask it of every link."""
    match = LINK_PATTERN.match((link or "").strip().lower())
    if match is None or match.group(1) not in _LINK_TARGETS:
        return None
    area, resolve, outside_area = _LINK_TARGETS[match.group(1)]
    pk = int(match.group(2))
    if user.can(area):
        return resolve, pk
    other_way = outside_area(user, pk) if outside_area is not None else None
    return (other_way, pk) if other_way is not None else None
