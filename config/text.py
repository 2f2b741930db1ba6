"""Free text as it may be stored: one cleaning that the pages, the CSV import and the
API all pass through, because it is applied by the services they all call."""

import re
from typing import Any

from django.core.exceptions import ValidationError

from config.errors import field_error, field_message

# C0 control characters other than tab, line feed and carriage return. Nobody types
# them; they come along with text pasted from other programs or exported by them,
# are invisible on a page and are not allowed in XML, so they are dropped.
CONTROL_CHARACTERS = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f]")
SURROGATE = re.compile("[\ud800-\udfff]")


def text_problem(text: str) -> str | None:
    """Why text can't be stored, or None. NUL can't go into PostgreSQL text or jsonb
    (a 500 there, while SQLite keeps it), and a lone surrogate (legal in JSON's \\u
    escapes) can't be encoded at all. Both are refused rather than dropped, so
    nothing changes behind the sender's back."""
    if "\x00" in text:
        return "must not contain NUL characters"
    if SURROGATE.search(text):
        return "must not contain unpaired surrogate characters"
    return None


def clean_text(text: str) -> str:
    return CONTROL_CHARACTERS.sub("", text)


def _cleaned(value: Any) -> Any:
    if isinstance(value, str):
        problem = text_problem(value)
        if problem:
            raise ValueError(problem)
        return clean_text(value)
    if isinstance(value, list | tuple):
        return type(value)(_cleaned(item) for item in value)
    if isinstance(value, dict):
        return {_cleaned(key): _cleaned(item) for key, item in value.items()}
    return value


def clean_values(fields: dict[str, Any]) -> dict[str, Any]:
    """`fields` with every piece of text in them, inside lists and objects too,
    cleaned of control characters. Text that can't be stored is a ValidationError
    keyed by its field."""
    cleaned, errors = {}, {}
    for key, value in fields.items():
        try:
            cleaned[key] = _cleaned(value)
        except ValueError as exc:
            errors[key] = field_message(
                key, "%(field)s %(problem)s.", "unstorable", problem=str(exc)
            )
    if errors:
        raise ValidationError(errors)
    return cleaned


def required_text(value: Any, field: str, *, max_length: int) -> str:
    """One line of text a reference row can't be without (a name, a code), stripped
    and held to `max_length`; a list or an object is not text."""
    if isinstance(value, dict | list | tuple):
        raise field_error(field, "%(field)s must be text, not a list or an object.", "not_text")
    text = "" if value is None else str(value).strip()
    if not text:
        raise field_error(field, "%(field)s is required.", "required")
    if len(text) > max_length:
        raise field_error(
            field, "%(field)s must be at most %(limit)s characters.", "max_length", limit=max_length
        )
    return text
