"""The journal's item codes (C41, I5, U3, N2): which model each letter names, resolving
a code to its object, and names for many codes at once. crm registers its own types
and the user's; the apps above register theirs from AppConfig.ready, so crm imports
none of them."""

import re

from django.db import models

from config.errors import field_error
from config.limits import MAX_ID

# Item codes the journal can point at (DESIGN.md §3). Each app registers its own
# models from its AppConfig.ready: register_item_type("P", Project, "name").
ITEM_TYPES: dict[str, tuple[type[models.Model], str]] = {}
# The area a caller must be able to read to see entries about an item type (a project's
# title, what was said about a job): entries about the rest are the journal's own.
ITEM_AREAS: dict[str, str] = {}


def register_item_type(
    letter: str, model: type[models.Model], name_attr: str, *, area: str | None = None
) -> None:
    ITEM_TYPES[letter] = (model, name_attr)
    if area:
        ITEM_AREAS[letter] = area


def parse_item_code(code: str, *, field: str = "for") -> tuple[str, int]:
    text = str(code or "").strip().upper()
    shown = str(code or "").strip()
    shown = shown if len(shown) <= 40 else f"{shown[:40]}…"
    match = re.fullmatch(r"([A-Z])(\d+)", text)
    if not match:
        raise field_error(
            field,
            "%(field)s must be an item code such as C41 or I5, not '%(code)s'.",
            "invalid",
            code=shown,
        )
    if len(match.group(2)) > 18:  # past any id; int() of a huge digit run is slow
        return match.group(1), 10**18
    return match.group(1), int(match.group(2))


def resolve_item(code: str, *, field: str = "for"):
    """The object an item code names; ValidationError (on `field`) when there is none."""
    letter, object_id = parse_item_code(code, field=field)
    shown = str(code).strip().upper()
    shown = shown if len(shown) <= 40 else f"{shown[:40]}…"
    missing = field_error(field, "%(field)s %(code)s does not exist.", "not_found", code=shown)
    if letter not in ITEM_TYPES or object_id > MAX_ID:
        raise missing
    model, _ = ITEM_TYPES[letter]
    obj = model._default_manager.filter(pk=object_id).first()
    if obj is None:
        raise missing
    return obj


def item_names(codes: set[tuple[str, int]]) -> dict[tuple[str, int], str]:
    """Names for many item codes with one query per item type."""
    names: dict[tuple[str, int], str] = {}
    by_type: dict[str, list[int]] = {}
    for letter, object_id in codes:
        by_type.setdefault(letter, []).append(object_id)
    for letter, ids in by_type.items():
        if letter not in ITEM_TYPES:
            continue
        model, name_attr = ITEM_TYPES[letter]
        ids = [pk for pk in ids if 0 < pk <= MAX_ID]
        for pk, name in model._default_manager.filter(pk__in=ids).values_list("pk", name_attr):
            names[(letter, pk)] = name
    return names
