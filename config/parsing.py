"""Reading one value from a client, whatever shape it came in: text, yes/no words,
whole numbers that can't cost seconds to convert, decimals, dates as epoch seconds or
ISO 8601, strict JSON, ids and lists of ids. Each parser raises ValueError with the
end of a sentence ("must be a whole number") that its caller starts with the field.
Shared by the API's field specs and the pages' forms."""

import json
import math
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from config.limits import MAX_ID, REQUEST_LIST_MAX_ITEMS

TRUE_WORDS = {"1", "true", "yes", "on", "y", "t"}
# "" is PHP's string for false, which is what a multipart body from PHP carries.
FALSE_WORDS = {"0", "false", "no", "off", "n", "f", ""}
# Past this many digits a "whole number" can only be an attack: converting
# 1e1000000 to an int costs seconds of CPU per request.
MAX_INT_DIGITS = 30


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):  # 1e309
        raise ValueError("numbers must be finite")
    return number


def _no_constants(name: str):
    raise ValueError(f"{name} is not a JSON number")  # NaN, Infinity: Python-only JSON


def load_json(text):
    """Strict JSON: no NaN/Infinity, which no database JSON column accepts."""
    return json.loads(text, parse_float=_finite_float, parse_constant=_no_constants)


def parse_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list | tuple):
        raise ValueError("must be text, not a list or an object")
    return str(value).strip()


def parse_bool(value) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value != 0
    text = str(value).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise ValueError("must be true or false (1/0, yes/no)")


def parse_int(value) -> int:
    if isinstance(value, bool):
        raise ValueError("must be a whole number")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise ValueError("must be a whole number")
    text = str(value).strip()
    if len(text) > MAX_INT_DIGITS + 10:
        raise ValueError("must be a whole number")
    try:
        return int(text)
    except ValueError:
        pass
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError("must be a whole number") from None
    # Infinity, NaN and sNaN are Decimals too; 1e99999 is short text but a huge int.
    if not number.is_finite() or number.adjusted() > MAX_INT_DIGITS:
        raise ValueError("must be a whole number")
    if number != number.to_integral_value():
        raise ValueError("must be a whole number")
    return int(number)


def parse_decimal(value) -> Decimal:
    if isinstance(value, bool):
        raise ValueError("must be a number")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError("must be a number") from None
    if not number.is_finite():
        raise ValueError("must be a number")
    if number.adjusted() > MAX_INT_DIGITS:
        raise ValueError("is too large")
    return number


def parse_date(value) -> date:
    """Epoch seconds (Depot's own format) or an ISO 8601 date/datetime."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if text.lstrip("-").isdigit():
        try:
            return datetime.fromtimestamp(int(text), tz=UTC).date()
        except (OverflowError, OSError, ValueError):
            raise ValueError("is out of range") from None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise ValueError("must be a date (YYYY-MM-DD) or a Unix timestamp") from None


def parse_datetime(value) -> datetime:
    """Epoch seconds, an ISO 8601 datetime, or a date (taken as noon that day in the
    account's time zone, so it stays on that day wherever it is read)."""
    from django.utils import timezone

    if isinstance(value, datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    text = str(value).strip()
    if text.lstrip("-").isdigit():
        try:
            return datetime.fromtimestamp(int(text), tz=UTC)
        except (OverflowError, OSError, ValueError):
            raise ValueError("is out of range") from None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError("must be a date, an ISO 8601 date-time or a Unix timestamp") from None
    if len(text) <= 10:
        moment = moment.replace(hour=12)
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def parse_json(value):
    """A field the spec calls "a JSON encoded string" may come as the string or, in a
    JSON body, as the value itself."""
    if isinstance(value, str):
        try:
            return load_json(value)
        except ValueError:
            raise ValueError("must be valid JSON") from None
        except RecursionError:
            raise ValueError("is nested too deeply") from None
    return value


def parse_email(value) -> str:
    text = str(value).strip().lower()
    try:
        validate_email(text)
    except ValidationError:
        raise ValueError("must be a valid email address") from None
    return text


def parse_ref(value) -> int:
    """An id, or (as Dokus allows) the related object itself: {"id": 12, ...}."""
    if isinstance(value, dict):
        if "id" not in value:
            raise ValueError("must be an id or an object with an id")
        value = value["id"]
    return parse_int(value)


def parse_id_list(value) -> list[int]:
    """A comma separated list of ids ("1,2,3"), or a JSON/array list of ids or of
    objects with an id."""
    if isinstance(value, list | tuple):
        items = list(value)
    else:
        text = str(value).strip()
        if text.startswith("["):
            items = parse_json(text)
        else:
            items = [part for part in text.split(",") if part.strip()]
    if len(items) > REQUEST_LIST_MAX_ITEMS:
        raise ValueError(f"must list at most {REQUEST_LIST_MAX_ITEMS} ids")
    result = []
    for item in items:
        number = parse_ref(item)
        if not 0 < number <= MAX_ID:
            raise ValueError("must be a comma separated list of ids")
        result.append(number)
    return result
