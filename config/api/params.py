"""Reading Depot requests: bodies in any of the three encodings, typed fields with
error sentences that name the field, and the list parameters every resource shares."""

import re
from dataclasses import dataclass, field
from typing import Any

from django.http import QueryDict
from django.http.multipartparser import MultiPartParserError

from config.limits import REQUEST_LIST_MAX_ITEMS
from config.parsing import (
    load_json,
    parse_bool,
    parse_date,
    parse_datetime,
    parse_decimal,
    parse_email,
    parse_id_list,
    parse_int,
    parse_json,
    parse_ref,
    parse_text,
)
from config.text import text_problem

from .errors import ApiValidationError


def request_data(request) -> dict[str, Any]:
    """The body's fields as a plain dict, whatever the method and encoding.

    Django only parses form bodies for POST, but the official PHP kit sends
    multipart for PATCH and DELETE too, so for those we borrow the POST parser.
    Uploaded files are left in `request.FILES`.
    """
    if hasattr(request, "_depot_data"):
        return request._depot_data
    content_type = request.META.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
    data: dict[str, Any] = {}
    if content_type == "application/json":
        try:
            body = load_json(request.body or b"{}")
        except (ValueError, UnicodeDecodeError) as exc:
            raise ApiValidationError("The request body is not valid JSON.") from exc
        except RecursionError:
            raise ApiValidationError("The request body is nested too deeply.") from None
        if not isinstance(body, dict):
            raise ApiValidationError("The request body must be a JSON object.")
        data = body
    elif content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        method = request.method
        try:
            if method != "POST":
                request.method = "POST"
                if hasattr(request, "_post"):
                    del request._post
                    del request._files
            request._load_post_and_files()
            form = request.POST
        except MultiPartParserError as exc:
            raise ApiValidationError("The multipart body could not be read.") from exc
        finally:
            request.method = method
        data = _querydict_to_dict(form)
    elif request.body and content_type not in ("", "application/octet-stream"):
        # Some clients send urlencoded bodies without a content type header.
        data = _querydict_to_dict(QueryDict(request.body, encoding="utf-8"))
    problems = [
        (key, f"{key} {problem}.")
        for key, value in data.items()
        if (problem := storage_problem(key) or storage_problem(value))
    ]
    if problems:
        raise ApiValidationError.by_field(sorted(problems, key=lambda problem: problem[1]))
    request._depot_data = data
    return data


MAX_NESTING = 32


def storage_problem(value) -> str | None:
    """Why a value can't be stored, or None: text the database can't hold (see
    config.text, which the services apply to every path), deep nesting or a list
    longer than any real data. Walked without recursion so depth costs no stack."""
    pending = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if depth > MAX_NESTING:
            return "is nested too deeply"
        if isinstance(item, str):
            problem = text_problem(item)
            if problem:
                return problem
        elif isinstance(item, dict | list | tuple) and len(item) > REQUEST_LIST_MAX_ITEMS:
            return f"must have at most {REQUEST_LIST_MAX_ITEMS} items"
        elif isinstance(item, dict):
            pending.extend((part, depth + 1) for pair in item.items() for part in pair)
        elif isinstance(item, list | tuple):
            pending.extend((part, depth + 1) for part in item)
    return None


BRACKETED_KEY = re.compile(r"([^\[\]]+)((?:\[[^\[\]]*\])+)\Z")
BRACKET_PART = re.compile(r"\[([^\[\]]*)\]")


def _querydict_to_dict(qd: QueryDict) -> dict[str, Any]:
    """Form fields as a dict. PHP's bracket names build the list or object they
    spell, as PHP itself reads them: `tags[]=a&tags[]=b` and `tags[0]=a` a list,
    `address[line1]=...` an object, `customfields[0][Twitter]=@x` a list of objects.
    Left as flat keys they would never match a field and be silently dropped."""
    result: dict[str, Any] = {}
    nested: dict[str, dict] = {}
    for key in qd:
        values = qd.getlist(key)
        match = BRACKETED_KEY.match(key)
        if match is None:
            result[key] = values if len(values) > 1 else values[0]
            continue
        parts = BRACKET_PART.findall(match.group(2))
        if len(parts) > MAX_NESTING:
            raise ApiValidationError(
                f"{match.group(1)} is nested too deeply.", field=match.group(1)
            )
        node = nested.setdefault(match.group(1), {})
        for part in parts[:-1]:
            part = part or str(len(node))
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise ApiValidationError(
                    f"{key} is sent both as a value and as a list or object.", field=key
                )
            node = child
        last = parts[-1]
        for value in values if last == "" or len(values) == 1 else [values]:
            slot = last or str(len(node))
            if isinstance(node.get(slot), dict):
                raise ApiValidationError(
                    f"{key} is sent both as a value and as a list or object.", field=key
                )
            node[slot] = value
    for name, node in nested.items():
        if name in result:
            raise ApiValidationError(
                f"{name} is sent both as a value and as {name}[...] fields.", field=name
            )
        result[name] = _lists_where_numbered(node)
    return result


def _lists_where_numbered(node):
    """{"0": a, "1": b} → [a, b] (in index order), all the way down."""
    if not isinstance(node, dict):
        return node
    items = {key: _lists_where_numbered(value) for key, value in node.items()}
    if items and all(key.isdigit() for key in items):
        return [items[key] for key in sorted(items, key=int)]
    return items


PARSERS = {
    "str": parse_text,
    "bool": parse_bool,
    "int": parse_int,
    "decimal": parse_decimal,
    "date": parse_date,
    "datetime": parse_datetime,
    "json": parse_json,
    "email": parse_email,
    "idlist": parse_id_list,
    "ref": parse_ref,
}

