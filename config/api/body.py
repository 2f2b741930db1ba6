"""Reading a Depot request's body: any of the three encodings into one dict, values
the database can't hold refused, PHP's bracketed form names built into the lists and
objects they spell, and the shapes a client sends back as it read them (an address
object, an object JSON-encoded in a form field) read like the flat fields they carry.
`body_fields` is the whole path from request to a resource's cleaned fields."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from django.http import QueryDict
from django.http.multipartparser import MultiPartParserError

from config.addresses import ADDRESS_KEYS
from config.limits import REQUEST_LIST_MAX_ITEMS
from config.parsing import load_json, parse_json
from config.text import text_problem

from .errors import ApiValidationError

if TYPE_CHECKING:  # annotations only: fields.py reads storage_problem from here
    from collections.abc import Callable

    from .fields import Field, Fields


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
            elif not hasattr(request, "_post"):
                # A POST's form may have been read already (its Idempotency-Key
                # fingerprint, a session's CSRF check): the stream can't be read twice.
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


def body_fields(
    request,
    spec: Fields,
    *,
    partial: bool,
    reshape: Callable[[dict, Fields], list[tuple[str, str]]] | None = None,
) -> dict[str, Any]:
    """The request's fields cleaned by `spec`, a field the spec doesn't know refused
    before anything is read. `reshape` turns a resource's read shapes into its fields
    and returns the problems it found. A list may come for a comma separated field,
    an empty value clears a clearable field (form clients can't send null) and leaves
    out an `empty_is_absent` one."""
    data = dict(request_data(request))
    spec.refuse_unknown(data)
    problems = reshape(data, spec) if reshape is not None else []
    for name, field in spec.spec.items():
        if field.comma_list and isinstance(data.get(name), list | tuple):
            data[name] = ",".join(str(item) for item in data[name] if item is not None)
    for name, field in spec.spec.items():
        if field.empty_is_absent and data.get(name, 0) in ("", None):
            del data[name]
    cleared = [
        name
        for name, field in spec.spec.items()
        if field.clearable and name in data and _clears(field, data[name])
    ]
    for name in cleared:
        del data[name]
    try:
        fields = spec.clean(data, partial=partial)
    except ApiValidationError as exc:
        raise ApiValidationError.by_field(problems + exc.problems) from None
    if problems:
        raise ApiValidationError.by_field(problems)
    fields.update(dict.fromkeys(cleared))
    return fields


def _clears(field: Field, value) -> bool:
    """Empty clears a clearable field; so does the word null for one that isn't text
    (a date, a number), as the spec says for `last` ("or null for never ending"): a
    form body can only send it as that word, and no date or number is spelt so."""
    if value in ("", None):
        return True
    return field.kind != "str" and isinstance(value, str) and value.strip().lower() == "null"


ADDRESS_SHAPE = (
    f"address must be an object with {', '.join(ADDRESS_KEYS)} (or that object JSON-encoded)."
)


def decode_object(data: dict, name: str, problems: list[tuple[str, str]]) -> None:
    """A form body can carry an object only as JSON text, which is how the PHP kit
    sends one back: decode it so it reads like the object in a JSON body."""
    value = data.get(name)
    if isinstance(value, str) and value.lstrip().startswith("{"):
        try:
            data[name] = parse_json(value)
        except ValueError as exc:
            problems.append((name, f"{name} {exc}."))


def flatten_address(data: dict, problems: list[tuple[str, str]]) -> None:
    """The `address` object as read (or JSON-encoded) into the flat line1…postcode
    fields it carries; a field sent flat as well wins."""
    address = data.pop("address", None)
    if address is None or (isinstance(address, str) and not address.strip()):
        return  # a form client's way of not sending one
    if isinstance(address, str):
        try:
            address = parse_json(address)
        except ValueError:
            address = None
    if not isinstance(address, dict):
        problems.append(("address", ADDRESS_SHAPE))
        return
    # `id` is Depot's address id, read along with the lines and not itself writable.
    unknown = sorted(set(address) - {*ADDRESS_KEYS, "id"})
    if unknown:
        problems.append(
            (
                "address",
                f"address has keys Docket doesn't know: {', '.join(unknown)} "
                f"(known: {', '.join(ADDRESS_KEYS)}).",
            )
        )
        return
    for key in ADDRESS_KEYS:
        if key in address and key not in data:
            data[key] = address[key]
