"""A resource's writable fields: each one's type, limits and help, used both to clean
what a client sends (every problem in one 400, each sentence naming its field) and to
document the body in the OpenAPI schema. A key the resource doesn't know is refused,
except what a client sends back as it read it (`read_only`, `shapes`)."""

from dataclasses import dataclass, field
from typing import Any

from config.parsing import (
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

from .body import storage_problem
from .errors import ApiValidationError

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


# Django's own CSRF check reads this from a signed-in browser's form body.
FRAMEWORK_KEYS = ("csrfmiddlewaretoken",)
SHOWN_KEY_CHARS = 40


def _shown(key: str) -> str:
    if not key:
        return '""'
    return key if len(key) <= SHOWN_KEY_CHARS else f"{key[:SHOWN_KEY_CHARS]}…"


@dataclass
class Field:
    kind: str = "str"
    required: bool = False
    max_length: int | None = None
    min_value: Any = None
    max_value: Any = None
    choices: tuple | None = None
    help: str = ""
    # Form clients can't send null: empty text clears a clearable field ...
    clearable: bool = False
    # ... and leaves out one where empty means "not given" (a date that stays).
    empty_is_absent: bool = False
    # A comma separated field that may also come as a list (JSON, or tags[] fields).
    comma_list: bool = False


@dataclass
class Fields:
    """A resource's writable fields, used both to validate input and to document it.

    `read_only` names what a GET returns that a client may send back unchanged (`id`,
    `added`, ...): accepted and ignored. `shapes` names the objects a GET returns whose
    parts the resource's body reader writes as its fields (`address` → line1…)."""

    spec: dict[str, Field] = field(default_factory=dict)
    read_only: tuple[str, ...] = ()
    shapes: tuple[str, ...] = ()

    def __init__(self, *, read_only: tuple[str, ...] = (), shapes: tuple[str, ...] = (), **spec):
        self.spec = spec
        self.read_only = read_only
        self.shapes = shapes

    def refuse_unknown(self, data: dict) -> None:
        """A 400 naming each key that is neither a field nor something the resource
        sends out: a misspelt field left out would look like a write that worked."""
        accepted = {*self.spec, *self.read_only, *self.shapes, *FRAMEWORK_KEYS}
        unknown = sorted(key for key in data if key not in accepted)
        if unknown:
            known = ", ".join(self.spec)
            raise ApiValidationError.by_field(
                (key, f"{_shown(key)} is not a field Docket knows here (known: {known}).")
                for key in unknown
            )

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