OPENAPI_TYPES = {
    "str": {"type": "string"},
    "bool": {"type": "boolean"},
    "int": {"type": "integer"},
    "decimal": {"type": "number"},
    "date": {"type": "string", "description": "YYYY-MM-DD or a Unix timestamp"},
    "datetime": {"type": "string", "description": "ISO 8601 or a Unix timestamp"},
    "json": {"type": "string", "description": "JSON encoded"},
    "email": {"type": "string", "format": "email"},
    "idlist": {"type": "string", "description": "comma separated ids"},
    "ref": {"type": "integer", "description": 'an id, or in JSON the object {"id": N}'},
}


@dataclass
class Field:
    kind: str = "str"
    required: bool = False
    max_length: int | None = None
    min_value: Any = None
    max_value: Any = None
    choices: tuple | None = None
    help: str = ""


@dataclass
class Fields:
    """A resource's writable fields, used both to validate input and to document it."""

    spec: dict[str, Field] = field(default_factory=dict)

    def __init__(self, **spec: Field):
        self.spec = spec

    def clean(self, data: dict, *, partial: bool) -> dict[str, Any]:
        """Typed values for the fields present; raises ApiValidationError listing
        every problem at once. With `partial` (PATCH) required fields may be absent."""
        cleaned: dict[str, Any] = {}
        errors: list[tuple[str, str]] = []
        for name, spec in self.spec.items():
            if name not in data:
                if spec.required and not partial:
                    errors.append((name, f"{name} is required."))
                continue
            raw = data[name]
            if spec.required and (raw is None or (isinstance(raw, str) and not raw.strip())):
                errors.append((name, f"{name} is required."))
                continue
            try:
                value = PARSERS[spec.kind](raw)
            except ValueError as exc:
                errors.append((name, f"{name} {exc}."))
                continue
            problem = storage_problem(value)  # e.g. "\u0000" inside a JSON-encoded field
            if problem:
                errors.append((name, f"{name} {problem}."))
                continue
            too_long = spec.max_length is not None and isinstance(value, str)
            if too_long and len(value) > spec.max_length:
                errors.append((name, f"{name} must be at most {spec.max_length} characters."))
                continue
            if spec.min_value is not None and value < spec.min_value:
                errors.append((name, f"{name} must be at least {spec.min_value}."))
                continue
            if spec.max_value is not None and value > spec.max_value:
                errors.append((name, f"{name} must be at most {spec.max_value}."))
                continue
            if spec.choices is not None and value not in spec.choices:
                options = ", ".join(str(choice) for choice in spec.choices)
                errors.append((name, f"{name} must be one of: {options}."))
                continue
            cleaned[name] = value
        if errors:
            raise ApiValidationError.by_field(errors)
        return cleaned

    def openapi_body(self) -> dict:
        """An OpenAPI requestBody for the docs: the same fields as form data or JSON."""
        properties = {}
        for name, spec in self.spec.items():
            prop = dict(OPENAPI_TYPES[spec.kind])
            if spec.help:
                prop["description"] = spec.help
            if spec.max_length is not None and spec.kind == "str":
                prop["maxLength"] = spec.max_length
            if spec.choices:
                prop["enum"] = list(spec.choices)
            properties[name] = prop
        required = [name for name, spec in self.spec.items() if spec.required]
        schema = {"type": "object", "properties": properties}
        if required:
            schema["required"] = required
        return {
            "requestBody": {
                "content": {
                    media: {"schema": schema}
                    for media in (
                        "application/x-www-form-urlencoded",
                        "multipart/form-data",
                        "application/json",
                    )
                }
            }
        }


@dataclass
class ListParams:
    rows: int
    start: int
    order: str
    ascending: bool

    @property
    def order_prefix(self) -> str:
        return "" if self.ascending else "-"

    def page(self, queryset):
        return queryset[self.start : self.start + self.rows]


MAX_ROWS = 1000


def list_params(request, orderings: dict[str, str | tuple], default_order: str) -> ListParams:
    """`rows`, `start`, `order`, `orderasc` as the spec defines them. `orderings` maps
    each order key clients may send to the model field(s) it sorts by; any other key
    is a 400 rather than a crash or a silent default."""
    query = request.GET
    errors = []
    rows, start = 10, 0
    try:
        rows = parse_int(query.get("rows", 10))
        if rows < 1:
            raise ValueError
        rows = min(rows, MAX_ROWS)
    except ValueError:
        errors.append(("rows", f"rows must be a whole number between 1 and {MAX_ROWS}."))
    try:
        start = parse_int(query.get("start", 0))
        if start < 0:
            raise ValueError
        # Past any real table, and within the database's 64-bit OFFSET.
        start = min(start, 2**62)
    except ValueError:
        errors.append(("start", "start must be a whole number of at least 0."))
    order = query.get("order") or default_order
    if order not in orderings:
        errors.append(("order", f"order must be one of: {', '.join(sorted(orderings))}."))
    ascending = True
    if "orderasc" in query:
        try:
            ascending = parse_bool(query["orderasc"])
        except ValueError:
            errors.append(("orderasc", "orderasc must be true or false."))
    if errors:
        raise ApiValidationError.by_field(errors)
    return ListParams(rows=rows, start=start, order=order, ascending=ascending)


def order_queryset(queryset, params: ListParams, orderings: dict[str, str | tuple]):
    fields = orderings[params.order]
    if isinstance(fields, str):
        fields = (fields,)
    # The primary key last keeps pages stable when the sort key has ties.
    ordering = [params.order_prefix + name for name in fields]
    ordering.append(params.order_prefix + "pk")
    return queryset.order_by(*ordering)
